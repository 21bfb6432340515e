# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The tests of plugins/module_utils/persistence/.

A package, so that its test files may share their names with those of
other directories (test_base.py is resources/'s too): pytest imports them
as persistence.test_<name>.  The shared helpers (core_helpers,
persistence_conformance, parallel_processes, ...) are imported from the
directory above, which conftest.py puts on sys.path.
"""
