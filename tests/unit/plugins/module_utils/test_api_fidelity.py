# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The documented API where it used to differ, with the fake driver: logs,
what a backend's JSON lists, loading before the backend is set up, and the
checks that guard a delete against data loss."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import logging
import os
import subprocess
import sys

import pytest

from ansible_collections.openstack.cinderlib.plugins.module_utils import cinderlib as cl
from ansible_collections.openstack.cinderlib.plugins.module_utils.cinder_service import in_process

from core_helpers import DRIVER, backend_name, forget_live, store

HERE = os.path.dirname(os.path.abspath(__file__))
KEY = 'AQBvbGRrZXlvbGRrZXlvbGRrZXlvbGRrZXkxMjM0NQ=='


# Logs ----------------------------------------------------------------------
def test_driver_records_are_masked_when_made():
    in_process.install_secret_masking()
    logger = logging.getLogger('cinder.volume.drivers.rbd')
    record = logger.makeRecord(
        logger.name, logging.DEBUG, __file__, 1, 'connection data: %s',
        ({'data': {'keyring': '[client.cinder]\n\tkey = %s\n' % KEY,
                   'auth_password': 'pw1'}},), None)
    message = record.getMessage()
    assert KEY not in message and 'pw1' not in message
    assert 'keyring' in message and 'key = ***' in message
    try:
        raise ValueError('login failed, password=pw2')
    except ValueError:
        record = logger.makeRecord(logger.name, logging.ERROR, __file__, 1,
                                   'failed', (), sys.exc_info())
    assert record.exc_info is None
    assert 'ValueError' in record.getMessage()
    assert 'pw2' not in record.getMessage()
    # The program's own loggers are left alone.
    mine = logging.getLogger('myapp')
    assert mine.makeRecord('myapp', logging.INFO, __file__, 1, 'password=x',
                           (), None).getMessage() == 'password=x'


LOGGING_CHILD = r'''
import logging, sys
sys.path.insert(0, %(here)r)
from ansible_collections.openstack.cinderlib.plugins.module_utils import cinderlib as cl
mode = sys.argv[1]
if mode == 'program-handler':
    logging.basicConfig(stream=sys.stderr, format='PROGRAM %%(name)s %%(message)s')
options = {} if mode == 'default' else {'disable_logs': False, 'debug': True}
if mode == 'bad-log-file':
    options['log_file'] = '/nonexistent/cl-logs/cinder.log'
    try:
        cl.setup(file_locks_path=sys.argv[2], **options)
        cl.Backend('logs', volume_driver=%(driver)r)
    except cl.errors.InvalidConfiguration as exc:
        print(exc)
    sys.exit(0)
cl.setup(file_locks_path=sys.argv[2], **options)
backend = cl.Backend('logs', volume_driver=%(driver)r, fake_password='s3cret')
logging.getLogger('cinder.volume.drivers.fake').info('auth_password=s3cret')
backend.create_volume(1).delete()
'''


