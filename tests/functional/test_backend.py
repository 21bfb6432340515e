# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The core's operations against each configured backend, for real."""

import json
import os
import subprocess
import sys

import pytest

from ansible_collections.openstack.cinderlib.plugins.module_utils import cinderlib as cl

import conftest


def connector():
    return {'host': 'ftest-node', 'ip': '127.0.0.1', 'initiator':
            'iqn.2004-10.com.example:ftest-node', 'platform': 'x86_64',
            'os_type': 'linux', 'multipath': False}


def test_stats(backend):
    stats = backend.stats()
    assert stats['volume_backend_name'] == backend.id
    assert 'driver_version' in stats
    refreshed = backend.stats(refresh=True)
    assert refreshed['volume_backend_name'] == backend.id
    # Pool-aware drivers list pools; the others have one, named after the
    # backend.
    pools = [p['pool_name'] for p in refreshed.get('pools', [])]
    assert backend.pool_names == (tuple(pools) or (backend.id,))


def test_stats_after_creation(backend, volumes):
    before = backend.stats(refresh=True)
    volumes.append(backend.create_volume(1))
    after = backend.stats(refresh=True)
    assert after['volume_backend_name'] == before['volume_backend_name']
    pool = (after.get('pools') or [after])[0]
    assert pool.get('total_capacity_gb') not in (None, 'unknown')


def test_create_volume(backend, volumes):
    volume = backend.create_volume(1, name='ftest-create',
                                   description='created by the suite')
    volumes.append(volume)
    assert volume.status == 'available'
    assert volume.size == 1
    assert volume.name == 'ftest-create'
    assert volume in backend.volumes
    stored = cl.Backend.persistence.get_volumes(volume_id=volume.id)
    assert stored[0]['status'] == 'available'


def test_create_delete_volume(backend, volumes):
    volume = backend.create_volume(1)
    volume.delete()
    assert volume.status == 'deleted'
    assert volume not in backend.volumes
    assert not cl.Backend.persistence.get_volumes(volume_id=volume.id)
    assert conftest.backend_leftovers(backend) == []


def test_create_delete_snapshot(backend, volumes):
    volume = backend.create_volume(1)
    volumes.append(volume)
    snapshot = volume.create_snapshot(name='ftest-snap')
    assert snapshot.status == 'available'
    assert snapshot is list(volume.snapshots)[0]
    assert snapshot.volume is volume
    snapshot.delete()
    assert volume.snapshots == []
    assert not cl.Backend.persistence.get_snapshots(volume_id=volume.id)


@pytest.mark.parametrize('size', [None, 2], ids=['same-size', 'larger'])
def test_volume_from_snapshot(backend, volumes, size):
    volume = backend.create_volume(1)
    volumes.append(volume)
    snapshot = volume.create_snapshot()
    new = snapshot.create_volume(size=size)
    volumes.append(new)
    assert new.status == 'available'
    assert new.size == (size or 1)
    assert new.snapshot_id == snapshot.id
    new.delete()
    snapshot.delete()


@pytest.mark.parametrize('size', [None, 2], ids=['same-size', 'larger'])
def test_clone(backend, volumes, size):
    volume = backend.create_volume(1)
    volumes.append(volume)
    clone = volume.clone(size=size)
    volumes.append(clone)
    assert clone.status == 'available'
    assert clone.size == (size or 1)
    assert clone.source_volid == volume.id
    # Deleting clone then source must leave the pool empty (no .deleted).
    clone.delete()
    volume.delete()
    assert conftest.backend_leftovers(backend) == []


def test_extend(backend, volumes):
    volume = backend.create_volume(1)
    volumes.append(volume)
    volume.extend(2)
    assert volume.size == 2
    assert volume.status == 'available'
    assert cl.Backend.persistence.get_volumes(volume_id=volume.id)[0][
        'size'] == 2


def test_connect_disconnect(backend, volumes):
    volume = backend.create_volume(1)
    volumes.append(volume)
    connection = volume.connect(connector())
    assert connection.connected
    assert connection.protocol
    assert connection.conn_info['data']
    assert volume.status == 'in-use'
    assert volume.connections == [connection]
    connection.disconnect()
    assert volume.status == 'available'
    assert volume.connections == []


