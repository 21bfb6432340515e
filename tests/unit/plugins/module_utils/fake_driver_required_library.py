# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A fake driver module that imports its storage client library
unconditionally: the module itself cannot be imported without it."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

# Installed nowhere: importing this module fails.
import cl_unit_required_client  # noqa: F401 pylint: disable=unused-import

from fake_driver import FakeDriver


class RequiredLibraryDriver(FakeDriver):
    pass
