#!/usr/bin/env python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark: the core on Ceph against the librbd calls Cinder's RBD driver
makes, and start-up cost.

Prints numbers; asserts nothing.  Needs the Ceph lab's CL_CEPH_*
variables (scripts/benchmark.sh sets them).

The floor is what the driver (cinder/volume/drivers/rbd.py, Cinder 29) does
for each operation with the default options, on one persistent connection
(the core keeps one, see driver_tuning), with nothing around it:

- images get the cluster's ``rbd_default_features`` (RADOSClient.features:
  layering, exclusive-lock, object-map, fast-diff, deep-flatten on a
  default cluster) and order 22 (rbd_store_chunk_size 4 MiB);
- stats: fsid, librbd version (QoS support), ``df`` and ``osd pool
  get-quota`` (rbd_exclusive_cinder_pool: no image listing);
- extend: open, resize, close; connect: ``mon dump`` (the driver's
  `ceph mon dump`, asked in-process as the core does); disconnect: nothing;
- snapshot: open, create_snap, protect_snap;
- volume from snapshot: the source's stripe unit (read-only open), clone;
  no flatten (rbd_flatten_volume_from_snapshot False) and no resize (same
  size);
- clone: open the source, create and protect ``<clone>.clone_snap``,
  clone, read the source's clone depth (read-only open, parent_info); no
  flatten below rbd_max_clone_depth (5), no resize (same size);
