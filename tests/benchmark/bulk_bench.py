# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Bulk convergence (cl_volumes) against its floors, on the Ceph lab.

Prints numbers and ratios; asserts nothing.  Measured in one run, the
floors and the tasks alternating round by round, so machine load hits both:

- the floors: one ``command: /bin/true`` task; N sequential librbd creates
  of 1 GiB images on one connection, with the calls Cinder's RBD driver makes
  (core_vs_librbd.DriverFloor), and N removes; the same creates and removes
  on 1, 2, 4 and 8 threads (what cl_volumes' default ``workers`` is chosen
  from);
- cl_volumes: N volumes created in one task, the same N with nothing to
  change, the N deleted by ``purge`` in one task, each as a ratio to its
  floor: a ``/bin/true`` task run right before it plus the N librbd calls
  (their median so far; the no-change run to its ``/bin/true`` task
  alone), the median of the rounds' ratios;
- the ``loop:`` over cl_volume (created, no change, deleted), for
  comparison: L items (default 10; a loop of 100 takes minutes on a loaded
  machine), scaled to N per item and printed as scaled;
- M declared volumes (default 1,000) with nothing to change: the task's time
  and the module process's peak RSS, beside the same for N.

A task's time is its ansible-playbook run less an empty playbook's (the
median of three): the controller's start-up is no part of either side.
If cl_volumes cannot run here (its probe task fails), the floors and the
loop are printed alone.

