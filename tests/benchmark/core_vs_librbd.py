#!/usr/bin/env python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark: the core on Ceph against raw librbd calls, and start-up cost.

Prints numbers; asserts nothing.  Needs the Ceph lab's CL_CEPH_* variables
(scripts/benchmark.sh sets them).  Figures to compare with (upstream
cinderlib 5.2 on Cinder 23.5, same kind of machine): lifecycle 3.2x librbd,
start to ready Backend 1.48 s, peak RSS 176 MiB.
"""

import json
import os
import resource
import statistics
import time
import uuid

import startup

ROUNDS = int(os.environ.get('CL_BENCH_ROUNDS', '5'))
CEPH = {k: os.environ['CL_CEPH_' + k.upper()]
        for k in ('conf', 'keyring', 'pool', 'user')}
UPSTREAM = {'ratio': 3.2, 'rss_mib': 176}
OPS = ('stats', 'create', 'extend', 'connect', 'disconnect', 'snapshot',
       'volume from snapshot', 'clone', 'delete clone',
       'delete volume from snapshot', 'delete snapshot', 'delete volume')

BACKEND = startup.rbd_backend()


def timed(times, name, func, *args, **kwargs):
    start = time.perf_counter()
    result = func(*args, **kwargs)
    times.setdefault(name, []).append(time.perf_counter() - start)
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


def librbd_lifecycle(cluster, ioctx, times):
    """What the RBD driver does for each operation, in direct calls."""
    import rbd
    proxy = rbd.RBD()
    gib = 1024 ** 3
    name = 'volume-%s' % uuid.uuid4()
    features = rbd.RBD_FEATURE_LAYERING

    def stats():
        return cluster.mon_command(json.dumps({'prefix': 'df', 'format':
                                               'json'}), b'')

    def extend():
        with rbd.Image(ioctx, name) as image:
            image.resize(2 * gib)

    def connect():
        return cluster.mon_command(json.dumps({'prefix': 'mon dump',
                                               'format': 'json'}), b'')

    def snapshot(snap):
        with rbd.Image(ioctx, name) as image:
            image.create_snap(snap)
            image.protect_snap(snap)

    def clone_from(snap, dest):
        proxy.clone(ioctx, name, snap, ioctx, dest, features=features)

    def delete_snap(image_name, snap):
        with rbd.Image(ioctx, image_name) as image:
            image.unprotect_snap(snap)
            image.remove_snap(snap)

    timed(times, 'stats', stats)
    timed(times, 'create', proxy.create, ioctx, name, gib,
          old_format=False, features=features)
    timed(times, 'extend', extend)
    timed(times, 'connect', connect)
    timed(times, 'disconnect', lambda: None)
    timed(times, 'snapshot', snapshot, 'snap')
    timed(times, 'volume from snapshot', clone_from, 'snap', name + '-fs')
    clone_snap = name + '-cl.clone_snap'
    timed(times, 'clone', lambda: (snapshot(clone_snap),
                                   clone_from(clone_snap, name + '-cl')))
    timed(times, 'delete clone', lambda: (proxy.remove(ioctx, name + '-cl'),
                                          delete_snap(name, clone_snap)))
    timed(times, 'delete volume from snapshot', proxy.remove, ioctx,
          name + '-fs')
    timed(times, 'delete snapshot', delete_snap, name, 'snap')
    timed(times, 'delete volume', proxy.remove, ioctx, name)


def main():
    import rados
    locks = os.environ.get('CL_BENCH_DIR', '/tmp/cl-bench')
    os.makedirs(locks, exist_ok=True)
    ready, import_costs = startup.run(locks)

    from ansible_collections.openstack.cinderlib.plugins.module_utils import cinderlib as cl
    cl.setup(file_locks_path=locks,
             persistence_config={'storage': 'db', 'connection':
                                 'sqlite:///%s/bench.sqlite' % locks})
    backend = cl.Backend('ceph', **BACKEND)
    cluster = rados.Rados(conffile=CEPH['conf'], rados_id=CEPH['user'])
    cluster.connect()
    ioctx = cluster.open_ioctx(CEPH['pool'])
    core, raw = {}, {}
    core_lifecycle(backend, {})         # warm-up, not counted
    librbd_lifecycle(cluster, ioctx, {})
    for _round in range(ROUNDS):
        core_lifecycle(backend, core)
        librbd_lifecycle(cluster, ioctx, raw)
    ioctx.close()
    cluster.shutdown()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0

    print('Per operation on Ceph, median of %d rounds (ms):' % ROUNDS)
    print('  %-28s %9s %9s %7s' % ('operation', 'core', 'librbd', 'ratio'))
    total_core = total_raw = 0.0
    for op in OPS:
        c, r = statistics.median(core[op]), statistics.median(raw[op])
        total_core += c
        total_raw += r
        print('  %-28s %9.1f %9.1f %7.2f' % (op, c * 1000, r * 1000,
                                             c / r if r else float('nan')))
    ratio = total_core / total_raw
    print('  %-28s %9.1f %9.1f %7.2f   (target <= 1.3; upstream %.1f)' % (
        'lifecycle (12 operations)', total_core * 1000, total_raw * 1000,
        ratio, UPSTREAM['ratio']))
    startup.report(ready, import_costs)
    print('Peak RSS (MiB): ready Backend %.0f (db), after %d lifecycles %.0f   '
          '(upstream %d)' % (
              statistics.median(r['rss_mib'] for r in ready['db']),
              ROUNDS + 1, peak, UPSTREAM['rss_mib']))


if __name__ == '__main__':
    main()
