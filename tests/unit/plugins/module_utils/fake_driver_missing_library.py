# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fake drivers whose storage client library is not installed, imported the
ways Cinder's drivers import theirs: optionally at module level (the module
loads, the driver fails when it uses None, as Cinder's RBD driver does
without rados), or only when setting up."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

try:
    import cl_unit_storage_client   # installed nowhere
except ImportError:
    cl_unit_storage_client = None

from fake_driver import FakeDriver


class OptionalLibraryDriver(FakeDriver):
    def do_setup(self, context):
        self.client = cl_unit_storage_client.Client()


class LateImportDriver(FakeDriver):
    def do_setup(self, context):
        import cl_unit_late_client   # installed nowhere
        self.client = cl_unit_late_client.Client()
