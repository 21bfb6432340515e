# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Wall time of module tasks against the local Ceph lab.

Prints, per loop item (one module run each, as Ansible runs loops):
- a create run of N declared volumes (cl_volume, RBD driver);
- a no-change run of the same N volumes (target: within 1.5x of
  ``command: /bin/true``), and the ``command: /bin/true`` baseline, measured
  in alternating rounds so machine load hits both alike;
- the delete run.

With CL_BENCH_BASELINE set to a collections directory holding another
checkout of the collection (scripts/benchmark.sh modules makes one of the
commit before issue 12's restructure), that code gets volumes of its own
(its own database) and its no-change run joins each round right after this
one's (A B true, A B true, ...); the ratios of the pairs are printed.

Run by scripts/benchmark.sh, or: python modules_bench.py [--volumes 20]
(needs the Ceph lab's CL_CEPH_* variables and ANSIBLE_COLLECTIONS_PATH).
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

import yaml

BASELINE = os.environ.get('CL_BENCH_BASELINE')


def playbook(tasks, backend, db_url, work):
    return [{
        'name': 'benchmark', 'hosts': 'localhost', 'gather_facts': False,
        'module_defaults': {'group/openstack.cinderlib.cinderlib': {
            'backend': backend, 'db_url': db_url,
            'lock_path': os.path.join(work, 'locks')}},
        'tasks': tasks}]


def volume_task(count, **args):
    args = dict(args, name='bench-{{ item }}')
    return {'name': 'volumes', 'openstack.cinderlib.cl_volume': args,
            'loop': '{{ range(%d) | list }}' % count}


def code_env(collections):
    """The environment that runs the collection in ``collections`` (None:
    this checkout, as the caller set it up): the controller finds it first,
    and the module processes (local connection) import it before a shared
    venv's .pth entry."""
    if collections is None:
        return None
    return dict(os.environ, ANSIBLE_COLLECTIONS_PATH=collections,
                PYTHONPATH=collections)


def check_resolves(collections):
    """The controller runs cl_volume from ``collections``, not from a
    collection found elsewhere."""
    found = json.loads(subprocess.run(
        ['ansible-doc', '--json', 'openstack.cinderlib.cl_volume'],
        check=True, capture_output=True, text=True,
        env=code_env(collections)).stdout)
    filename = os.path.realpath(
        found['openstack.cinderlib.cl_volume']['doc']['filename'])
    expected = os.path.realpath(os.path.join(
        collections, 'ansible_collections', 'openstack', 'cinderlib'))
    if not filename.startswith(expected + os.sep):
        raise RuntimeError('the baseline runs %s, not the module in %s' % (
            filename, expected))


def timed(book, work, env=None):
    path = os.path.join(work, 'play.yml')
    with open(path, 'w') as out:
        yaml.safe_dump(book, out)
    started = time.monotonic()
    subprocess.run(['ansible-playbook', '-i', 'localhost,', '-c', 'local',
                    '-e', 'ansible_python_interpreter=%s' % sys.executable,
                    path], check=True, stdout=subprocess.DEVNULL, env=env)
    return time.monotonic() - started


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--volumes', type=int, default=20)
    parser.add_argument('--rounds', type=int, default=5)
    args = parser.parse_args()
    count = args.volumes
    backend = {
        'volume_backend_name': 'bench-ceph',
        'volume_driver': 'cinder.volume.drivers.rbd.RBDDriver',
        'rbd_pool': os.environ['CL_CEPH_POOL'],
        'rbd_user': os.environ['CL_CEPH_USER'],
        'rbd_ceph_conf': os.environ['CL_CEPH_CONF'],
        'rbd_keyring_conf': os.environ['CL_CEPH_KEYRING']}
    work = tempfile.mkdtemp(prefix='cl-bench-')
    # Each code its own database and locks (record layouts may differ).
    codes = [('this', None)] + ([('baseline', BASELINE)] if BASELINE else [])
    if BASELINE:
        check_resolves(BASELINE)
    dirs = {label: os.path.join(work, label) for label, _path in codes}
    for path in dirs.values():
        os.mkdir(path)

    def book(label, *tasks):
        db_url = 'sqlite:///%s' % os.path.join(dirs[label], 'cinderlib.sqlite')
        return playbook(list(tasks), backend, db_url, dirs[label])

    def run(label, collections, *tasks):
        return timed(book(label, *tasks), dirs[label], code_env(collections))

    true_task = {'name': 'true', 'ansible.builtin.command': '/bin/true',
                 'loop': '{{ range(%d) | list }}' % count,
                 'changed_when': False}
    nochange = {label: [] for label, _path in codes}
    baseline, create, delete = [], {}, {}
    try:
        empty = statistics.median(run('this', None) for _round in range(3))
        for label, collections in codes:
            create[label] = run(label, collections,
                                volume_task(count, size=1)) - empty
        for _round in range(args.rounds):
            for label, collections in codes:
                nochange[label].append((run(
                    label, collections, volume_task(count, size=1)) -
                    empty) / count)
            baseline.append((run('this', None, true_task) - empty) / count)
    finally:
        for label, collections in codes:
            try:
                delete[label] = run(label, collections, volume_task(
                    count, state='absent')) - empty
            except subprocess.CalledProcessError:
                print('%s: the delete run failed; bench-* volumes may be '
                      'left in pool %s' % (label, backend['rbd_pool']))
        shutil.rmtree(work, ignore_errors=True)

    def row(label, values):
        print('%-34s median %6.0f ms  min %6.0f  max %6.0f' % (
            label, 1000 * statistics.median(values), 1000 * min(values),
            1000 * max(values)))
    print('per loop item, %d volumes, %d rounds (playbook start-up of '
          '%.2f s subtracted)' % (count, args.rounds, empty))
    row('command: /bin/true', baseline)
    row('cl_volume, no change', nochange['this'])
    print('%-34s %.2fx (target <= 1.5x)' % (
        'no change / true', statistics.median(nochange['this']) /
        statistics.median(baseline)))
    print('%-34s %6.0f ms' % ('cl_volume, create', 1000 * create['this'] /
                              count))
    if 'this' in delete:
        print('%-34s %6.0f ms' % ('cl_volume, delete', 1000 * delete['this'] /
                                  count))
    if BASELINE:
        print('baseline (%s), in the same rounds:' % BASELINE)
        row('  cl_volume, no change', nochange['baseline'])
        print('%-34s %6.0f ms' % ('  cl_volume, create', 1000 *
                                  create['baseline'] / count))
        ratios = [a / b for a, b in zip(nochange['this'],
                                        nochange['baseline'])]
        print('%-34s median %6.2fx  min %5.2fx  max %5.2fx' % (
            'no change, this / baseline', statistics.median(ratios),
            min(ratios), max(ratios)))


if __name__ == '__main__':
    main()
