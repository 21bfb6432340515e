# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Wall time of module tasks against the local Ceph lab.

Prints, per loop item (one module run each, as Ansible runs loops):
- a create run of N declared volumes (cl_volume, RBD driver);
- a no-change run of the same N volumes (target: within 1.5x of
  ``command: /bin/true``), and the ``command: /bin/true`` baseline, measured
  in alternating rounds so machine load hits both alike;
- the delete run.

Run by scripts/benchmark.sh, or: python modules_bench.py [--volumes 20]
(needs the Ceph lab's CL_CEPH_* variables and ANSIBLE_COLLECTIONS_PATH).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

import yaml


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


def timed(book, work):
    path = os.path.join(work, 'play.yml')
    with open(path, 'w') as out:
        yaml.safe_dump(book, out)
    started = time.monotonic()
    subprocess.run(['ansible-playbook', '-i', 'localhost,', '-c', 'local',
                    '-e', 'ansible_python_interpreter=%s' % sys.executable,
                    path], check=True, stdout=subprocess.DEVNULL)
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
    db_url = 'sqlite:///%s' % os.path.join(work, 'cinderlib.sqlite')

    def book(*tasks):
        return playbook(list(tasks), backend, db_url, work)

    true_task = {'name': 'true', 'ansible.builtin.command': '/bin/true',
                 'loop': '{{ range(%d) | list }}' % count,
                 'changed_when': False}
    try:
        empty = statistics.median(timed(book(), work) for _round in range(3))
        create = timed(book(volume_task(count, size=1)), work) - empty
        nochange, baseline = [], []
        for _round in range(args.rounds):
            nochange.append(
                (timed(book(volume_task(count, size=1)), work) - empty) /
                count)
            baseline.append((timed(book(true_task), work) - empty) / count)
        delete = timed(book(volume_task(count, state='absent')), work) - empty
    finally:
        shutil.rmtree(work, ignore_errors=True)

    def row(label, values):
        print('%-34s median %6.0f ms  min %6.0f  max %6.0f' % (
            label, 1000 * statistics.median(values), 1000 * min(values),
            1000 * max(values)))
    print('per loop item, %d volumes, %d rounds (playbook start-up of '
          '%.2f s subtracted)' % (count, args.rounds, empty))
    row('command: /bin/true', baseline)
    row('cl_volume, no change', nochange)
    print('%-34s %.2fx (target <= 1.5x)' % (
        'no change / true', statistics.median(nochange) /
        statistics.median(baseline)))
    print('%-34s %6.0f ms' % ('cl_volume, create', 1000 * create / count))
    print('%-34s %6.0f ms' % ('cl_volume, delete', 1000 * delete / count))


if __name__ == '__main__':
    main()