def test_connect_disconnect_several_times(backend, volumes):
    volume = backend.create_volume(1)
    volumes.append(volume)
    for _round in range(3):
        connection = volume.connect(connector())
        assert volume.status == 'in-use'
        connection.disconnect()
        assert volume.status == 'available'


def test_connect_several_volumes(backend, volumes):
    for _round in range(3):
        volumes.append(backend.create_volume(1))
    connections = [v.connect(connector()) for v in volumes]
    assert all(v.status == 'in-use' for v in volumes)
    for connection in connections:
        connection.disconnect()
    assert all(v.status == 'available' for v in volumes)


def _write_read(path_or_file, data):
    if isinstance(path_or_file, str):
        with open(path_or_file, 'r+b') as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        with open(path_or_file, 'rb') as f:
            return f.read(len(data))
    path_or_file.seek(0)
    path_or_file.write(data)
    path_or_file.flush()
    path_or_file.seek(0)
    return path_or_file.read(len(data))


def test_data_through_connection(backend, volumes):
    volume = backend.create_volume(1)
    volumes.append(volume)
    connection = volume.attach()
    try:
        assert volume.local_attach is connection
        data = os.urandom(4096)
        assert _write_read(connection.path, data) == data
    finally:
        volume.detach()
    assert volume.status == 'available'
    assert volume.local_attach is None
    # The data is on the backend, not in a cache: attach again and read.
    connection = volume.attach()
    try:
        path = connection.path
        if isinstance(path, str):
            with open(path, 'rb') as f:
                assert f.read(len(data)) == data
        else:
            path.seek(0)
            assert path.read(len(data)) == data
    finally:
        volume.detach()


def test_two_backends_in_one_process(backend, volumes):
    config = conftest.backend_config(backend.id)
    config['volume_backend_name'] = backend.id + '-second'
    second = cl.Backend(**config)
    assert cl.Backend.backends[second.id] is second
    assert second is not backend
    assert second.driver.configuration.volume_backend_name == second.id
    assert backend.driver.configuration.volume_backend_name == backend.id
    volume = second.create_volume(1)
    try:
        assert volume.backend is second
        assert volume not in backend.volumes
        assert volume in second.volumes
    finally:
        volume.delete()
    # Same name, same configuration: the same object; different: an error.
    assert cl.Backend(**config) is second
    config['volume_driver_extra'] = 'x'
    with pytest.raises(cl.errors.InvalidConfiguration):
        cl.Backend(**config)


RELOAD_SCRIPT = r'''
import json, sys
from ansible_collections.openstack.cinderlib.plugins.module_utils import cinderlib as cl
args = json.loads(sys.argv[1])
cl.setup(file_locks_path=args['locks'],
         persistence_config={'storage': 'db', 'connection': args['db']})
backend = cl.Backend(**args['backend'])
volume = [v for v in backend.volumes if v.id == args['volume']][0]
snapshots = [s.id for s in volume.snapshots]
connections = [c.id for c in volume.connections]
for connection in volume.connections:
    connection.disconnect()
for snapshot in volume.snapshots:
    snapshot.delete()
volume.extend(volume.size + 1)
print(json.dumps({'snapshots': snapshots, 'connections': connections,
                  'status': volume.status, 'size': volume.size}))
'''


def test_new_process_reloads_from_db(backend, volumes):
    volume = backend.create_volume(1, name='ftest-reload')
    volumes.append(volume)
    snapshot = volume.create_snapshot()
    connection = volume.connect(connector())
    args = {'locks': conftest.TMP, 'db': conftest.DB_URL,
            'backend': conftest.backend_config(backend.id),
            'volume': volume.id}
    out = subprocess.run([sys.executable, '-c', RELOAD_SCRIPT,
                          json.dumps(args)], check=True,
                         capture_output=True, text=True).stdout
    seen = json.loads(out.strip().splitlines()[-1])
    assert seen == {'snapshots': [snapshot.id],
                    'connections': [connection.id], 'status': 'available',
                    'size': 2}
    volume.refresh()
    assert volume.size == 2
    assert volume.snapshots == []
    assert volume.connections == []
