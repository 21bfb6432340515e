# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fixtures for the core's unit tests.

The library is set up once per process (as in real use), with memory_db
persistence; each test uses a backend of its own name.

persistence/ is a package (an empty __init__.py), so that its test files
may share their names with other directories' (test_base.py is resources/'s
too): pytest imports them as persistence.test_<name>.  The shared helpers
(core_helpers, persistence_conformance, ...) come from this directory,
which is put on sys.path below.
"""
import os
import sys

import pytest

# fake_driver is imported by path, as users name any driver module.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from core_helpers import (  # noqa: E402 (needs the path above)
    DRIVER, MANAGEABLE_DRIVER, backend_name, persistence_state)
from ansible_collections.openstack.cinderlib.plugins.module_utils import cinderlib as cl  # noqa: E402


@pytest.fixture(scope='module', autouse=True)
def library(tmp_path_factory):
    if cl.Backend._settings is None:
        cl.setup(file_locks_path=str(tmp_path_factory.mktemp('locks')),
                 persistence_config={'storage': 'memory_db'},
                 fake_capacity_gb=50)


@pytest.fixture
def backend(request):
    """A backend with the fake driver."""
    return cl.Backend(backend_name(request), volume_driver=DRIVER,
                      fake_password='s3cret')


@pytest.fixture
def manageable(request):
    """A backend whose fake driver implements manage existing."""
    return cl.Backend(backend_name(request), volume_driver=MANAGEABLE_DRIVER,
                      fake_password='s3cret')


@pytest.fixture
def unchanged():
    """The test body must leave persistence exactly as it found it."""
    before = persistence_state()
    yield
    assert persistence_state() == before
