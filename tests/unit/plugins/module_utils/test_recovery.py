# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Bounded driver calls and the settling of what killed runs leave."""

import socket
import subprocess
import threading
import time

import pytest

from core_helpers import DRIVER, backend_name, forget_live, store
from ansible_collections.openstack.cinderlib.plugins.module_utils import bounded_calls
from ansible_collections.openstack.cinderlib.plugins.module_utils import cinderlib as cl
from ansible_collections.openstack.cinderlib.plugins.module_utils import errors
from ansible_collections.openstack.cinderlib.plugins.module_utils import records


def _dead_pid():
    child = subprocess.Popen(['true'])
    child.wait()
    return child.pid


def _left_as(resource, status, **owner):
    """Rewrite the record as a run that died in ``status`` left it."""
    persistence = cl.Backend.persistence
    kind = resource.KIND
    record = getattr(persistence, 'get_%ss' % kind)(
        **{kind + '_id': resource.id})[0]
    record['status'] = record['data']['fields']['status'] = status
    stamp = records.owner_stamp(status, 10)
    stamp.update(owner)
    record['data']['owner'] = stamp
    getattr(persistence, 'set_' + kind)(record)
    forget_live(resource)
    return getattr(cl, kind.capitalize()).get_by_id(resource.id)


def test_dead_owners_creation_is_undone(backend):
    vol = backend.create_volume(1, name='v')
    left = _left_as(vol, 'creating', pid=_dead_pid(), process_start='1')
    assert left.reconcile() is None
    assert vol.name_in_storage not in store(backend)['volumes']
    assert not cl.Backend.persistence.get_volumes(volume_id=vol.id)


def test_dead_owners_deletion_is_finished(backend):
    vol = backend.create_volume(1)
    left = _left_as(vol, 'deleting', pid=_dead_pid(), process_start='1')
    assert left.reconcile() is None
    assert not store(backend)['volumes']


def test_dead_owners_extension_is_finished(backend):
    vol = backend.create_volume(1)
    left = _left_as(vol, 'extending', pid=_dead_pid(), process_start='1',
                    size=3, previous='available')
    assert left.reconcile() is left
    assert (left.status, left.size) == ('available', 3)
    assert store(backend)['volumes'][vol.name_in_storage] == 3
    assert 'owner' not in cl.Backend.persistence.get_volumes(
        volume_id=vol.id)[0]['data']


def test_dead_owners_snapshot_creation_is_undone(backend):
    vol = backend.create_volume(1)
    snap = vol.create_snapshot(name='s')
    left = _left_as(snap, 'creating', pid=_dead_pid(), process_start='1')
    assert left.reconcile() is None
    assert not store(backend)['snapshots']
    assert not cl.Backend.persistence.get_snapshots(volume_id=vol.id)


def test_dead_owners_snapshot_deletion_is_finished(backend):
    # Finishing it first lets the driver's tuning remove what the
    # interrupted removal left (RBD: the image's snapshot trash).
    vol = backend.create_volume(1)
    snap = vol.create_snapshot(name='s')
    finished = []
    backend.driver._cinderlib_finish_snapshot_removal = (
        lambda ovo: finished.append((ovo.id, sorted(store(backend)[
            'snapshots']))))
    try:
        left = _left_as(snap, 'deleting', pid=_dead_pid(), process_start='1')
        assert left.reconcile() is None
    finally:
        del backend.driver._cinderlib_finish_snapshot_removal
    assert finished == [(snap.id, ['snapshot-' + snap.id])]
    assert not store(backend)['snapshots']
    assert not cl.Backend.persistence.get_snapshots(volume_id=vol.id)


