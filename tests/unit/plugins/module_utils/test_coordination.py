# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Driver locks shared through a tooz URL (Redis), in fresh processes.

setup() runs once per process, so each case runs in a child interpreter.
CL_TEST_REDIS_URL is set by scripts/test.sh after making sure Redis runs.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import subprocess
import sys

import pytest

REDIS = os.environ.get('CL_TEST_REDIS_URL')
HERE = os.path.dirname(os.path.abspath(__file__))

CHILD = r'''
import sys
sys.path.insert(0, %(here)r)
from ansible_collections.openstack.cinderlib.plugins.module_utils import cinderlib as cl
cl.setup(file_locks_path=%(locks)r, coordination_url=%(url)r)
try:
    backend = cl.Backend('coord', volume_driver='fake_driver.FakeDriver')
except cl.errors.CinderlibError as exc:
    print('ERROR', exc)
    sys.exit(0)
from cinder import coordination
driver = type(coordination.COORDINATOR.coordinator).__name__
with coordination.COORDINATOR.get_lock('cinderlib-test-lock'):
    volume = backend.create_volume(1)
volume.delete()
print('OK', driver)
'''


def run_child(url, tmp_path):
    code = CHILD % {'here': HERE, 'locks': str(tmp_path), 'url': url}
    return subprocess.run([sys.executable, '-c', code], check=True,
                          capture_output=True, text=True,
                          timeout=120).stdout.strip().splitlines()[-1]


@pytest.mark.skipif(not REDIS, reason='set CL_TEST_REDIS_URL')
def test_redis_coordination(tmp_path):
    assert run_child(REDIS, tmp_path) == 'OK RedisDriver'


def test_unreachable_coordination_is_named(tmp_path):
    out = run_child('redis://:topsecret@127.0.0.1:1', tmp_path)
    assert out.startswith('ERROR coordination: cannot start the lock '
                          'backend redis://:***@127.0.0.1:1')
    assert 'topsecret' not in out
