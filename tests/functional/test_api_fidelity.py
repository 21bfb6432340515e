# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The documented cinderlib API, as its documentation words it, on each
backend: logs when asked for, what a backend's JSON lists, loading before
the backend is set up, and deleting a volume another process just
snapshotted."""

import json
import subprocess
import sys

import pytest

from ansible_collections.openstack.cinderlib.plugins.module_utils import cinderlib as cl
from ansible_collections.openstack.cinderlib.plugins.module_utils.cinder_service import driver_checks

import conftest
from test_backend import connector
from test_serialization import CHILD_PREAMBLE, forget_live, run_child


def is_rbd(backend):
    return type(backend.driver).__name__ == 'RBDDriver'


# "disable_logs: Cinder drivers ... can be quite verbose in terms of
# logging, that's why cinderlib disables it by default"; other keyword
# arguments "set additional logging configuration like debug log level".
LOGGING = r'''
locks, config, connector, disable_logs = args
options = {} if disable_logs is None else {'disable_logs': disable_logs,
                                           'debug': True}
cl.setup(file_locks_path=locks, **options)
backend = cl.Backend(**config)
volume = backend.create_volume(1)
connection = volume.connect(connector)
connection.disconnect()
# An oslo library call, as drivers make (lockutils logs at debug level).
from oslo_concurrency import lockutils
with lockutils.lock('cl-ftest-logs', external=True):
    volume.delete()
print(json.dumps(volume.id))
'''


def run_logging_child(backend, disable_logs):
    result = subprocess.run(
        [sys.executable, '-c', CHILD_PREAMBLE + LOGGING] + [json.dumps(arg) for arg in (
            conftest.TMP, conftest.backend_config(backend.id), connector(),
            disable_logs)], check=False, capture_output=True, text=True,
        timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    conftest.SESSION_IDS.add(json.loads(result.stdout.splitlines()[-1]))
    return result.stdout + result.stderr


def secrets_of(backend):
    """Credentials in the backend configuration and the Ceph keyring."""
    config = conftest.backend_config(backend.id)
    secrets = [value for key, value in config.items()
               if 'password' in key and value]
    keyring = config.get('rbd_keyring_conf')
    if keyring:
        with open(keyring) as f:
            secrets += [line.split('=', 1)[1].strip() for line in f
                        if line.strip().startswith('key')]
    return secrets


def test_logs_when_enabled_with_secrets_masked(backend):
    output = run_logging_child(backend, disable_logs=False)
    lines = output.splitlines()
    driver_module = type(backend.driver).__module__
    assert any(' DEBUG %s ' % driver_module in line for line in lines), \
        output[-3000:]
    assert any(' DEBUG oslo_concurrency.lockutils ' in line
               for line in lines), output[-3000:]
    for secret in secrets_of(backend):
        assert secret not in output
    if is_rbd(backend):
        [connection_data] = [line for line in lines
                             if 'connection data' in line]
        assert 'keyring' in connection_data and '***' in connection_data


def test_no_driver_logs_by_default(backend):
    output = run_logging_child(backend, disable_logs=None)
    assert type(backend.driver).__module__ not in output
    assert ' DEBUG ' not in output and ' INFO ' not in output


# "json: ... Lazy loadable objects that have not been loaded will not be
# present": the volumes this process made are loaded, not lazy.
JSON_AFTER_CREATE = r'''
locks, config = args
cl.setup(file_locks_path=locks)
backend = cl.Backend(**config)
first = backend.create_volume(1)
second = first.clone()
listed = lambda data: [v['record']['id'] for v in data['volumes']]
seen = {'ids': [first.id, second.id], 'json': listed(backend.json),
        'jsons': listed(json.loads(backend.jsons)),
        'library': listed(cl.json()['backends'][0]),
        'library_s': listed(json.loads(cl.jsons())['backends'][0])}
second.delete()
seen['after_delete'] = listed(backend.json)
first.delete()
seen['at_end'] = backend.json.get('volumes', [])
print(json.dumps(seen))
'''


def test_backend_json_lists_volumes_just_created(backend):
    seen = run_child(JSON_AFTER_CREATE, conftest.TMP,
                     conftest.backend_config(backend.id))
    conftest.SESSION_IDS.update(seen['ids'])
    first, second = seen['ids']
    for key in ('json', 'jsons', 'library', 'library_s'):
        assert seen[key] == [first, second], key
    assert seen['after_delete'] == [first]
    assert seen['at_end'] == []
    assert conftest.backend_leftovers(backend) == []


# fail_on_missing_backend=False: "useful if we are sharing the metadata
# persistence storage and we want to load a volume"; once the backend is
# set up, what was loaded uses it.
LOAD_BEFORE_BACKEND = r'''
locks, config, data = args
cl.setup(file_locks_path=locks, fail_on_missing_backend=False)
early = cl.load(data)
backend = cl.Backend(**config)
again = cl.load(data)
seen = {'same': again is early, 'bound': early.backend is backend,
        'listed': [v.id for v in backend.volumes]}
snapshot = early.create_snapshot()
seen['snapshot_backend'] = snapshot.backend is backend
snapshot.delete()
again.delete()
seen['status'] = early.status
print(json.dumps(seen))
'''


def test_loaded_before_its_backend_then_used(backend, volumes):
    volume = backend.create_volume(1)
    volumes.append(volume)
    seen = run_child(LOAD_BEFORE_BACKEND, conftest.TMP,
                     conftest.backend_config(backend.id), volume.jsons)
    assert seen == {'same': True, 'bound': True, 'listed': [volume.id],
                    'snapshot_backend': True, 'status': 'deleted'}
    # The other process deleted it on the backend: drop our record.
    cl.Backend.persistence.delete_volume(volume.id)
    forget_live(volume)
    volumes.remove(volume)
    assert conftest.backend_leftovers(backend) == []


# Another process, sharing persistence, snapshots the volume.
SNAPSHOT_ELSEWHERE = r'''
locks, config, db_url, volume_id = args
cl.setup(file_locks_path=locks,
         persistence_config={'storage': 'db', 'connection': db_url})
cl.Backend(**config)
print(json.dumps(cl.Volume.get_by_id(volume_id).create_snapshot().id))
'''


def test_delete_sees_a_snapshot_made_by_another_process(backend, volumes):
    volume = backend.create_volume(1)
    volumes.append(volume)
    assert volume.snapshots == []       # loaded (and cached) here
    snapshot_id = run_child(SNAPSHOT_ELSEWHERE, conftest.TMP,
                            conftest.backend_config(backend.id),
                            conftest.DB_URL, volume.id)
    conftest.SESSION_IDS.add(snapshot_id)
    with pytest.raises(cl.errors.InvalidInput,
                       match='has 1 snapshot.*%s' % snapshot_id):
        volume.delete()
    assert volume.status == 'available'
    assert cl.Backend.persistence.get_volumes(volume_id=volume.id)
    assert [s.id for s in volume.snapshots] == [snapshot_id]
    assert not [name for name in conftest.backend_leftovers(backend)
                if name.startswith('trash:')]
    volume.snapshots[0].delete()
    volume.delete()


# Snapshots persistence does not know (another tool, another store).
def rbd_snapshot(backend, volume, name, remove=False):
    from cinder.volume.drivers import rbd as rbd_driver
    driver = backend.driver
    with rbd_driver.RBDVolumeProxy(driver, volume.name_in_storage) as image:
        if remove:
            image.remove_snap(name)
        else:
            image.create_snap(name)


def in_trash(backend, volume):
    return [name for name in conftest.backend_leftovers(backend)
            if name == 'trash:' + volume.name_in_storage]


def test_delete_refused_for_snapshots_only_the_storage_has(backend, volumes):
    if not is_rbd(backend):
        pytest.skip('the storage check is for the RBD driver')
    volume = backend.create_volume(1)
    volumes.append(volume)
    rbd_snapshot(backend, volume, 'made-by-rbd-cli')
    with pytest.raises(cl.errors.InvalidInput,
                       match='snapshot.*on the backend.*made-by-rbd-cli'):
        volume.delete()
    assert volume.status == 'available' and not in_trash(backend, volume)
    rbd_snapshot(backend, volume, 'made-by-rbd-cli', remove=True)
    volume.delete()


def snapshot_made_right_after_the_check(monkeypatch, backend, volume, name):
    """The storage check runs (in the driver's own open of the image), then
    a snapshot appears before the driver removes the image."""
    check = driver_checks._rbd_check_open_image

    def check_then_snapshot(image, state):
        check(image, state)
        rbd_snapshot(backend, volume, name)
    monkeypatch.setattr(driver_checks, '_rbd_check_open_image',
                        check_then_snapshot)


def test_driver_trashing_a_volume_is_not_a_deletion(backend, volumes,
                                                    monkeypatch):
    """The RBD driver trashes an image with snapshots and reports success."""
    if not is_rbd(backend):
        pytest.skip('the storage check is for the RBD driver')
    volume = backend.create_volume(1)
    volumes.append(volume)
    snapshot_made_right_after_the_check(monkeypatch, backend, volume,
                                        'made-meanwhile')
    with pytest.raises(cl.errors.BackendError,
                       match='RBD trash.*made-meanwhile.*restored'):
        volume.delete()
    monkeypatch.undo()
    assert volume.status == 'available'
    assert cl.Backend.persistence.get_volumes(volume_id=volume.id)[0][
        'status'] == 'available'
    assert not in_trash(backend, volume)
    assert volume.name_in_storage in conftest.backend_leftovers(backend)
    rbd_snapshot(backend, volume, 'made-meanwhile', remove=True)
    volume.delete()


def test_driver_hiding_a_volume_with_clones_is_not_a_deletion(
        backend, volumes, monkeypatch):
    """With clones, the RBD driver renames the image <name>.deleted, the
    snapshots with it, and reports success."""
    if not is_rbd(backend):
        pytest.skip('the storage check is for the RBD driver')
    volume = backend.create_volume(1)
    volumes.append(volume)
    clone = volume.clone()
    volumes.append(clone)
    snapshot_made_right_after_the_check(monkeypatch, backend, volume,
                                        'made-meanwhile')
    with pytest.raises(cl.errors.BackendError,
                       match='renamed it .*deleted.*made-meanwhile'):
        volume.delete()
    monkeypatch.undo()
    assert volume.status == 'available'
    leftovers = conftest.backend_leftovers(backend)
    assert volume.name_in_storage in leftovers
    assert volume.name_in_storage + '.deleted' not in leftovers
    rbd_snapshot(backend, volume, 'made-meanwhile', remove=True)