def test_live_owner_on_this_host_is_left_alone(backend):
    sleeper = subprocess.Popen(['sleep', '30'])
    try:
        vol = backend.create_volume(1)
        time.sleep(0.05)
        left = _left_as(vol, 'creating', pid=sleeper.pid,
                        process_start=records._process_start(sleeper.pid))
        for attempt in (left.reconcile, left.delete):
            with pytest.raises(errors.InvalidInput,
                               match='worked on by process %d' % sleeper.pid):
                attempt()
        assert vol.name_in_storage in store(backend)['volumes']
    finally:
        sleeper.kill()
        sleeper.wait()
    assert left.reconcile() is None


def test_other_hosts_owner_counts_until_its_deadline(backend):
    vol = backend.create_volume(1)
    left = _left_as(vol, 'creating', host='other-' + socket.gethostname(),
                    expires=time.time() + 60)
    with pytest.raises(errors.InvalidInput, match='host other-'):
        left.reconcile()
    left = _left_as(vol, 'creating', host='other-' + socket.gethostname(),
                    expires=time.time() - 1)
    assert left.reconcile() is None


def test_owner_before_a_reboot_is_dead(backend):
    vol = backend.create_volume(1)
    sleeper = subprocess.Popen(['sleep', '30'])
    try:
        left = _left_as(vol, 'deleting', pid=sleeper.pid, boot_id='before',
                        process_start=records._process_start(sleeper.pid))
        assert left.reconcile() is None
    finally:
        sleeper.kill()
        sleeper.wait()


def test_records_without_owner_are_abandoned(backend):
    vol = backend.create_volume(1)
    left = _left_as(vol, 'creating')
    record = cl.Backend.persistence.get_volumes(volume_id=vol.id)[0]
    del record['data']['owner']
    cl.Backend.persistence.set_volume(record)
    forget_live(left)
    assert cl.Volume.get_by_id(vol.id).reconcile() is None


def test_settled_records_are_left_as_they_are(backend):
    vol = backend.create_volume(1)
    assert vol.reconcile() is vol and vol.status == 'available'


def test_transitional_records_name_their_owner(backend):
    vol = backend.create_volume(1)
    seen = {}
    create_snapshot = backend.driver.create_snapshot

    def looking(snapshot):
        seen.update(cl.Backend.persistence.get_snapshots(
            snapshot_id=snapshot.id)[0]['data']['owner'])
        return create_snapshot(snapshot)
    backend.driver.create_snapshot = looking
    vol.create_snapshot()
    assert seen['host'] == socket.gethostname()
    assert seen['operation'] == 'creating'
    assert records.owner_is_this_process(seen)


def test_owner_stamp_of_a_forked_child_is_the_childs():
    """This process's identity is read once, and again in a forked child."""
    import json
    import os
    parent = records.owner_stamp('creating', 10)
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        stamp = records.owner_stamp('creating', 10)
        os.write(write, json.dumps([
            stamp['pid'], stamp['process_start'], os.getpid(),
            records._process_start(os.getpid()),
            records.owner_is_this_process(stamp),
            records.owner_is_this_process(parent)]).encode())
        os._exit(0)
    os.close(write)
    with os.fdopen(read) as pipe:
        child = json.loads(pipe.read())
    os.waitpid(pid, 0)
    assert child[0] == child[2] == pid and child[1] == child[3]
    assert child[4] is True and child[5] is False
    assert records.owner_is_this_process(parent)
    assert records.owner_alive(dict(parent, pid=pid, process_start=child[1])) \
        is False        # the child has exited


def test_failed_creation_kept_in_error_is_settled(backend):
    from cinder import exception
    driver = backend.driver
    driver.fail_next['create_volume'] = exception.VolumeBackendAPIException(
        data='array full')
    driver.fail_next['delete_volume'] = exception.VolumeBackendAPIException(
        data='array away')
    with pytest.raises(errors.BackendError):
        backend.create_volume(1, name='failed')
    record, = [r for r in cl.Backend.persistence.get_volumes(
        backend_name=backend.id) if r['name'] == 'failed']
    assert record['status'] == 'error'
    assert records.needs_settling(record, 'volume')
    assert cl.Volume.get_by_id(record['id']).reconcile() is None


