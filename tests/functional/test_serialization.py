# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Serialized resources used for real: in this process, in another process
with nothing but the JSON (and the backend), and from a self-contained
file (output_all_backend_info)."""

import json
import subprocess
import sys

from ansible_collections.openstack.cinderlib.plugins.module_utils import cinderlib as cl

import conftest
from test_backend import connector


def forget_live(*resources):
    for resource in resources:
        type(resource)._live.pop(resource.id, None)


def test_round_trip_in_process(backend, volumes):
    volume = backend.create_volume(1, name='ftest-ser')
    volumes.append(volume)
    snapshot = volume.create_snapshot()
    connection = volume.connect(connector())
    data = volume.dumps
    forget_live(volume, snapshot, connection)
    loaded = cl.load(data)
    volumes[-1] = loaded
    assert loaded is not volume
    assert (loaded.id, loaded.name, loaded.size, loaded.status) == (
        volume.id, 'ftest-ser', 1, 'in-use')
    [loaded_snapshot] = loaded.snapshots
    assert loaded_snapshot.volume is loaded
    [loaded_connection] = loaded.connections
    assert loaded_connection.conn_info['data'].get('keyring') is None
    assert cl.Snapshot.load(loaded_snapshot.jsons) is loaded_snapshot
    loaded_connection.disconnect()
    loaded_snapshot.delete()
    loaded.extend(2)
    assert cl.Backend.persistence.get_volumes(volume_id=volume.id)[0][
        'size'] == 2


def run_child(code, *args):
    result = subprocess.run(
        [sys.executable, '-c', CHILD_PREAMBLE + code] +
        [json.dumps(arg) for arg in args], check=False, capture_output=True,
        text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


CHILD_PREAMBLE = r'''
import json, sys
from ansible_collections.openstack.cinderlib.plugins.module_utils import cinderlib as cl
args = [json.loads(arg) for arg in sys.argv[1:]]
'''

# Another process, with the default (memory) persistence: only the JSON.
USE_ELSEWHERE = r'''
locks, config, data, connector = args
cl.setup(file_locks_path=locks)
cl.Backend(**config)
volume = cl.load(data)
seen = {'snapshots': [s.id for s in volume.snapshots],
        'connections': [c.id for c in volume.connections]}
connection = volume.connect(connector)
seen['conn_info'] = bool(connection.conn_info['data'])
volume.extend(volume.size + 1)
snapshot = volume.create_snapshot()
for connection in list(volume.connections):
    connection.disconnect()
for snapshot in list(volume.snapshots):
    snapshot.delete()
volume.delete()
seen.update(size=volume.size, status=volume.status)
print(json.dumps(seen))
'''


def test_used_in_another_process(backend, volumes):
    volume = backend.create_volume(1, name='ftest-elsewhere')
    volumes.append(volume)
    snapshot = volume.create_snapshot()
    connection = volume.connect(connector())
    seen = run_child(USE_ELSEWHERE, conftest.TMP,
                     conftest.backend_config(backend.id), volume.dumps,
                     connector())
    assert seen == {'snapshots': [snapshot.id],
                    'connections': [connection.id], 'conn_info': True,
                    'size': 2, 'status': 'deleted'}
    # The other process deleted it all on the backend; this process's
    # records are stale: drop them.
    persistence = cl.Backend.persistence
    persistence.delete_connection(connection.id)
    persistence.delete_snapshot(snapshot.id)
    persistence.delete_volume(volume.id)
    forget_live(volume, snapshot, connection)
    volumes.remove(volume)
    assert conftest.backend_leftovers(backend) == []


CREATE_SELF_CONTAINED = r'''
locks, config = args
cl.setup(file_locks_path=locks, output_all_backend_info=True)
volume = cl.Backend(**config).create_volume(1, name='ftest-self')
volume.create_snapshot()
print(json.dumps(cl.dumps()))
'''

USE_SELF_CONTAINED = r'''
locks, data = args
cl.setup(file_locks_path=locks)
[backend] = cl.load(data)
[volume] = backend.volumes
volume.extend(2)
for snapshot in list(volume.snapshots):
    snapshot.delete()
volume.delete()
print(json.dumps([backend.id, volume.status]))
'''


def test_self_contained_file(backend):
    config = conftest.backend_config(backend.id)
    data = run_child(CREATE_SELF_CONTAINED, conftest.TMP, config)
    [serialized] = json.loads(data)['backends']
    conftest.SESSION_IDS.update(volume['record']['id']
                                for volume in serialized['volumes'])
    try:
        assert serialized['backend'] == config
        assert run_child(USE_SELF_CONTAINED, conftest.TMP, data) == [
            backend.id, 'deleted']
    finally:
        if conftest.backend_leftovers(backend):
            # The second process failed: delete what the first created.
            [loaded] = cl.load(data)
            for volume in loaded.volumes:
                for snapshot in list(volume.snapshots):
                    snapshot.delete()
                volume.delete()
    assert conftest.backend_leftovers(backend) == []
