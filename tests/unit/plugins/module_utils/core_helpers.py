# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Helpers for testing the core with the fake driver (conftest.py holds
the fixtures built on them)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.openstack.cinderlib.plugins.module_utils import cinderlib as cl

DRIVER = 'fake_driver.FakeDriver'
MANAGEABLE_DRIVER = 'fake_driver.ManageableFakeDriver'


def backend_name(request):
    """A backend name of the test's own."""
    return 'b-' + request.node.name.replace('[', '-').rstrip(']')


def store(backend):
    """The fake driver's storage for this backend."""
    import fake_driver
    return fake_driver.STORAGE[backend.id]


def persistence_state(persistence=None):
    """Every record and key-value pair, to check that nothing changed."""
    persistence = persistence or cl.Backend.persistence

    def by_id(records):
        return sorted(records, key=lambda record: record['id'])
    return (by_id(persistence.get_volumes()),
            by_id(persistence.get_snapshots()),
            by_id(persistence.get_connections()),
            [(kv.key, kv.value) for kv in persistence.get_key_values()])


def forget_live(*resources):
    """Drop objects from the live registries, as a new process would."""
    for resource in resources:
        type(resource)._live.pop(resource.id, None)
        resource.backend._known.pop(resource.id, None)