def test_failed_extension_is_finished_next_time(backend):
    from cinder import exception
    vol = backend.create_volume(1)
    backend.driver.fail_next['extend_volume'] = \
        exception.VolumeBackendAPIException(data='array away')
    with pytest.raises(errors.BackendError):
        vol.extend(2)
    assert vol.status == 'error_extending'
    assert vol.reconcile() is vol
    assert (vol.status, vol.size) == ('available', 2)


# Bounded calls -----------------------------------------------------------
@pytest.fixture
def slow(request):
    return cl.Backend(backend_name(request), volume_driver=DRIVER,
                      driver_timeout=0.3)


def test_driver_timeout_bounds_a_call(slow):
    release = threading.Event()
    create_volume = slow.driver.create_volume

    def hanging(volume):
        release.wait(10)
        return create_volume(volume)
    slow.driver.create_volume = hanging
    start = time.monotonic()
    with pytest.raises(errors.DriverTimeout) as raised:
        slow.create_volume(1, name='slow')
    assert time.monotonic() - start < 2
    assert str(raised.value).startswith(
        'backend %s: creating volume ' % slow.id)
    assert 'raise the backend option driver_timeout' in str(raised.value)
    record, = cl.Backend.persistence.get_volumes(backend_name=slow.id)
    # The call may still finish: the record says it is being created.
    assert record['status'] == 'creating'
    assert 'driver_timeout' in record['data']['error_message']
    left = cl.Volume.get_by_id(record['id'])
    with pytest.raises(errors.InvalidInput, match='worked on by process'):
        left.reconcile()
    release.set()
    deadline = time.monotonic() + 5
    while bounded_calls.running_on(left.id):
        assert time.monotonic() < deadline
        time.sleep(0.01)
    # It finished on the storage; nobody finished the record: undone.
    assert left.name_in_storage in store(slow)['volumes']
    assert left.reconcile() is None
    assert left.name_in_storage not in store(slow)['volumes']


def test_driver_timeout_bounds_stats(slow):
    release = threading.Event()
    slow.driver.get_volume_stats = lambda refresh=False: release.wait(10)
    try:
        with pytest.raises(errors.DriverTimeout, match='getting stats'):
            slow.stats(refresh=True)
    finally:
        release.set()


@pytest.mark.parametrize('value', ['soon', 0, -5, True, [1]])
def test_bad_driver_timeout_is_one_sentence(request, value):
    with pytest.raises(errors.InvalidConfiguration,
                       match='driver_timeout must be a number of seconds'):
        cl.Backend(backend_name(request), volume_driver=DRIVER,
                   driver_timeout=value)


def test_driver_timeout_is_not_a_driver_option(request):
    be = cl.Backend(backend_name(request), volume_driver=DRIVER,
                    driver_timeout='45')
    assert be.driver_timeout == 45
    assert 'driver_timeout' not in be.unused_options


def test_interrupted_manage_is_an_error_with_the_way_out(manageable):
    store(manageable)['volumes']['legacy'] = 1
    vol = manageable.manage_volume({'source-name': 'legacy'})
    left = _left_as(vol, 'managing', pid=_dead_pid(), process_start='1')
    assert left.reconcile() is left
    assert left.status == 'error'
    assert 'keep_on_backend=true' in left.error_message


def test_check_mode_view_of_settling():
    def record(status, **data):
        return {'status': status, 'size': 1, 'data': data}
    assert records.settled_view(record('creating')) is None
    assert records.settled_view(record('deleting')) is None
    assert records.settled_view(record(
        'error', failed={'operation': 'creating'})) is None
    extended = records.settled_view(record('extending', owner={
        'size': 3, 'previous': 'in-use'}))
    assert (extended['status'], extended['size']) == ('in-use', 3)
    failed = records.settled_view(record('error_extending', failed={
        'operation': 'extending', 'size': 2, 'previous': 'available'}))
    assert (failed['status'], failed['size']) == ('available', 2)