Run by ``scripts/benchmark.sh bulk``, or: python bulk_bench.py [--volumes
100] [--many 1000] [--rounds 3] [--loop-volumes 10] [--loop-rounds 1]
[--skip-loop]
(needs the Ceph lab's CL_CEPH_* variables and ANSIBLE_COLLECTIONS_PATH).
"""

import argparse
import concurrent.futures
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid

import core_vs_librbd
import modules_bench

MODULES = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..',
                       '..', 'plugins', 'modules')
SCOPE = {'bench': 'bulk'}
THREADS = (1, 2, 4, 8)
# Runs a module file as Ansible would, then reports its peak RSS (KiB) on
# stderr once the module has exited (exit_json ends with sys.exit).
PEAK_RSS = (
    'import atexit, resource, runpy, sys\n'
    'atexit.register(lambda: sys.stderr.write("maxrss=%d\\n" % '
    'resource.getrusage(resource.RUSAGE_SELF).ru_maxrss))\n'
    'sys.argv = sys.argv[1:]\n'
    'runpy.run_path(sys.argv[0], run_name="__main__")\n')


class Floors:
    """The librbd side: one connection, as the core keeps one."""

    def __init__(self):
        import rados
        ceph = core_vs_librbd.CEPH
        self.cluster = rados.Rados(conffile=ceph['conf'],
                                   rados_id=ceph['user'])
        self.cluster.connect()
        self.ioctx = self.cluster.open_ioctx(ceph['pool'])
        self.driver = core_vs_librbd.DriverFloor(self.cluster, self.ioctx)

    def creates_and_removes(self, count, threads=1):
        """Seconds for ``count`` creates, then for their removes."""
        names = ['bulk-floor-%s' % uuid.uuid4() for _index in range(count)]
        times = []
        for call in (self.driver.create, self.driver.delete):
            started = time.perf_counter()
            if threads == 1:
                for name in names:
                    call(name)
            else:
                with concurrent.futures.ThreadPoolExecutor(threads) as pool:
                    list(pool.map(call, names))
            times.append(time.perf_counter() - started)
        return times

    def close(self):
        self.ioctx.close()
        self.cluster.shutdown()


class Tasks:
    """The Ansible side: playbooks against one SQLite file."""

    def __init__(self, work):
        self.work = work
        self.db_url = 'sqlite:///%s' % os.path.join(work, 'cinderlib.sqlite')
        self.backend = dict(core_vs_librbd.BACKEND,
                            volume_backend_name='bench-bulk')
        self.empty = statistics.median(self.play() for _round in range(3))

    def play(self, *tasks):
        book = modules_bench.playbook(list(tasks), self.backend, self.db_url,
                                      self.work)
        return modules_bench.timed(book, self.work)

    def task(self, *tasks):
        return self.play(*tasks) - self.empty

    def true_task(self):
        return self.task({'name': 'true', 'ansible.builtin.command':
                          '/bin/true', 'changed_when': False})

    @staticmethod
    def declared(count, prefix='bulk'):
        return [{'name': '%s-%d' % (prefix, i), 'size': 1,
                 'metadata': SCOPE} for i in range(count)]

    def bulk(self, volumes, **args):
        return self.task({'name': 'bulk', 'openstack.cinderlib.cl_volumes':
                          dict(args, volumes=volumes)})

    def purge_all(self):
        return self.bulk([], purge=True, purge_scope={'metadata': SCOPE})

    def loop(self, count, **args):
        return self.task(modules_bench.volume_task(count, **args))

    def module_peak_rss(self, volumes):
        """(seconds, peak RSS in MiB) of cl_volumes run as its own process,
        as Ansible runs it on the storage host."""
        args = {'ANSIBLE_MODULE_ARGS': {
            'backend': self.backend, 'db_url': self.db_url,
            'lock_path': os.path.join(self.work, 'locks'),
            'volumes': volumes}}
        path = os.path.join(self.work, 'args.json')
        with open(path, 'w') as out:
            json.dump(args, out)
        started = time.monotonic()
        proc = subprocess.run(
            [sys.executable, '-c', PEAK_RSS, os.path.join(MODULES,
                                                          'cl_volumes.py'),
             path], capture_output=True, text=True, check=False)
        elapsed = time.monotonic() - started
        result = json.loads(proc.stdout)
        if result.get('failed') or result.get('changed'):
            raise RuntimeError('no-change run: %s' % result.get('msg'))
        rss = [line for line in proc.stderr.splitlines()
               if line.startswith('maxrss=')][-1]
        return elapsed, int(rss.split('=')[1]) / 1024.0


def bulk_ready(tasks):
    """Whether cl_volumes runs here (an empty declaration converges)."""
    book = modules_bench.playbook([{
        'name': 'probe', 'openstack.cinderlib.cl_volumes': {'volumes': []},
        'register': 'probe', 'ignore_errors': True}, {
        'name': 'fail unless it ran', 'ansible.builtin.assert': {
            'that': ['probe is not failed']}}], tasks.backend, tasks.db_url,
        tasks.work)
    try:
        modules_bench.timed(book, tasks.work)
    except subprocess.CalledProcessError:
        return False
    return True


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--volumes', type=int, default=100)
    parser.add_argument('--many', type=int, default=1000)
    parser.add_argument('--rounds', type=int, default=3)
    parser.add_argument('--loop-volumes', type=int, default=10,
                        help='items of the loop over cl_volume (its time '
                        'is scaled to --volumes per item)')
    parser.add_argument('--loop-rounds', type=int, default=1)
    parser.add_argument('--skip-loop', action='store_true')
    args = parser.parse_args()
    count = args.volumes
    work = tempfile.mkdtemp(prefix='cl-bulk-bench-')
    floors = Floors()
    figures = {}

    def add(name, value):
        # As measured too (stderr): a long run shows its progress.
        print('  measured %s: %.3f' % (name, value), file=sys.stderr,
              flush=True)
        figures.setdefault(name, []).append(value)

    try:
        tasks = Tasks(work)
        ready = bulk_ready(tasks)
        for round_ in range(args.rounds):
            add('true', tasks.true_task())
            create, remove = floors.creates_and_removes(count)
            add('librbd create', create)
            add('librbd remove', remove)
            for threads in THREADS:
                create, remove = floors.creates_and_removes(count, threads)
                add('librbd create x%d' % threads, create)
                add('librbd remove x%d' % threads, remove)
            if ready:
                # Each task right after a /bin/true task of its own: the
                # lab's OSD works on for seconds after many creates or
                # removes, and two cores share it with the tasks.  The
                # ratios are taken pair by pair (report).
                volumes = tasks.declared(count)
                # (task, its run, the librbd calls of its floor or None)
                for name, run, librbd in (
                        ('bulk create', lambda: tasks.bulk(volumes),
                         'librbd create'),
                        ('bulk no change', lambda: tasks.bulk(volumes), None),
                        ('bulk purge', tasks.purge_all, 'librbd remove')):
                    true = tasks.true_task()
                    add(name + ' true', true)
                    seconds = run()
                    add(name, seconds)
                    floor = true + (statistics.median(figures[librbd])
                                    if librbd else 0)
                    add(name + ' ratio', seconds / floor)
        if not args.skip_loop:
            # Measured on loop_volumes items, scaled to count.
            scale = count / args.loop_volumes
            for round_ in range(args.loop_rounds):
                add('loop create', scale * tasks.loop(args.loop_volumes,
                                                      size=1))
                add('loop no change', scale * tasks.loop(args.loop_volumes,
                                                         size=1))
                add('loop delete', scale * tasks.loop(args.loop_volumes,
                                                      state='absent'))
        if ready:
            for size in (count, args.many):
                volumes = tasks.declared(size, 'many')
                tasks.bulk(volumes)
                seconds, rss = tasks.module_peak_rss(volumes)
                add('many %d seconds' % size, tasks.bulk(volumes))
                add('many %d module seconds' % size, seconds)
                add('many %d rss' % size, rss)
                tasks.purge_all()
    finally:
        floors.close()
        shutil.rmtree(work, ignore_errors=True)
    report(figures, count, args, ready)


def report(figures, count, args, ready):
    med = {name: statistics.median(values) for name, values in figures.items()}
    print('bulk convergence, %d volumes, median of %d rounds (of %d for the '
          'loop), playbook start-up of each run subtracted' % (
              count, args.rounds, args.loop_rounds))
    print('floors:')
    print('  %-44s %8.0f ms' % ('one command: /bin/true task',
                                1000 * med['true']))
    for op in ('create', 'remove'):
        print('  %-44s %8.0f ms (%.1f ms each)' % (
            '%d sequential librbd %ss, one connection' % (count, op),
            1000 * med['librbd ' + op], 1000 * med['librbd ' + op] / count))
    print('  librbd on threads (one connection), ms per image, and speed-up '
          'over one thread:')
    for threads in THREADS:
        create = med['librbd create x%d' % threads]
        remove = med['librbd remove x%d' % threads]
        print('    %2d thread(s): create %6.1f (%4.2fx)  remove %6.1f (%4.2fx)'
              % (threads, 1000 * create / count,
                 med['librbd create x1'] / create, 1000 * remove / count,
                 med['librbd remove x1'] / remove))
    create_floor = med['true'] + med['librbd create']
    remove_floor = med['true'] + med['librbd remove']
    if ready:
        print('cl_volumes, each task after a /bin/true task of its own '
              '(medians: task / its /bin/true; ratios pair by pair):')
        for name in ('bulk create', 'bulk no change', 'bulk purge'):
            print('  %-44s %8.0f ms / %.0f ms' % (
                name[5:], 1000 * med[name], 1000 * med[name + ' true']))
        print('%d volumes created in one task: %.2fx the floor' % (
            count, med['bulk create ratio']))
        print('%d volumes, nothing to change, in one task: %.2fx one '
              'command: /bin/true task' % (count, med['bulk no change ratio']))
        print('%d volumes deleted with purge in one task: %.2fx the floor' % (
            count, med['bulk purge ratio']))
    else:
        print('cl_volumes: its probe task failed here (run it alone to see '
              'why); its ratios are not measured')
    if 'loop create' in med:
        scaled = ('scaled: measured on %d items, times %.0f' % (
            args.loop_volumes, count / args.loop_volumes)
            if args.loop_volumes != count else 'measured')
        print('loop: over cl_volume, %d volumes created (%s): %.0f s, %.1fx '
              'the floor (%.0f ms per item)' % (
                  count, scaled, med['loop create'],
                  med['loop create'] / create_floor,
                  1000 * med['loop create'] / count))
        print('loop: over cl_volume, %d volumes, nothing to change (%s): '
              '%.0f s, %.1fx one command: /bin/true task' % (
                  count, scaled, med['loop no change'],
                  med['loop no change'] / med['true']))
        print('loop: over cl_volume, %d volumes deleted (%s): %.0f s, %.1fx '
              'the floor' % (count, scaled, med['loop delete'],
                             med['loop delete'] / remove_floor))
    if ready:
        for size in (count, args.many):
            print('%d declared volumes, nothing to change: task %.2f s, '
                  'module %.2f s, peak RSS %.0f MiB' % (
                      size, med['many %d seconds' % size],
                      med['many %d module seconds' % size],
                      med['many %d rss' % size]))
        ratio = (med['many %d module seconds' % args.many] /
                 med['many %d module seconds' % count])
        print('%d vs %d declared, nothing to change: %.1fx the time for %.0fx '
              'the volumes' % (args.many, count, ratio, args.many / count))


if __name__ == '__main__':
    main()
