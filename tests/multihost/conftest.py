# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fixtures: the Ceph lab, the shared database (SQLite, or PostgreSQL with
a Redis lock service), ten hosts.

CL_CEPH_* come from scripts/ceph-lab.sh env; CL_MH_PG_URL (a database of
the multihost suite's own) and CL_TEST_REDIS_URL from scripts/test.sh.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import harness  # noqa: E402  (this directory, put on the path above)

HOSTS = int(os.environ.get('CL_MH_HOSTS', '10'))


@pytest.fixture(scope='session')
def lab():
    found = harness.lab_from_env()
    if found is None:
        pytest.skip('the Ceph lab is not running (eval "$(bash '
                    'scripts/ceph-lab.sh env)")')
    return found


def _store(kind, tmp_path):
    if kind == 'sqlite':
        return harness.Store('sqlite:///%s' % (tmp_path / 'cinderlib.sqlite'))
    pg, redis = os.environ.get('CL_MH_PG_URL'), os.environ.get(
        'CL_TEST_REDIS_URL')
    if not (pg and redis):
        pytest.skip('set CL_MH_PG_URL and CL_TEST_REDIS_URL')
    return harness.Store(pg, redis, label='postgresql+redis')


@pytest.fixture(params=['sqlite', 'postgresql'])
def store(request, tmp_path):
    found = _store(request.param, tmp_path)
    found.reset()
    found.plugin()      # the schema (tests of a fresh database reset again)
    yield found
    found.close()


@pytest.fixture
def hosts(tmp_path, lab, store):
    found = harness.Hosts(str(tmp_path), lab, store, count=HOSTS)
    yield found
    found.cleanup()
