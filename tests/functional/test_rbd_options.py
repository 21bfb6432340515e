# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The RBD backend's connection options, right and wrong, on the lab."""

import os
import re

import pytest

from ansible_collections.openstack.cinderlib.plugins.module_utils import cinderlib as cl
from ansible_collections.openstack.cinderlib.plugins.module_utils import errors

import conftest

pytestmark = pytest.mark.skipif(
    not os.environ.get('CL_CEPH_CONF') or 'CL_FTESTS_CFG' in os.environ or
    'CL_FTESTS_DB' in os.environ,
    reason='needs the Ceph lab (scripts/ceph-lab.sh); runs with SQLite only')


def _config(name, **options):
    config = conftest.backend_config('ceph')
    config.update(volume_backend_name=name, rados_connect_timeout=5,
                  rados_connection_retries=1, driver_timeout=60)
    config.update(options)
    return config


@pytest.fixture
def monitors_only_conf(tmp_path):
    """A ceph.conf naming the monitors only: no keyring line."""
    with open(os.environ['CL_CEPH_CONF']) as f:
        mon_host = re.search(r'^mon_host\s*=.*$', f.read(), re.M).group(0)
    path = tmp_path / 'ceph.conf'
    path.write_text('[global]\n%s\n' % mon_host)
    return str(path)


def test_key_only_in_rbd_keyring_conf(backend, volumes, monitors_only_conf):
    ceph = cl.Backend(**_config('ceph-keyring-only',
                                rbd_ceph_conf=monitors_only_conf))
    vol = ceph.create_volume(1, name='keyring-only')
    volumes.append(vol)
    assert vol.status == 'available'
    conn = vol.connect({'host': 'node1', 'ip': '192.0.2.10'})
    conn.disconnect()
    vol.delete()


@pytest.mark.parametrize('options, expected', [
    (dict(rbd_keyring_conf='/nonexistent/ceph.client.cinder.keyring'),
     r'backend ceph-bad-\w+: rbd_keyring_conf .* cannot be read \(No such '
     r'file or directory\); give the path of the keyring of rbd_user'),
    (dict(rbd_ceph_conf='/nonexistent/ceph.conf'),
     r'backend ceph-bad-\w+: rbd_ceph_conf .* cannot be read \(No such '
     r'file or directory\)'),
    (dict(rbd_pool='no-such-pool'),
     r'backend ceph-bad-\w+: driver .* failed to set up: .*Error connecting '
     r'to ceph cluster.*, from .*no-such-pool.*; check the driver options'),
    (dict(rbd_user='nobody'),
     r'backend ceph-bad-\w+: driver .* failed to set up: .*, from .*RADOS '
     r'permission denied.*; check the driver options'),
    (dict(rados_connect_timeout='soon'),
     r'rados_connect_timeout: invalid value'),
], ids=['keyring', 'conf', 'pool', 'user', 'timeout'])
def test_wrong_options_are_one_sentence(request, options, expected):
    name = 'ceph-bad-%s' % request.node.callspec.id
    with pytest.raises(errors.CinderlibError) as raised:
        cl.Backend(**_config(name, **options))
    message = str(raised.value)
    print(message)
    assert re.search(expected, message), message
    assert 'Traceback' not in message and '\n' not in message
