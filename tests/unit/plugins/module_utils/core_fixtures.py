# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fixtures for testing the core with the fake driver.

The library is set up once per process (as in real use), with memory_db
persistence; each test uses a backend of its own name.  Import the fixtures
into a test module: ``from core_fixtures import library, backend``.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.openstack.cinderlib.plugins.module_utils import cinderlib as cl

DRIVER = 'fake_driver.FakeDriver'
MANAGEABLE_DRIVER = 'fake_driver.ManageableFakeDriver'


@pytest.fixture(scope='module', autouse=True)
def library(tmp_path_factory):
    if cl.Backend._settings is None:
        cl.setup(file_locks_path=str(tmp_path_factory.mktemp('locks')),
                 persistence_config={'storage': 'memory_db'},
                 fake_capacity_gb=50)


def backend_name(request):
    return 'b-' + request.node.name.replace('[', '-').rstrip(']')


@pytest.fixture
def backend(request):
    return cl.Backend(backend_name(request), volume_driver=DRIVER,
                      fake_password='s3cret')


@pytest.fixture
def manageable(request):
    """A backend whose driver implements manage existing."""
    return cl.Backend(backend_name(request), volume_driver=MANAGEABLE_DRIVER,
                      fake_password='s3cret')


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


@pytest.fixture
def unchanged():
    """The test body must leave persistence exactly as it found it."""
    before = persistence_state()
    yield
    assert persistence_state() == before


def forget_live(*resources):
    """Drop objects from the live registries, as a new process would."""
    for resource in resources:
        type(resource)._live.pop(resource.id, None)