- deletes: open, list_snaps twice (backup snaps, clone snaps), parent_info,
  close, remove; a clone's delete then does the parent clean-up the core
  adds (driver_tuning: unprotect and remove ``<clone>.clone_snap`` on the
  parent, as the driver's slow path does); a snapshot's: open, unprotect,
  close, open, remove_snap, close.

The floor of earlier versions of this script made layering-only images and
reported the core at 1.07x.  That floor still runs here, beside the other,
and the ratio between the two floors shows what the features cost: images
with object-map and fast-diff are slower to create, snapshot and remove.
That, not the core, is most of the 1.5x measured against a floor with the
default features and layering-only calls.

The core runs with the default memory persistence and with a SQLite file
(``db``), in the same rounds as the floors (A B A B).  Besides wall time,
each operation's CPU time (the whole process: librados' threads and the
core's) is summed: on a busy machine it wanders much less than wall time,
and the core's own cost is what it adds to the floor's.  Peak RSS is that
of a separate process per persistence that builds the backend and runs the
lifecycles through the core only (the benchmark's own process also holds
the floors' connection), the SQLite file existing already, as in every run
but a deployment's first.  Last, the same lifecycle on the unit tests' fake
driver, where no storage runs: the core's own CPU time per lifecycle.

Figures to compare with (upstream cinderlib 5.2 on Cinder 23.5, same kind of
machine): lifecycle 3.2x raw librbd, start to ready Backend 1.48 s, peak RSS
176 MiB.
"""

import json
import os
import resource
import statistics
import subprocess
import sys
import time
import uuid

import startup

ROUNDS = int(os.environ.get('CL_BENCH_ROUNDS', '10'))
CEPH = {k: os.environ['CL_CEPH_' + k.upper()]
        for k in ('conf', 'keyring', 'pool', 'user')}
UPSTREAM = {'ratio': 3.2, 'rss_mib': 176}
TARGET_RATIO = 1.15
OPS = ('stats', 'create', 'extend', 'connect', 'disconnect', 'snapshot',
       'volume from snapshot', 'clone', 'delete clone',
       'delete volume from snapshot', 'delete snapshot', 'delete volume')
GIB = 1024 ** 3
ORDER = 22      # rbd_store_chunk_size 4 (MiB)

BACKEND = startup.rbd_backend()


def timed(times, name, func, *args, **kwargs):
    """Wall time in times[name], CPU time in times['cpu ' + name]."""
    cpu, start = time.process_time(), time.perf_counter()
    result = func(*args, **kwargs)
    times.setdefault(name, []).append(time.perf_counter() - start)
    times.setdefault('cpu ' + name, []).append(time.process_time() - cpu)
    return result


def core_lifecycle(backend, times):
    timed(times, 'stats', backend.stats, refresh=True)
    vol = timed(times, 'create', backend.create_volume, 1)
    timed(times, 'extend', vol.extend, 2)
    conn = timed(times, 'connect', vol.connect, {'host': 'bench'})
    timed(times, 'disconnect', conn.disconnect)
    snap = timed(times, 'snapshot', vol.create_snapshot)
    from_snap = timed(times, 'volume from snapshot', snap.create_volume)
    clone = timed(times, 'clone', vol.clone)
    timed(times, 'delete clone', clone.delete)
    timed(times, 'delete volume from snapshot', from_snap.delete)
    timed(times, 'delete snapshot', snap.delete)
    timed(times, 'delete volume', vol.delete)


class DriverFloor(object):
    """The librbd and librados calls of Cinder's RBD driver, per operation
    (see the module docstring); ``layering_only`` is the earlier floor."""

    def __init__(self, cluster, ioctx, layering_only=False):
        import rbd
        self.rbd = rbd
        self.cluster = cluster
        self.ioctx = ioctx
        self.proxy = rbd.RBD()
        self.layering_only = layering_only

    def features(self):
        if self.layering_only:
            return self.rbd.RBD_FEATURE_LAYERING
        features = self.cluster.conf_get('rbd_default_features')
        if features is None or int(features) == 0:
            return self.rbd.RBD_FEATURE_LAYERING
        return int(features)

    def stats(self):
        pool = CEPH['pool']
        self.cluster.get_fsid()
        self.proxy.version()
        self.cluster.mon_command('{"prefix":"df", "format":"json"}', b'')
        self.cluster.mon_command(
            '{"prefix":"osd pool get-quota", "pool": "%s", "format":"json"}'
            % pool, b'')

    def create(self, name):
        self.proxy.create(self.ioctx, name, GIB, ORDER, old_format=False,
                          features=self.features())

    def extend(self, name):
        with self.rbd.Image(self.ioctx, name) as image:
            image.resize(2 * GIB)

    def connect(self):
        ret, out, _err = self.cluster.mon_command(
            json.dumps({'prefix': 'mon dump', 'format': 'json'}), b'')
        json.loads(out)

    def snapshot(self, name, snap):
        with self.rbd.Image(self.ioctx, name) as image:
            image.create_snap(snap)
            image.protect_snap(snap)

    def volume_from_snapshot(self, name, snap, dest):
        with self.rbd.Image(self.ioctx, name, read_only=True) as image:
            stripe_unit = max(image.stripe_unit(), 2 ** ORDER)
        order = stripe_unit.bit_length() - 1
        self.proxy.clone(self.ioctx, name, snap, self.ioctx, dest,
                         features=self.features(), order=order)

    def clone(self, name, dest):
        clone_snap = dest + '.clone_snap'
        with self.rbd.Image(self.ioctx, name) as image:
            image.create_snap(clone_snap)
            image.protect_snap(clone_snap)
            self.proxy.clone(self.ioctx, name, clone_snap, self.ioctx, dest,
                             features=self.features())
            # the source's clone depth
            with self.rbd.Image(self.ioctx, name, read_only=True) as source:
                self._parent_info(source)

    def _parent_info(self, image):
        try:
            return image.parent_info()
        except self.rbd.ImageNotFound:
            image.set_snap(None)
            return None

    def delete(self, name):
        """Returns the parent snapshot when the image was a clone."""
        with self.rbd.Image(self.ioctx, name) as image:
            list(image.list_snaps())       # backup snapshots
            list(image.list_snaps())       # its own clone snapshots
            parent = self._parent_info(image)
        self.proxy.remove(self.ioctx, name)
        return parent

    def delete_clone(self, name):
        _pool, parent, parent_snap = self.delete(name)
        with self.rbd.Image(self.ioctx, parent) as image:
            image.set_snap(parent_snap)
            self._parent_info(image)        # the grandparent
            image.set_snap(None)
            image.unprotect_snap(parent_snap)
            image.remove_snap(parent_snap)
            list(image.list_snaps())

    def delete_snapshot(self, name, snap):
        with self.rbd.Image(self.ioctx, name) as image:
            image.unprotect_snap(snap)
        with self.rbd.Image(self.ioctx, name) as image:
            image.remove_snap(snap)

    def lifecycle(self, times):
        name = 'volume-%s' % uuid.uuid4()
        snap = 'snapshot-%s' % uuid.uuid4()
        from_snap, clone = name + '-fs', name + '-cl'
        timed(times, 'stats', self.stats)
        timed(times, 'create', self.create, name)
        timed(times, 'extend', self.extend, name)
        timed(times, 'connect', self.connect)
        timed(times, 'disconnect', lambda: None)
        timed(times, 'snapshot', self.snapshot, name, snap)
        timed(times, 'volume from snapshot', self.volume_from_snapshot,
              name, snap, from_snap)
        timed(times, 'clone', self.clone, name, clone)
        timed(times, 'delete clone', self.delete_clone, clone)
        timed(times, 'delete volume from snapshot', self.delete, from_snap)
        timed(times, 'delete snapshot', self.delete_snapshot, name, snap)
        timed(times, 'delete volume', self.delete, name)


# argv: work dir, rounds, storage.  Prints the peak RSS (MiB) of a process
# that only builds the backend and runs the lifecycles through the core.
RSS_CHILD = r'''
import json, resource, sys
sys.path.insert(0, %r)
import core_vs_librbd as bench
from ansible_collections.openstack.cinderlib.plugins.module_utils import cinderlib as cl
config = {'storage': 'memory'}
if sys.argv[3] == 'db':
    config = {'storage': 'db',
              'connection': 'sqlite:///%%s/rss.sqlite' %% sys.argv[1]}
cl.setup(file_locks_path=sys.argv[1], persistence_config=config)
backend = cl.Backend('ceph', **bench.BACKEND)
for _round in range(int(sys.argv[2])):
    bench.core_lifecycle(backend, {})
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0)
''' % os.path.dirname(os.path.abspath(__file__))


# argv: work dir, lifecycles, storage.  Prints the CPU and wall ms of one
# lifecycle through the core on the unit tests' fake driver: no storage,
# so what remains is the core's own cost (and Cinder's objects), measured
# with a steadiness that the Ceph figures lack on a busy machine.
CORE_ONLY_CHILD = r'''
import sys, time
sys.path[:0] = [%r, %r]
import core_vs_librbd as bench
from ansible_collections.openstack.cinderlib.plugins.module_utils import cinderlib as cl
config = {'storage': 'memory'}
if sys.argv[3] == 'db':
    config = {'storage': 'db',
              'connection': 'sqlite:///%%s/core-only.sqlite' %% sys.argv[1]}
cl.setup(file_locks_path=sys.argv[1], persistence_config=config)
backend = cl.Backend('core-only', volume_driver='fake_driver.FakeDriver')
for _round in range(3):
    bench.core_lifecycle(backend, {})
rounds = int(sys.argv[2])
cpu, wall = time.process_time(), time.perf_counter()
for _round in range(rounds):
    bench.core_lifecycle(backend, {})
print((time.process_time() - cpu) * 1000 / rounds,
      (time.perf_counter() - wall) * 1000 / rounds)
''' % (os.path.dirname(os.path.abspath(__file__)),
       os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(
           __file__))), 'unit', 'plugins', 'module_utils'))
CORE_ONLY_ROUNDS = 200


def core_only(work):
    """{storage: (CPU ms, wall ms)} of one lifecycle on the fake driver."""
    make_sqlite('%s/core-only.sqlite' % work)
    costs = {}
    for storage in ('memory', 'db'):
        out = subprocess.run(
            [sys.executable, '-c', CORE_ONLY_CHILD, work,
             str(CORE_ONLY_ROUNDS), storage],
            check=True, capture_output=True, text=True).stdout
        costs[storage] = tuple(float(v) for v in out.split()[-2:])
    return costs


def make_sqlite(path):
    """Create the db plugin's file in a process of its own (SQLAlchemy
    makes the schema; it need not stay in this process's memory)."""
    subprocess.run([sys.executable, '-c', (
        'import sys\n'
        'from ansible_collections.openstack.cinderlib.plugins.module_utils '
        'import persistence\n'
        'persistence.setup({"storage": "db", "connection": "sqlite:///" + '
        'sys.argv[1]}).close()\n'), path], check=True)


def core_peak_rss(work, rounds):
    """{storage: MiB}; the SQLite file is made first, by another process."""
    make_sqlite('%s/rss.sqlite' % work)
    peaks = {}
    for storage in ('memory', 'db'):
        out = subprocess.run(
            [sys.executable, '-c', RSS_CHILD, work, str(rounds), storage],
            check=True, capture_output=True, text=True).stdout
        peaks[storage] = float(out.strip().splitlines()[-1])
    return peaks


def run_lifecycles(work):
    """Core (memory, db) and both floors, in turn each round."""
    import rados
    from ansible_collections.openstack.cinderlib.plugins.module_utils import cinderlib as cl
    from ansible_collections.openstack.cinderlib.plugins.module_utils import persistence
    make_sqlite('%s/bench.sqlite' % work)
    # One plugin of each, kept: switching rebuilds nothing inside a round.
    configs = {'memory': {'storage': 'memory'},
               'db': {'storage': 'db', 'connection':
                      'sqlite:///%s/bench.sqlite' % work}}
    configs = {name: {'storage': persistence.setup(config)}
               for name, config in configs.items()}
    cl.setup(file_locks_path=work, persistence_config=configs['memory'])
    backend = cl.Backend('ceph', **BACKEND)
    cluster = rados.Rados(conffile=CEPH['conf'], rados_id=CEPH['user'])
    cluster.connect()
    ioctx = cluster.open_ioctx(CEPH['pool'])
    floors = {'driver floor': DriverFloor(cluster, ioctx),
              'layering-only floor': DriverFloor(cluster, ioctx, True)}
    variants = ('core memory', 'driver floor', 'core db',
                'layering-only floor')
    times = {name: {} for name in variants}
    # A warm-up round first; then each round starts one variant later, so
    # that none always follows the same one (Ceph's monitors batch snapshot
    # id changes, which makes an operation's cost depend on what ran before).
    for round_ in range(ROUNDS + 1):
        start = round_ % len(variants)
        for name in variants[start:] + variants[:start]:
            counts = times[name] if round_ else {}
            if name in floors:
                floors[name].lifecycle(counts)
            else:
                cl.Backend.set_persistence(configs[name.split()[1]])
                core_lifecycle(backend, counts)
    ioctx.close()
    cluster.shutdown()
    return times, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def report_lifecycles(times):
    med = {name: {op: statistics.median(t[op]) * 1000 for op in OPS}
           for name, t in times.items()}
    floor = med['driver floor']
    columns = ('core memory', 'core db', 'driver floor', 'layering-only floor')
    print('Per operation on Ceph, median of %d rounds (ms); ratios to the '
          'driver floor:' % ROUNDS)
    print('  %-28s %8s %8s %8s %8s %7s %7s %7s' % (
        'operation', 'core', 'core', 'driver', 'layering', 'memory', 'db',
        'layering'))
    print('  %-28s %8s %8s %8s %8s' % ('', 'memory', 'db', 'floor', 'floor'))

    def ratio(a, b):
        return a / b if b >= 0.05 else float('nan')

    for op in OPS:
        row = [med[c][op] for c in columns]
        print('  %-28s %8.1f %8.1f %8.1f %8.1f %7.2f %7.2f %7.2f' % tuple(
            [op] + row + [ratio(row[0], floor[op]), ratio(row[1], floor[op]),
                          ratio(row[3], floor[op])]))
    totals = [sum(med[c].values()) for c in columns]
    print('  %-28s %8.1f %8.1f %8.1f %8.1f %7.2f %7.2f %7.2f' % tuple(
        ['lifecycle (12 operations)'] + totals +
        [totals[0] / totals[2], totals[1] / totals[2],
         totals[3] / totals[2]]))
    # On a busy machine the medians wander with the load; each variant's
    # fastest round is closer to its own cost.
    mins = [sum(min(times[c][op]) for op in OPS) * 1000 for c in columns]
    print('  %-28s %8.1f %8.1f %8.1f %8.1f %7.2f %7.2f %7.2f' % tuple(
        ['lifecycle, sum of minima'] + mins +
        [mins[0] / mins[2], mins[1] / mins[2], mins[3] / mins[2]]))
    cpu = [sum(sum(times[c]['cpu ' + op]) / len(times[c]['cpu ' + op])
               for op in OPS) * 1000 for c in columns]
    print('  %-28s %8.1f %8.1f %8.1f %8.1f %7.2f %7.2f %7.2f' % tuple(
        ['lifecycle CPU time (mean)'] + cpu +
        [cpu[0] / cpu[2], cpu[1] / cpu[2], cpu[3] / cpu[2]]))
    print('  core over the driver floor, CPU ms per lifecycle: memory %.1f, '
          'db %.1f' % (cpu[0] - cpu[2], cpu[1] - cpu[2]))
    print('  core / layering-only floor (what earlier versions reported): '
          'memory %.2f, db %.2f; driver floor / layering-only floor %.2f'
          % (totals[0] / totals[3], totals[1] / totals[3],
             totals[2] / totals[3]))
    print('  target: core within %.2fx of the driver floor; upstream '
          'cinderlib %.1fx raw librbd' % (TARGET_RATIO, UPSTREAM['ratio']))
    for index, label in ((0, 'memory'), (1, 'db (SQLite)')):
        print('Lifecycle, core with %s persistence: %.2fx the floor (median '
              'of each operation), %.2fx (sums of minima), %.2fx (CPU time)'
              % (label, totals[index] / totals[2], mins[index] / mins[2],
                 cpu[index] / cpu[2]))


def main():
    work = os.environ.get('CL_BENCH_DIR', '/tmp/cl-bench')
    os.makedirs(work, exist_ok=True)
    ready, import_costs = startup.run(work)
    rss_core = core_peak_rss(work, ROUNDS + 1)
    core_costs = core_only(work)
    times, rss_here = run_lifecycles(work)
    report_lifecycles(times)
    startup.report(ready, import_costs)
    print('Peak RSS (MiB): ready Backend %.0f (memory), %.0f (db); '
          'this process, with the floors\' connection too: %.0f   '
          '(target < 100; upstream %d)' % (
              statistics.median(r['rss_mib'] for r in ready['memory']),
              statistics.median(r['rss_mib'] for r in ready['db']),
              rss_here, UPSTREAM['rss_mib']))
    for storage, label in (('memory', 'memory'), ('db', 'db (SQLite)')):
        print('The core\'s own cost per lifecycle, on the unit tests\' fake '
              'driver (no storage; mean of %d), %s persistence: %.2f ms CPU, '
              '%.2f ms wall' % ((CORE_ONLY_ROUNDS, label) +
                                core_costs[storage]))
    for storage, label in (('memory', 'memory'), ('db', 'db (SQLite)')):
        print('Peak RSS after %d lifecycles through the core, %s '
              'persistence: %.0f MiB' % (ROUNDS + 1, label,
                                         rss_core[storage]))


if __name__ == '__main__':
    main()
