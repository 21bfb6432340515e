# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Killed runs: SIGKILL inside the driver's calls, then one clean re-run.

A lifecycle of declarations (create, snapshot, clone, extend, volume from
snapshot, then every delete) runs on the real Ceph; each declaration is
first run by a child process (the module, or the core) that SIGKILLs
itself right after a chosen librbd call (kill_child.py) or at a random
moment, then run again, cleanly, by the module.  After each re-run: every
image of the test has a record and every record its image, no record is
transitional or failed, no `.deleted` leftover, nothing in the RBD trash.
CL_KILL_POINTS_CYCLES (default 4, about 30 kills) sets the size, dealt to
two workers that run at once, each on its own database and backend name;
scripts/faults.sh runs a larger one.
"""

import concurrent.futures
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
import uuid

import pytest

import conftest
from ansible_collections.openstack.cinderlib.plugins.module_utils import records

HERE = os.path.dirname(os.path.abspath(__file__))
CHILD = os.path.join(HERE, 'kill_child.py')
CYCLES = int(os.environ.get('CL_KILL_POINTS_CYCLES', '4'))
pytestmark = pytest.mark.skipif(
    'CL_FTESTS_DB' in os.environ or 'CL_FTESTS_CFG' in os.environ or
    not os.environ.get('CL_CEPH_CONF'),
    reason='needs the Ceph lab; runs once, with SQLite')

# Per declaration, the librbd calls inside its driver call worth dying
# after: each leaves a different half state on the pool.
AIMED = {
    'create v': ['create:1'],
    'snapshot s': ['create_snap:1', 'protect_snap:1'],
    'clone c': ['create_snap:1', 'protect_snap:1', 'clone:1', 'resize:1'],
    'extend v': ['resize:1'],
    'volume f from s': ['clone:1'],
    'delete f': ['remove:1'],
    'delete c': ['remove:1', 'unprotect_snap:1', 'remove_snap:1'],
    'delete s': ['unprotect_snap:1', 'remove_snap:1'],
    'delete v': ['remove:1'],
}


def _steps(ids):
    v, c, f = ids['v'], ids['c'], ids['f']
    return [
        ('create v', 'cl_volume', dict(id=v, name='kp-v', size=1)),
        ('snapshot s', 'cl_snapshot', dict(volume=v, name='kp-s')),
        ('clone c', 'cl_volume', dict(id=c, name='kp-c', size=2,
                                      source_volume=v)),
        ('extend v', 'cl_volume', dict(id=v, name='kp-v', size=2)),
        ('volume f from s', 'cl_volume', dict(id=f, name='kp-f',
                                              source_volume=v,
                                              source_snapshot='kp-s')),
        ('delete f', 'cl_volume', dict(id=f, state='absent')),
        ('delete c', 'cl_volume', dict(id=c, state='absent')),
        ('delete s', 'cl_snapshot', dict(volume=v, name='kp-s',
                                         state='absent')),
        ('delete v', 'cl_volume', dict(id=v, state='absent')),
    ]


class Pool(object):
    """The pool as librbd shows it, on a connection of our own."""

    def __init__(self):
        import rados
        import rbd
        self.rbd = rbd
        self.client = rados.Rados(
            conffile=os.environ['CL_CEPH_CONF'],
            rados_id=os.environ['CL_CEPH_USER'],
            conf={'keyring': os.environ['CL_CEPH_KEYRING']})
        self.client.connect()
        self.ioctx = self.client.open_ioctx(os.environ['CL_CEPH_POOL'])

    def state(self, ids):
        def ours(name):
            return any(i in name for i in ids)
        images = {}
        for name in self.rbd.RBD().list(self.ioctx):
            if not ours(name):
                continue
            try:
                with self.rbd.Image(self.ioctx, name, read_only=True) as im:
                    images[name] = sorted(s['name'] for s in im.list_snaps())
            except self.rbd.ImageNotFound:
                continue
        trash = [e['name'] for e in self.rbd.RBD().trash_list(self.ioctx)
                 if ours(e['name'])]
        return images, trash

    def close(self):
        self.ioctx.close()
        self.client.shutdown()


def _disagreements(pool, db, backend_name, ids):
    """What the pool and the records disagree on (empty when they agree)."""
    from sqlalchemy import create_engine, text
    engine = create_engine(db)
    with engine.connect() as conn:
        rows = conn.execute(text(
            'select * from cl_volumes where backend = :b'), {'b': backend_name})
        volumes = [dict(r._mapping) for r in rows]
        snaps = [dict(r._mapping) for r in conn.execute(text(
            'select * from cl_snapshots'))]
    engine.dispose()
    problems = []
    for kind, rows in (('volume', volumes), ('snapshot', snaps)):
        for row in rows:
            record = {'status': row['status'],
                      'data': json.loads(row['data'])
                      if isinstance(row['data'], str) else row['data']}
            if records.needs_settling(record, kind) or \
                    row['status'].startswith('error'):
                problems.append('%s %s in status %s' % (kind, row['id'],
                                                        row['status']))
    images, trash = pool.state(ids)
    expected = {'volume-%s' % r['id']: sorted(
        'snapshot-%s' % s['id'] for s in snaps if s['volume_id'] == r['id'])
        for r in volumes}
    for name, snapshots in images.items():
        user_snaps = [s for s in snapshots if not s.endswith('.clone_snap')]
        if name not in expected:
            problems.append('image %s has no record' % name)
        elif user_snaps != expected[name]:
            problems.append('image %s has snapshots %s, records %s' % (
                name, user_snaps, expected[name]))
        for snap in snapshots:
            if snap.endswith('.clone_snap') and \
                    snap[:-len('.clone_snap')] not in expected:
                problems.append('%s@%s serves no clone' % (name, snap))
    problems.extend('record %s has no image' % name
                    for name in expected if name not in images)
    problems.extend('trash holds %s' % name for name in trash)
    return problems


def _run(mode, point, step, kill_after=None):
    """Run the child; kill it after kill_after seconds if still running."""
    child = subprocess.Popen(
        [sys.executable, CHILD, mode, point, json.dumps(step)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        out, err = child.communicate(timeout=kill_after)
    except subprocess.TimeoutExpired:
        child.send_signal(signal.SIGKILL)
        out, err = child.communicate()
    return child.returncode, out, err


def _failure(out, err):
    try:
        return json.loads(out.strip().splitlines()[-1])['msg']
    except (ValueError, IndexError, KeyError):
        return (out + err).strip()[-400:]


def _run_cycles(cycles, rng, name):
    """Cycles one after another, on a database and backend of their own.
    Returns (kills, report lines, problems, image ids)."""
    tmp = tempfile.mkdtemp(prefix='cl-kill-points-')
    db = 'sqlite:///%s/kill.sqlite' % tmp
    locks = os.path.join(tmp, 'locks')
    os.makedirs(locks)
    backend = conftest.backend_config('ceph')
    backend['volume_backend_name'] = name
    common = dict(backend=backend, db_url=db, lock_path=locks)
    pool = Pool()
    kills, lines, problems, all_ids = 0, [], [], []
    try:
        for cycle in cycles:
            ids = {k: str(uuid.uuid4()) for k in 'vcf'}
            all_ids.extend(ids.values())
            for label, module, args in _steps(ids):
                step = {'module': module, 'args': dict(common, **args)}
                aimed = AIMED[label][(cycle) % len(AIMED[label])]
                # Every fourth kill at a random moment instead.
                at_random = (cycle + len(lines)) % 4 == 3
                mode = 'core' if (cycle % 2 and module == 'cl_volume' and
                                  label != 'volume f from s') else 'module'
                point = 'none' if at_random else aimed
                delay = rng.uniform(0.3, 2.5) if at_random else None
                start = time.monotonic()
                code, out, err = _run(mode, point, step, kill_after=delay)
                took = time.monotonic() - start
                killed = code == -signal.SIGKILL
                kills += killed
                where = ('at %.2f s' % delay) if at_random else \
                    'after librbd %s' % aimed
                code2, out2, err2 = _run('module', 'none', step)
                outcome = 'ok' if code2 == 0 else 'FAILED: %s' % (
                    _failure(out2, err2))
                found = _disagreements(pool, db, name, all_ids)
                lines.append('cycle %d %-16s %-6s killed %-3s %-24s (%.1f s); '
                             're-run %s; %s' % (
                                 cycle, label, mode, 'yes' if killed else 'no',
                                 where, took, outcome,
                                 '; '.join(found) or 'pool and DB agree'))
                if code2 != 0:
                    problems.append('%s: re-run failed: %s' % (label, outcome))
                problems.extend('%s: %s' % (label, p) for p in found)
    finally:
        pool.close()
    return kills, lines, problems, all_ids


def run_kill_points(cycles, seed=None, workers=2):
    """The loop; returns (kills, report lines, problems).  The cycles are
    dealt to `workers` threads, each driving its own child processes on its
    own database and backend name (the pool is shared; no cycle touches
    another's images), so that a CI run of ~30 kills takes half the time."""
    rng = random.Random(seed)
    shares = [(list(range(cycles))[w::workers], random.Random(rng.random()),
               'ceph-kill-points-%d' % w) for w in range(workers)]
    with concurrent.futures.ThreadPoolExecutor(workers) as executor:
        done = list(executor.map(lambda share: _run_cycles(*share), shares))
    kills = sum(d[0] for d in done)
    # By cycle; each cycle's steps stay in their order (a stable sort).
    lines = sorted((line for d in done for line in d[1]),
                   key=lambda line: int(line.split()[1]))
    problems = [p for d in done for p in d[2]]
    all_ids = [i for d in done for i in d[3]]
    pool = Pool()
    try:
        images, trash = pool.state(all_ids)
    finally:
        pool.close()
    if images or trash:
        problems.append('left at the end: %s %s' % (sorted(images), trash))
    return kills, lines, problems


def test_killed_runs_converge_after_one_rerun():
    kills, lines, problems = run_kill_points(CYCLES, seed=10)
    print('\n'.join([''] + lines + ['%d kills' % kills]))
    assert not problems, '\n'.join(problems)
    assert kills >= min(30, 7 * CYCLES)


@pytest.mark.parametrize('point, order', [('create_snap:1', 'parent first'),
                                          ('clone:1', 'clone first')])
def test_interrupted_clone_does_not_leak_its_parent(tmp_path, point, order):
    # The case: the clone's creation dies right after the driver
    # put `<clone>.clone_snap` on the parent (or made the clone); then both
    # are deleted, without re-running the clone.
    backend = conftest.backend_config('ceph')
    backend['volume_backend_name'] = 'ceph-clone-leak'
    common = dict(backend=backend, lock_path=str(tmp_path),
                  db_url='sqlite:///%s/leak.sqlite' % tmp_path)
    ids = {'v': str(uuid.uuid4()), 'c': str(uuid.uuid4())}

    def step(module='cl_volume', **args):
        return {'module': module, 'args': dict(common, **args)}
    assert _run('module', 'none', step(id=ids['v'], name='p', size=1))[0] == 0
    code, _out, _err = _run('module', point, step(
        id=ids['c'], name='c', source_volume=ids['v']))
    assert code == -signal.SIGKILL
    deletes = [ids['c'], ids['v']]
    if order == 'parent first':
        deletes.reverse()
    for volume_id in deletes:
        absent = step(id=volume_id, state='absent')
        code, out, err = _run('module', 'none', absent)
        assert code == 0, out + err
        assert json.loads(out.splitlines()[-1])['changed']
    pool = Pool()
    try:
        assert pool.state(list(ids.values())) == ({}, [])
    finally:
        pool.close()
