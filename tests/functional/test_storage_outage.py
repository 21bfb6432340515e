# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A storage that stops answering: the lab's OSD frozen mid-run.

Every call must fail within its bound with a message naming the backend,
the operation and the option to raise; what a timed-out call leaves is
settled once the OSD is back (Resource.reconcile).  Runs on the Ceph lab
only (scripts/ceph-lab.sh osd-stop/osd-start), once (SQLite).
"""

import contextlib
import os
import subprocess
import time

import pytest

from ansible_collections.openstack.cinderlib.plugins.module_utils import bounded_calls
from ansible_collections.openstack.cinderlib.plugins.module_utils import cinderlib as cl
from ansible_collections.openstack.cinderlib.plugins.module_utils import errors

import conftest

LAB = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..',
                   'scripts', 'ceph-lab.sh')
pytestmark = pytest.mark.skipif(
    not os.environ.get('CL_CEPH_DIR') or 'CL_FTESTS_DB' in os.environ or
    'CL_FTESTS_CFG' in os.environ,
    reason='needs the Ceph lab (scripts/ceph-lab.sh), runs with SQLite only')

DRIVER_TIMEOUT = 6
RADOS_TIMEOUT = 2


def _lab(command):
    subprocess.run(['bash', LAB, command], check=True,
                   stderr=subprocess.DEVNULL)


@contextlib.contextmanager
def osd_stopped():
    _lab('osd-stop')
    try:
        yield
    finally:
        _lab('osd-start')
        # A busy machine needs a while before the OSD serves I/O again.
        deadline = time.monotonic() + 120
        while subprocess.run(['bash', LAB, 'status'], check=False,
                             stderr=subprocess.DEVNULL).returncode:
            assert time.monotonic() < deadline, 'the OSD did not come back'
            time.sleep(1)


def _outage_backend(name, **options):
    config = conftest.backend_config('ceph')
    config.update(volume_backend_name=name, **options)
    return cl.Backend(**config)


def _timed(func, *args, **kwargs):
    start = time.monotonic()
    with pytest.raises(errors.BackendError) as raised:
        func(*args, **kwargs)
    return time.monotonic() - start, str(raised.value)


def test_operations_fail_within_their_bound(backend, volumes):
    # Cinder's default rados timeout would be forever; ours bounds each
    # librados operation, and driver_timeout bounds the whole call.
    outage = _outage_backend('ceph-outage', driver_timeout=DRIVER_TIMEOUT,
                             rados_connect_timeout=RADOS_TIMEOUT)
    vol = outage.create_volume(1, name='outage')
    volumes.append(vol)
    snap = vol.create_snapshot(name='before')
    doomed = outage.create_volume(1, name='outage-doomed')
    volumes.append(doomed)
    with osd_stopped():
        results = {
            'delete': _timed(doomed.delete),
            'create': _timed(outage.create_volume, 1, name='outage-new'),
            'extend': _timed(vol.extend, 2),
            'snapshot': _timed(vol.create_snapshot, name='during'),
            'clone': _timed(vol.clone),
        }
    for operation, (seconds, message) in results.items():
        print('%s: failed after %.1f s: %s' % (operation, seconds, message))
        # A failed creation also tries to clean up: two bounded calls.
        assert seconds < 2 * DRIVER_TIMEOUT + 5, operation
        assert 'backend ceph-outage' in message, operation
        assert 'rados_connect_timeout' in message, operation
        assert 'Traceback' not in message
    # The OSD is back.  The deletion is simply run again; one pass of
    # reconcile settles whatever else was left.
    assert doomed.status == 'error_deleting'
    doomed.delete()
    for record in cl.Backend.persistence.get_volumes(
            backend_name='ceph-outage'):
        if record['id'] not in (vol.id, doomed.id):
            assert cl.Volume.get_by_id(record['id']).reconcile() is None
    vol.reconcile()
    for s in list(vol.snapshots):
        if s.id != snap.id:
            assert s.reconcile() is None
    vol.refresh()
    assert vol.status == 'available' and vol.size == 2
    assert [s.id for s in vol.snapshots] == [snap.id]
    snap.delete()
    vol.extend(3)
    assert vol.size == 3


def test_a_timed_out_call_that_finishes_later_is_settled(backend, volumes):
    # rados_connect_timeout -1 (Cinder's "forever"): only driver_timeout
    # bounds the call, which then completes on its own once the OSD is back.
    stuck = _outage_backend('ceph-stuck', driver_timeout=DRIVER_TIMEOUT,
                            rados_connect_timeout=-1)
    vol = stuck.create_volume(1, name='stuck-before')
    volumes.append(vol)
    with osd_stopped():
        seconds, message = _timed(stuck.create_volume, 1, name='stuck')
        left = [r for r in cl.Backend.persistence.get_volumes(
            backend_name='ceph-stuck') if r['id'] != vol.id]
        interrupted = cl.Volume.get_by_id(left[0]['id'])
        # While the call still runs here, nobody may settle or delete it.
        with pytest.raises(errors.InvalidInput, match='worked on by process'):
            interrupted.reconcile()
        with pytest.raises(errors.InvalidInput, match='worked on by process'):
            interrupted.delete()
    print('create: failed after %.1f s: %s' % (seconds, message))
    assert DRIVER_TIMEOUT <= seconds < DRIVER_TIMEOUT + 3
    assert message.startswith('backend ceph-stuck: creating volume ')
    assert 'raise the backend option driver_timeout' in message
    assert [r['status'] for r in left] == ['creating']
    assert 'driver_timeout' in left[0]['data']['error_message']
    deadline = time.monotonic() + 30
    while bounded_calls.running_on(interrupted.id):
        assert time.monotonic() < deadline, 'the create never returned'
        time.sleep(0.2)
    # It returned (the image was made), but nobody finished the record:
    # settling removes the image, the declaration creates it again.
    assert interrupted.reconcile() is None
    assert not cl.Backend.persistence.get_volumes(volume_id=interrupted.id)
    assert conftest.backend_leftovers(backend) == [vol.name_in_storage]


def _module(module, **args):
    import json
    import sys
    child = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                         'kill_child.py')
    start = time.monotonic()
    done = subprocess.run(
        [sys.executable, child, 'module', 'none',
         json.dumps({'module': module, 'args': args})],
        capture_output=True, text=True, timeout=300, check=False)
    result = json.loads(done.stdout.strip().splitlines()[-1])
    return time.monotonic() - start, result


def test_modules_during_an_outage(tmp_path):
    from test_kill_points import Pool, _disagreements
    backend = conftest.backend_config('ceph')
    backend.update(volume_backend_name='ceph-outage-modules',
                   driver_timeout=DRIVER_TIMEOUT, rados_connect_timeout=-1)
    db = 'sqlite:///%s/outage.sqlite' % tmp_path
    common = dict(backend=backend, db_url=db, lock_path=str(tmp_path))
    _took, made = _module('cl_volume', name='outage-kept', size=1, **common)
    assert made['changed'], made
    ids = [made['volume']['id']]
    with osd_stopped():
        # Nothing to change: answered from the database alone.
        took, same = _module('cl_volume', name='outage-kept', size=1,
                             **common)
        assert same['changed'] is False and not same.get('failed'), same
        assert took < DRIVER_TIMEOUT, took
        # A change: fails within the bound, and the process ends.
        took, failed = _module('cl_volume', name='outage-new', size=1,
                               **common)
        print('module create during the outage: %.1f s: %s' % (
            took, failed.get('msg')))
        assert failed.get('failed'), failed
        assert failed['msg'].startswith('backend ceph-outage-modules: '
                                        'creating volume ')
        assert 'driver_timeout' in failed['msg']
        assert took < DRIVER_TIMEOUT + 30, took
    # The storage is back: the same declaration converges.
    took, made = _module('cl_volume', name='outage-new', size=1, **common)
    assert made['changed'] and made['volume']['status'] == 'available', made
    ids.append(made['volume']['id'])
    pool = Pool()
    try:
        assert _disagreements(pool, db, 'ceph-outage-modules', ids) == []
        for name in ('outage-new', 'outage-kept'):
            _took, gone = _module('cl_volume', name=name, state='absent',
                                  **common)
            assert gone['changed'], gone
        images, trash = pool.state(ids)
        assert (images, trash) == ({}, [])
    finally:
        pool.close()


def test_a_live_creator_is_waited_for_not_settled(tmp_path):
    # A module creating a volume is stuck on the frozen OSD; a second task
    # declaring the same volume finds the record in creating, owned by a
    # live process: it waits for the creation's lock instead of undoing it.
    import json
    import sys
    child = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                         'kill_child.py')
    backend = conftest.backend_config('ceph')
    backend.update(volume_backend_name='ceph-live-creator',
                   driver_timeout=60, rados_connect_timeout=-1)
    args = dict(backend=backend, db_url='sqlite:///%s/live.sqlite' % tmp_path,
                lock_path=str(tmp_path), name='live', size=1)
    step = json.dumps({'module': 'cl_volume', 'args': args})

    def start():
        return subprocess.Popen([sys.executable, child, 'module', 'none',
                                 step], stdout=subprocess.PIPE, text=True)
    with osd_stopped():
        first = start()
        from sqlalchemy import create_engine, text
        engine = create_engine(args['db_url'])
        deadline = time.monotonic() + 60
        while True:
            try:
                with engine.connect() as conn:
                    if conn.execute(text('select count(*) from cl_volumes')
                                    ).scalar():
                        break
            except Exception:
                pass
            assert time.monotonic() < deadline, 'no record in creating'
            time.sleep(0.2)
        engine.dispose()
        second = start()
        time.sleep(3)
        assert second.poll() is None, second.communicate()[0]
    results = [json.loads(p.communicate(timeout=120)[0].splitlines()[-1])
               for p in (first, second)]
    assert [r.get('failed', False) for r in results] == [False, False], results
    assert [r['changed'] for r in results] == [True, False], results
    assert results[0]['volume']['id'] == results[1]['volume']['id']
    absent = dict(args, state='absent')
    del absent['size']
    _took, gone = _module('cl_volume', **absent)
    assert gone['changed'], gone