def run_logging_child(tmp_path, mode):
    result = subprocess.run(
        [sys.executable, '-c', LOGGING_CHILD % {'here': HERE,
                                                'driver': DRIVER},
         mode, str(tmp_path)], check=False, capture_output=True, text=True,
        timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout, result.stderr


def test_disable_logs_false_logs_the_drivers_at_debug(tmp_path):
    out, err = run_logging_child(tmp_path, 'enabled')
    assert ' DEBUG cinder.volume.driver ' in out, out[-2000:]
    assert 'INFO cinder.volume.drivers.fake' in out
    assert 's3cret' not in out + err


def test_a_program_with_its_own_logging_keeps_it(tmp_path):
    out, err = run_logging_child(tmp_path, 'program-handler')
    assert 'PROGRAM cinder.volume.driver ' in err, err[-2000:]
    assert 'cinder.volume.driver' not in out
    assert 's3cret' not in out + err


def test_a_log_file_that_cannot_be_written_is_named(tmp_path):
    out, err = run_logging_child(tmp_path, 'bad-log-file')
    assert out.startswith("logging: Cinder's logging options")
    assert '/nonexistent/cl-logs/cinder.log' in out


def test_logs_are_off_by_default(tmp_path):
    out, err = run_logging_child(tmp_path, 'default')
    assert 'cinder.volume' not in out + err


# What a backend's JSON lists ------------------------------------------------
def listed(data):
    return [volume['record']['id'] for volume in data.get('volumes', ())]


def in_library(backend):
    [data] = [item for item in cl.json()['backends']
              if item['backend']['volume_backend_name'] == backend.id]
    return listed(data)


def test_backend_json_lists_what_this_process_made(backend):
    assert backend._volumes is None and 'volumes' not in backend.json
    first = backend.create_volume(1)
    second = first.create_snapshot().create_volume()
    assert listed(backend.json) == [first.id, second.id]
    assert listed(json.loads(backend.jsons)) == [first.id, second.id]
    assert in_library(backend) == [first.id, second.id]
    assert backend._volumes is None         # persistence not read for it
    second.delete()
    assert listed(backend.json) == in_library(backend) == [first.id]
    assert [v.id for v in backend.volumes] == [first.id]


def test_loaded_volumes_are_listed_deleted_ones_are_not(backend):
    volume = backend.create_volume(1)
    data = volume.jsons
    forget_live(volume)
    loaded = cl.load(data)
    assert listed(backend.json) == [loaded.id]
    for snapshot in loaded.snapshots:
        snapshot.delete()
    loaded.delete()
    assert listed(backend.json) == []
    # The JSON of a deleted volume brings nothing back.
    cl.load(loaded.jsons, save=True)
    assert backend.volumes == []
    assert not cl.Backend.persistence.get_volumes(volume_id=volume.id)


# Loading before the backend is set up ---------------------------------------
def test_a_backend_set_up_later_takes_over_what_was_loaded(
        request, monkeypatch):
    monkeypatch.setattr(cl.Backend.settings(), 'fail_on_missing_backend',
                        False)
    name = backend_name(request)
    first = cl.Backend(name + '-first', volume_driver=DRIVER)
    volume = first.create_volume(1)
    snapshot = volume.create_snapshot()
    data = volume.dump
    data['backend'] = {'volume_backend_name': name}
    data['record']['backend'] = name
    forget_live(volume, snapshot)
    early = cl.load(data)
    with pytest.raises(cl.errors.NotFound, match='not set up in this '
                                                 'process'):
        early.extend(2)
    assert not hasattr(early.backend, 'driver')
    # The storage moves over to the new backend, as it would on an array
    # reached through another configuration.
    store(cl.Backend(name, volume_driver=DRIVER)).update(store(first))
    later = cl.Backend.backends[name]
    assert early.backend is later
    assert early.snapshots[0].backend is later
    assert cl.load(data) is early
    assert listed(later.json) == [early.id]
    early.snapshots[0].delete()
    early.extend(2)
    early.delete()
    assert early.status == 'deleted'


# Checks that guard a delete ---------------------------------------------------
def test_delete_reads_snapshots_afresh(backend):
    volume = backend.create_volume(1)
    assert volume.snapshots == []
    # Another process adds a snapshot: this one's list is stale.
    other = cl.Snapshot(volume).create()
    volume._snapshots = []
    with pytest.raises(cl.errors.InvalidInput,
                       match='has 1 snapshot.*%s' % other.id):
        volume.delete()
    with pytest.raises(cl.errors.InvalidInput, match='has 1 snapshot'):
        volume.unmanage()
    assert volume.status == 'available' and volume.snapshots == [other]
    assert volume.name_in_storage in store(backend)['volumes']
    other.delete()
    volume.delete()


def test_delete_and_disconnect_read_connections_afresh(backend):
    volume = backend.create_volume(1)
    mine = volume.connect({'host': 'n1'})
    # Another process connects another host.
    theirs = cl.Connection.connect(volume, {'host': 'n2'})
    volume._set_connections([mine])
    mine.disconnect()
    # Its export is still needed by the other host.
    assert volume.name_in_storage in store(backend)['exports']
    with pytest.raises(cl.errors.InvalidInput, match='has 1 connection'):
        volume.delete()
    theirs.disconnect()
    assert volume.name_in_storage not in store(backend)['exports']
    volume.delete()


def test_snapshots_loaded_without_save_still_guard(backend):
    volume = backend.create_volume(1)
    snapshot = volume.create_snapshot()
    data = volume.dumps
    original = cl.Backend.persistence
    cl.Backend.set_persistence({'storage': 'memory'})
    try:
        forget_live(volume, snapshot)
        loaded = cl.load(data)
        with pytest.raises(cl.errors.InvalidInput, match='has 1 snapshot'):
            loaded.delete()
        assert [v.id for v in backend.volumes] == [loaded.id]
    finally:
        cl.Backend.set_persistence({'storage': original})
        forget_live(loaded, *loaded.snapshots)
    fresh = cl.Volume.get_by_id(volume.id)
    fresh.snapshots[0].delete()
    fresh.delete()


def test_load_backend_is_documented(backend):
    assert cl.Backend.load_backend(backend.config) is backend
    assert cl.Backend.load_backend({'volume_backend_name': backend.id,
                                    'volume_driver': DRIVER}) is backend


def test_volume_json_lists_what_this_process_made(backend):
    volume = backend.create_volume(1)
    assert volume.json['snapshots'] == volume.json['connections'] == []
    snapshot = volume.create_snapshot()
    connection = volume.connect({'host': 'n1'})
    data = volume.json
    assert [r['id'] for r in data['snapshots']] == [snapshot.id]
    assert [r['id'] for r in data['connections']] == [connection.id]
    connection.disconnect()
    snapshot.delete()
    assert volume.json['snapshots'] == volume.json['connections'] == []
    volume.delete()


def test_extend_not_implemented_raises_not_implemented_error(backend):
    volume = backend.create_volume(1)
    backend.driver.fail_next['extend_volume'] = NotImplementedError(
        'Extend volume not implemented')
    with pytest.raises(NotImplementedError, match='does not implement'):
        volume.extend(2)
    assert (volume.status, volume.size) == ('available', 1)
    assert cl.Backend.persistence.get_volumes(volume_id=volume.id)[0][
        'status'] == 'available'
    volume.delete()


def test_device_attached_on_another_node(backend):
    volume = backend.create_volume(1)
    connection = volume.connect({'host': 'n1'})
    connection.device_attached({'path': '/dev/sdx', 'type': 'block'})
    assert connection.path == '/dev/sdx' and connection.attached
    forget_live(connection)
    [loaded] = cl.Volume.get_by_id(volume.id).connections
    assert loaded.path == '/dev/sdx'
    with pytest.raises(cl.errors.InvalidInput, match='device must be'):
        loaded.device_attached('/dev/sdx')
    loaded.disconnect()
    loaded.volume.delete()


def test_documented_examples_as_written(backend, capsys):
    """The Backends and Snapshots sections' examples."""
    for each in cl.Backend.backends.values():
        initialized_msg = '' if each.initialized else 'not '
        print('Backend %s is %sinitialized with configuration: %s' %
              (each.id, initialized_msg, each.config))
    assert ('Backend %s is initialized with configuration: %s' % (
        backend.id, {'volume_backend_name': backend.id})
    ) in capsys.readouterr().out
    lvm = backend
    vol = lvm.create_volume(size=1)
    snap = vol.create_snapshot()
    assert snap is list(vol.snapshots)[0]
    assert vol is snap.volume
    assert 1 == len(vol.snapshots)
    snap.delete()
    assert 0 == len(vol.snapshots)
    vol.delete()
    assert vol.deleted and vol.terminated_at and vol.deleted_at
