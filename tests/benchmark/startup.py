#!/usr/bin/env python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark: a fresh process to a ready RBD Backend, and where the time goes.

Prints numbers; asserts nothing.  Each round starts a new interpreter that
imports the core, calls cl.setup, loads Cinder and builds the Backend (the
driver's do_setup included), for the default ``memory`` persistence and for
a SQLite file (``db``).  Then one more run under ``python -X importtime``
shows which packages the imports cost.  Needs the Ceph lab's CL_CEPH_*
variables (scripts/benchmark.sh sets them); run alone or from
core_vs_librbd.py.

With CL_BENCH_BASELINE set to a collections directory holding another
checkout of the collection (scripts/benchmark.sh startup makes one of the
commit before the start-up work), each round also starts that code right
after this one (A B A B), and the ratios of the pairs are printed: a
comparison that holds while the machine's load changes.  ``ready`` is
measured inside the child (process start to a ready Backend); ``exit`` is
the whole process as the parent sees it, interpreter shutdown included.
"""

import collections
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time

ROUNDS = int(os.environ.get('CL_BENCH_ROUNDS', '5'))
UPSTREAM_READY_S = 1.48
TARGET_READY_S = 0.5
BASELINE = os.environ.get('CL_BENCH_BASELINE')
PHASES = (('interpreter', 'interpreter start'), ('core', 'core import'),
          ('setup', 'cl.setup'), ('cinder', 'Cinder load'),
          ('driver', 'driver set-up'))


def rbd_backend():
    ceph = {k: os.environ['CL_CEPH_' + k.upper()]
            for k in ('conf', 'keyring', 'pool', 'user')}
    return dict(volume_driver='cinder.volume.drivers.rbd.RBDDriver',
                rbd_user=ceph['user'], rbd_pool=ceph['pool'],
                rbd_ceph_conf=ceph['conf'], rbd_keyring_conf=ceph['keyring'])


# argv: start time (parent's clock), backend options, work dir, storage.
READY_CHILD = r'''
import json, resource, sys, time
marks = {'start': float(sys.argv[1]), 'interpreter': time.time()}
from ansible_collections.openstack.cinderlib.plugins.module_utils import cinderlib as cl
from ansible_collections.openstack.cinderlib.plugins.module_utils import backend
marks['core'] = time.time()
import os
marks['core_file'] = os.path.realpath(cl.__file__)
persistence = {'storage': 'memory'}
if sys.argv[4] == 'db':
    persistence = {'storage': 'db', 'connection': 'sqlite:///%s/bench.sqlite' % sys.argv[3]}
cl.setup(file_locks_path=sys.argv[3], persistence_config=persistence)
marks['setup'] = time.time()
try:
    from ansible_collections.openstack.cinderlib.plugins.module_utils.library_state import cinder as load_cinder
except ImportError:     # the baseline: before library_state
    load_cinder = backend.runtime
load_cinder()
marks['cinder'] = time.time()
cl.Backend('ceph', **json.loads(sys.argv[2]))
marks['driver'] = time.time()
marks['rss_mib'] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
print(json.dumps(marks))
'''


def ready_round(work, storage, python_args=(), baseline=None):
    env = dict(os.environ)
    if baseline:
        # Before the venv's .pth entry for this checkout.
        env['PYTHONPATH'] = baseline
        # Its own SQLite file: the two may have different schema versions.
        work = os.path.join(work, 'baseline')
        os.makedirs(work, exist_ok=True)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.time()
    completed = subprocess.run(
        [sys.executable] + list(python_args) +
        ['-c', READY_CHILD, repr(start), json.dumps(rbd_backend()),
         work, storage], check=True, capture_output=True, text=True, env=env)
    ended = time.time()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    marks = json.loads(completed.stdout.strip().splitlines()[-1])
    phases, last = {}, marks['start']
    for name, _label in PHASES:
        phases[name] = marks[name] - last
        last = marks[name]
    phases['ready'] = marks['driver'] - marks['start']
    phases['exit'] = ended - start
    # CPU time of the whole process: what a busy machine disturbs least.
    phases['cpu'] = (after.ru_utime - before.ru_utime +
                     after.ru_stime - before.ru_stime)
    phases['rss_mib'] = marks['rss_mib']
    if baseline and not marks['core_file'].startswith(os.path.realpath(
            os.path.join(baseline, 'ansible_collections', 'openstack',
                         'cinderlib'))):
        raise RuntimeError('the baseline child imported %s'
                           % marks['core_file'])
    return phases, completed.stderr


def import_costs(work, storage='db'):
    """Self time of imports by top-level package (ms), from -X importtime."""
    _phases, trace = ready_round(work, storage, ('-X', 'importtime'))
    costs = collections.Counter()
    for line in trace.splitlines():
        match = re.match(r'import time:\s+(\d+) \|\s+\d+ \| *([\w.]+)', line)
        if match:
            costs[match.group(2).split('.')[0]] += int(match.group(1)) / 1000.0
    return costs


def _spread(values):
    return '%7.3f %7.3f %7.3f' % (statistics.median(values), min(values),
                                  max(values))


def report(results, costs):
    print('Process start to ready RBD Backend (s), %d fresh processes each%s:'
          % (ROUNDS, ' (no .pyc written: PYTHONDONTWRITEBYTECODE, so the '
             'core compiles from source each time)'
             if sys.flags.dont_write_bytecode else ''))
    print('  %-26s %7s %7s %7s   %s' % (
        'persistence', 'median', 'min', 'max',
        '(target <= %.1f; upstream %.2f)' % (
            TARGET_READY_S, UPSTREAM_READY_S)))
    for storage, label in STORAGES:
        print('  %-26s %s' % (label, _spread(
            [r['ready'] for r in results[storage]])))
    print('  whole process (exit included), wall and CPU (user + sys):')
    for storage, label in STORAGES:
        print('    %-24s %s   cpu %s' % (label, _spread(
            [r['exit'] for r in results[storage]]), _spread(
            [r['cpu'] for r in results[storage]])))
    if BASELINE:
        print('  baseline (%s), in the same rounds:' % BASELINE)
        for storage, label in STORAGES:
            base = results['baseline ' + storage]
            print('    %-24s %s   exit %s   cpu %s' % (
                label, _spread([r['ready'] for r in base]),
                _spread([r['exit'] for r in base]),
                _spread([r['cpu'] for r in base])))
        print('  ratio this / baseline, pair by pair (median, min, max):')
        for storage, label in STORAGES:
            pairs = list(zip(results[storage], results['baseline ' + storage]))
            print('    %-24s ready %s   exit %s   cpu %s' % (
                label, _spread([a['ready'] / b['ready'] for a, b in pairs]),
                _spread([a['exit'] / b['exit'] for a, b in pairs]),
                _spread([a['cpu'] / b['cpu'] for a, b in pairs])))
    print('  where it goes (medians, s):')
    for storage, label in STORAGES:
        print('    %-24s %s' % (label, ', '.join(
            '%s %.3f' % (phase, statistics.median(r[name]
                                                  for r in results[storage]))
            for name, phase in PHASES)))
    rss = [(label, statistics.median(r['rss_mib'] for r in results[storage]))
           for storage, label in STORAGES]
    print('  peak RSS of a ready Backend (MiB, median): %s' % ', '.join(
        '%s %.0f' % item for item in rss))
    total = sum(costs.values())
    print('  imports by package (ms of self time in one db run under '
          '-X importtime, which slows it; total %.0f):' % total)
    top = costs.most_common(12)
    print('    ' + ', '.join('%s %.0f' % item for item in top[:6]))
    print('    ' + ', '.join('%s %.0f' % item for item in top[6:]) +
          ', others %.0f' % (total - sum(v for _k, v in top)))


STORAGES = (('memory', 'memory (default)'), ('db', 'db (SQLite file)'))


def run(work):
    """Per-storage rounds (dicts of seconds, and rss_mib), in alternation
    so that a change of machine load hits both (and the baseline); and the
    import costs."""
    results = {storage: [] for storage, _label in STORAGES}
    results.update({'baseline ' + storage: [] for storage, _label in STORAGES})
    for storage, _label in STORAGES:    # a warm-up (disk caches, .pyc)
        ready_round(work, storage)
        if BASELINE:
            ready_round(work, storage, baseline=BASELINE)
    for _round in range(ROUNDS):
        for storage, _label in STORAGES:
            results[storage].append(ready_round(work, storage)[0])
            if BASELINE:
                results['baseline ' + storage].append(
                    ready_round(work, storage, baseline=BASELINE)[0])
    return results, import_costs(work)


def main():
    with tempfile.TemporaryDirectory(prefix='cl-bench-') as work:
        results, costs = run(work)
    report(results, costs)


if __name__ == '__main__':
    main()
