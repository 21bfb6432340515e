# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Two controllers: two network namespaces with addresses of their own
(scripts/netns-lab.sh), each running ansible-playbook (ip netns exec) for
five hosts, against one PostgreSQL, one Redis and one Ceph reached over
their links.  Both run the same play at once: one creation per declared
volume, no failure.  Then one controller's link is cut mid-run: its tasks
fail in bounded time with a clear message, the other converges; with the
link back, a re-run of the first converges too."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import re
import shutil
import subprocess
import time

import pytest

import harness

NETNS_LAB = os.path.join(harness.REPO, 'scripts', 'netns-lab.sh')
# What the failures of a controller that lost its network may name.
CLEAR = re.compile(r'database|coordination|lock service|timed? ?out|'
                   r'timeout|unreachable|cannot reach|ceph|rados|rbd',
                   re.I)
# Every call over the link is bounded: the database (connect_timeout,
# tcp_user_timeout in the URL), Redis (socket timeouts in the URL), Ceph
# (rados_connect_timeout, which also bounds every RADOS operation).
BACKEND_TIMEOUTS = {'rados_connect_timeout': 10}
CUT_BOUND = 150


def netns_env():
    out = subprocess.run(['bash', NETNS_LAB, 'env'], check=True,
                         capture_output=True, text=True).stdout
    env = {}
    for line in out.splitlines():
        key, _sep, value = line.partition('=')
        env[key] = value.strip("'\"")
    return env


@pytest.fixture(scope='module')
def netns():
    if os.geteuid() != 0 or not shutil.which('ip') or \
            not shutil.which('redis-server'):
        pytest.skip('needs root, iproute2 and redis-server')
    started = False
    if not os.path.exists(os.path.join(harness.REPO, '.lab', 'netns',
                                       'started')):
        subprocess.run(['bash', NETNS_LAB, 'start'], check=True,
                       stdout=subprocess.DEVNULL, timeout=300)
        started = True
    try:
        yield netns_env()
    finally:
        subprocess.run(['bash', NETNS_LAB, 'mend', 'clmh-c1'], check=False)
        if started:
            subprocess.run(['bash', NETNS_LAB, 'stop'], check=False,
                           timeout=300)


def controllers(netns, tmp_path, prefixes):
    lab = harness.Lab(netns['CL_NETNS_CEPH_CONF'],
                      netns['CL_NETNS_CEPH_KEYRING'],
                      netns['CL_NETNS_CEPH_POOL'],
                      netns['CL_NETNS_CEPH_USER'])
    store = harness.Store(netns['CL_NETNS_PG_URL'],
                          netns['CL_NETNS_REDIS_URL'],
                          label='postgresql+redis over veth')
    found = []
    for ns, prefix in zip(netns['CL_NETNS_NAMESPACES'].split(), prefixes):
        workdir = tmp_path / ns
        workdir.mkdir(exist_ok=True)
        found.append(harness.Hosts(
            str(workdir), lab, store, count=5, backend_name='mh-netns',
            prefix=prefix, backend_extra=BACKEND_TIMEOUTS,
            command_prefix=['ip', 'netns', 'exec', ns]))
    return lab, store, found


def test_two_controllers(netns, tmp_path):
    lab, store, (first, second) = controllers(netns, tmp_path,
                                              ['nn-', 'nn-'])
    store.reset()
    store.plugin()
    baseline = lab.state()
    try:
        # The same play from both controllers at once.
        runs = [first.start('create_each.yml'),
                second.start('create_each.yml')]
        results = [first.finish(*run) for run in runs]
        for run in results:
            assert not run.failures(), (run.failures(), run.output[-2000:])
        changed = {}
        for run in results:
            for result in run:
                changed[result['host']] = changed.get(result['host'], 0) + \
                    result['changed']
        assert changed == {name: 1 for name in first.names}, changed
        assert len(store.records('mh-netns')['volumes']) == 5
        assert not harness.disagreements(lab, store, 'mh-netns', baseline)

        # Volumes of each controller's own; the first loses its link.
        first.prefix, second.prefix = 'c1-', 'c2-'
        cut_run = first.start('steps.yml', mh_state='present')
        other_run = second.start('steps.yml', mh_state='present')
        proc, results_file = cut_run
        deadline = time.time() + 300
        while time.time() < deadline and proc.poll() is None and not (
                os.path.exists(results_file) and
                sum(1 for _l in open(results_file)) >= 3):
            time.sleep(0.05)
        subprocess.run(['bash', NETNS_LAB, 'cut', 'clmh-c1'], check=True)
        cut_at = time.time()
        other = second.finish(*other_run)
        cut = first.finish(*cut_run, timeout=CUT_BOUND + 60)
        took = time.time() - cut_at
        print('cut controller: %d results, %d failed, done %.0f s after '
              'the cut' % (len(cut), len(cut.failures()), took))
        for result in cut.failures():
            print('  %s %s: %s' % (result['host'], result['task'],
                                   result['msg']))
            assert result['msg'] and CLEAR.search(result['msg']) and \
                'Traceback' not in result['msg'], result
        assert cut.failures(), cut.output[-2000:]
        assert took < CUT_BOUND, took
        assert not other.failures(), other.failures()
        names = {v['name'] for v in store.records('mh-netns')['volumes']}
        assert {'c2-%s-%d' % (h, i) for h in second.names
                for i in (1, 2, 3)} <= names

        # Link back: the first controller's re-run converges.
        subprocess.run(['bash', NETNS_LAB, 'mend', 'clmh-c1'], check=True)
        again = first.play('steps.yml', mh_state='present')
        assert not again.failures(), again.failures()
        assert len(store.records('mh-netns')['volumes']) == 5 + 30
        problems = harness.disagreements(lab, store, 'mh-netns', baseline)
        assert not problems, problems
    finally:
        subprocess.run(['bash', NETNS_LAB, 'mend', 'clmh-c1'], check=False)
        for hosts in (first, second):
            hosts.play('steps.yml', mh_state='absent')
        first.prefix = 'nn-'
        first.play('create_each.yml', mh_state='absent')
        first.cleanup()
        store.close()
