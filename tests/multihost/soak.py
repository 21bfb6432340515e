# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The soak (scripts/soak.sh): hosts x volumes of mixed operations, rounds
of create / snapshot / clone / grow / connect then disconnect / delete,
each host on volumes of its own plus a few every host declares.  Prints
operations done, failures, lost and duplicated (all but the first must be
0) and exits 1 unless they are.  Not a timed test: run it by hand."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import argparse
import collections
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402


def expected_names(hosts, volumes, shared):
    own = ['%s%s-%d' % (hosts.prefix, h, i) for h in hosts.names
           for i in range(volumes)]
    common = ['%sshared-%d' % (hosts.prefix, i) for i in range(shared)]
    names = set(own + common)
    per_host = {h: ['%s%s-%d' % (hosts.prefix, h, i) for i in range(volumes)]
                + common for h in hosts.names}
    for every in per_host.values():
        names.update(name + '-clone' for name in every[1::5])
    return names


def tally(results, totals):
    """Count a run's operations; duplicated: a change made twice."""
    changes = collections.Counter()
    for result in results:
        if result['status'] == 'skipped':
            continue
        totals['tasks'] += 1
        totals['failures'] += result['failed']
        if result['changed']:
            totals['operations'] += 1
            changes[(result['task'], result['item'])] += 1
    totals['duplicated'] += sum(n - 1 for n in changes.values() if n > 1)
    for result in results:
        if result['failed']:
            print('  FAILED %s %s %s: %s' % (
                result['host'], result['task'], result['item'],
                result['msg']))


def check(hosts, baseline, wanted, totals):
    """Lost: a declared volume without its record, or a record without its
    image; duplicated: a name recorded twice, or an image without record."""
    records = hosts.store.records(hosts.backend_name)
    names = collections.Counter(v['name'] for v in records['volumes'])
    totals['lost'] += len(wanted - set(names))
    totals['duplicated'] += sum(n - 1 for n in names.values() if n > 1)
    totals['duplicated'] += len(set(names) - wanted)
    for problem in harness.disagreements(hosts.lab, hosts.store,
                                         hosts.backend_name, baseline):
        print('  ' + problem)
        if 'has no image' in problem or 'has no RBD snapshot' in problem:
            totals['lost'] += 1
        else:
            totals['duplicated'] += 1


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('--hosts', type=int, default=10)
    parser.add_argument('--volumes', type=int, default=50,
                        help='volumes of each host')
    parser.add_argument('--shared', type=int, default=5,
                        help='volumes every host declares')
    parser.add_argument('--seconds', type=int, default=180,
                        help='start no new round after this')
    parser.add_argument('--db-url', help='default: a new SQLite file')
    parser.add_argument('--coordination-url')
    args = parser.parse_args()
    lab = harness.lab_from_env()
    if lab is None:
        sys.exit('the Ceph lab is not running (eval "$(bash '
                 'scripts/ceph-lab.sh env)")')
    workdir = tempfile.mkdtemp(prefix='cl-soak-')
    store = harness.Store(args.db_url or 'sqlite:///%s/cinderlib.sqlite'
                          % workdir, args.coordination_url)
    store.reset()
    hosts = harness.Hosts(workdir, lab, store, count=args.hosts,
                          backend_name='mh-soak', prefix='soak-')
    wanted = expected_names(hosts, args.volumes, args.shared)
    totals = collections.Counter()
    baseline = lab.state()
    started = time.time()
    rounds = 0
    print('soak: %d hosts x %d volumes (+%d shared) on %s, rounds for %d s'
          % (args.hosts, args.volumes, args.shared, store.label, args.seconds))
    while rounds == 0 or time.time() - started < args.seconds:
        rounds += 1
        for state in ('present', 'absent'):
            run = hosts.play('soak.yml', timeout=24 * 3600, mh_state=state,
                             mh_volumes=args.volumes, mh_shared=args.shared)
            tally(run, totals)
            check(hosts, baseline, wanted if state == 'present' else set(),
                  totals)
            print('round %d %s: %.0f s, %s' % (
                rounds, state, time.time() - started, dict(totals)))
    store.close()
    print('operations done: %d (of %d tasks), failures: %d, lost: %d, '
          'duplicated: %d, rounds: %d, %.0f s' % (
              totals['operations'], totals['tasks'], totals['failures'],
              totals['lost'], totals['duplicated'], rounds,
              time.time() - started))
    sys.exit(1 if totals['failures'] or totals['lost'] or
             totals['duplicated'] else 0)


if __name__ == '__main__':
    main()
