# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Ten Ansible hosts at once against one storage backend and one database.

An inventory of local hosts (ansible_connection=local, forks = hosts), the
Ceph lab's RBD pool, SQLite or PostgreSQL (+ a tooz lock service); every
task result is recorded (callback_plugins/task_results.py) so the tests can
count what changed and what failed, and compare the pool with the database.
Shared by the pytest suites here and by scripts/soak.sh.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import collections
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(HERE, '..', '..'))
PLAYBOOKS = os.path.join(HERE, 'playbooks')
# The connector of a node the volumes are exported to (RBD needs no more).
CONNECTOR = {'platform': 'x86_64', 'os_type': 'linux', 'ip': '192.0.2.10',
             'multipath': False, 'do_local_attach': False}
BUSY = ('creating', 'deleting', 'extending', 'managing', 'attaching',
        'detaching')


def lab_from_env():
    """The Ceph lab's settings (scripts/ceph-lab.sh env), or None."""
    names = ('CL_CEPH_CONF', 'CL_CEPH_KEYRING', 'CL_CEPH_POOL', 'CL_CEPH_USER')
    if not all(os.environ.get(n) for n in names):
        return None
    return Lab(*(os.environ[n] for n in names))


class Lab(object):
    def __init__(self, conf, keyring, pool, user):
        self.conf, self.keyring, self.pool, self.user = \
            conf, keyring, pool, user

    def backend(self, name='mh-ceph', **extra):
        return dict({'volume_backend_name': name,
                     'volume_driver': 'cinder.volume.drivers.rbd.RBDDriver',
                     'rbd_pool': self.pool, 'rbd_user': self.user,
                     'rbd_ceph_conf': self.conf,
                     'rbd_keyring_conf': self.keyring}, **extra)

    def rbd(self, *args):
        out = subprocess.run(
            ['rbd', '-c', self.conf, '--id', self.user, '--keyring',
             self.keyring, '-p', self.pool, '--format', 'json'] + list(args),
            check=True, capture_output=True, text=True, timeout=60).stdout
        return json.loads(out or '[]')

    def images(self):
        return set(self.rbd('ls'))

    def trash(self):
        return {entry['name'] for entry in self.rbd('trash', 'ls')}

    def snapshots(self, image):
        return {snap['name'] for snap in self.rbd('snap', 'ls', image)}

    def state(self):
        """What the pool holds now: to tell this test's images from others'."""
        return {'images': self.images(), 'trash': self.trash()}


class Store(object):
    """The persistence database the hosts share (and its lock service)."""

    def __init__(self, db_url, coordination_url=None, label=None):
        self.db_url = db_url
        self.coordination_url = coordination_url
        self.label = label or db_url.split(':', 1)[0]
        self._plugin = None

    def plugin(self):
        if self._plugin is None:
            from ansible_collections.openstack.cinderlib.plugins.module_utils import persistence
            self._plugin = persistence.setup(
                {'storage': 'db', 'connection': self.db_url})
        return self._plugin

    def records(self, backend_name):
        plugin = self.plugin()
        volumes = plugin.get_volumes(backend_name=backend_name)
        return {'volumes': volumes,
                'snapshots': [s for v in volumes for s in
                              plugin.get_snapshots(volume_id=v['id'])],
                'connections': [c for v in volumes for c in
                                plugin.get_connections(volume_id=v['id'])]}

    def reset(self):
        """An empty database: no file, or no cl_ tables."""
        self.close()
        if self.db_url.startswith('sqlite:///'):
            path = self.db_url[len('sqlite:///'):]
            for suffix in ('', '-wal', '-shm', '-journal'):
                if os.path.exists(path + suffix):
                    os.remove(path + suffix)
            return
        import sqlalchemy as sa
        engine = sa.create_engine(self.db_url)
        metadata = sa.MetaData()
        metadata.reflect(engine)
        tables = [t for t in metadata.sorted_tables
                  if t.name.startswith('cl_')]
        metadata.drop_all(engine, tables=tables)
        engine.dispose()

    def close(self):
        if self._plugin is not None:
            self._plugin.close()
            self._plugin = None


class Results(list):
    """The results of one playbook run, one dict per host and task."""

    returncode = None
    output = ''

    def by_task(self):
        tasks = collections.OrderedDict()
        for result in self:
            tasks.setdefault(result['task'], []).append(result)
        return tasks

    def counts(self):
        """{task: {'hosts': n, 'changed': n, 'failed': n}} (skips not counted)."""
        counts = collections.OrderedDict()
        for task, results in self.by_task().items():
            ran = [r for r in results if r['status'] != 'skipped']
            if ran:
                counts[task] = {'hosts': len(ran),
                                'changed': sum(r['changed'] for r in ran),
                                'failed': sum(r['failed'] for r in ran)}
        return counts

    def failures(self):
        return [r for r in self if r['failed']]


class Hosts(object):
    """N inventory hosts on this machine, run with forks = N."""

    def __init__(self, workdir, lab, store, count=10, backend_name='mh-ceph',
                 prefix='mh-', backend_extra=None, command_prefix=()):
        self.workdir = workdir
        self.lab = lab
        self.store = store
        self.names = ['mh%02d' % i for i in range(1, count + 1)]
        self.backend_name = backend_name
        self.prefix = prefix
        self.backend_extra = backend_extra or {}
        self.command_prefix = list(command_prefix)
        self.inventory = os.path.join(workdir, 'inventory.ini')
        with open(self.inventory, 'w') as out:
            out.write('[all]\n')
            for name in self.names:
                out.write('%s ansible_connection=local '
                          'ansible_python_interpreter=%s\n' % (
                              name, sys.executable))
        self.lock_path = os.path.join(workdir, 'locks')
        self._runs = 0

    def extra_vars(self, **more):
        extra = {'mh_backend': self.lab.backend(self.backend_name,
                                                **self.backend_extra),
                 'mh_db_url': self.store.db_url,
                 'mh_coordination_url': self.store.coordination_url,
                 'mh_lock_path': self.lock_path, 'mh_prefix': self.prefix,
                 'mh_connector': CONNECTOR}
        extra.update(more)
        return extra

    def command(self, playbook, results_file, **extra):
        self._runs += 1
        vars_file = os.path.join(self.workdir, 'vars-%d.json' % self._runs)
        with open(vars_file, 'w') as out:
            json.dump(self.extra_vars(**extra), out)
        env = dict(os.environ,
                   ANSIBLE_COLLECTIONS_PATH=os.environ.get(
                       'CL_MH_COLLECTIONS_PATH',
                       os.path.join(REPO, '.build', 'collections')),
                   ANSIBLE_CALLBACK_PLUGINS=os.path.join(HERE,
                                                         'callback_plugins'),
                   ANSIBLE_CALLBACKS_ENABLED='task_results',
                   ANSIBLE_FORKS=str(len(self.names)),
                   ANSIBLE_HOST_KEY_CHECKING='false',
                   ANSIBLE_RETRY_FILES_ENABLED='false',
                   ANSIBLE_LOCAL_TEMP=os.path.join(self.workdir, 'tmp'),
                   CL_MH_RESULTS=results_file)
        env.pop('ANSIBLE_CONFIG', None)
        argv = self.command_prefix + [
            os.path.join(os.path.dirname(sys.executable), 'ansible-playbook'),
            '-i', self.inventory, '-e', '@' + vars_file,
            os.path.join(PLAYBOOKS, playbook)]
        return argv, env

    def start(self, playbook, limit=None, **extra):
        """Start a run in the background: (process, results file)."""
        results_file = os.path.join(self.workdir, 'results-%d.jsonl' % (
            self._runs + 1))
        argv, env = self.command(playbook, results_file, **extra)
        if limit:
            argv[-1:-1] = ['--limit', limit]
        log = tempfile.TemporaryFile(mode='w+')
        proc = subprocess.Popen(argv, env=env, stdout=log,
                                stderr=subprocess.STDOUT, cwd=self.workdir)
        proc.log = log
        return proc, results_file

    @staticmethod
    def finish(proc, results_file, timeout=900):
        proc.wait(timeout=timeout)
        results = Results()
        if os.path.exists(results_file):
            with open(results_file) as lines:
                results.extend(json.loads(line) for line in lines)
        results.returncode = proc.returncode
        proc.log.seek(0)
        results.output = proc.log.read()
        proc.log.close()
        return results

    def play(self, playbook, timeout=900, limit=None, **extra):
        proc, results_file = self.start(playbook, limit=limit, **extra)
        return self.finish(proc, results_file, timeout)

    def cleanup(self):
        """Remove what is left of this backend's volumes (one host)."""
        volumes = self.store.records(self.backend_name)['volumes']
        if not volumes:
            return
        # Clones and volumes from snapshots before their sources.
        order = sorted(volumes, key=lambda v: not (
            v['data']['fields'].get('source_volid') or
            v['data']['fields'].get('snapshot_id')))
        self.play('cleanup.yml', limit=self.names[0],
                  mh_cleanup_ids=[v['id'] for v in order])

    def ids(self):
        """{host: id of its volume}, from the database."""
        found = {}
        for record in self.store.records(self.backend_name)['volumes']:
            for host in self.names:
                if record['name'] == self.prefix + host:
                    found[host] = record['id']
        return found


def disagreements(lab, store, backend_name, baseline):
    """How the pool and the database disagree (nothing when they agree).

    ``baseline``: lab.state() before the test, so images of others are
    not counted.  Every volume record has its image and every new image a
    record; every snapshot record has its RBD snapshot and every RBD
    snapshot is a record's or a clone's (.clone_snap of a recorded
    volume); nothing is in the trash or renamed .deleted; no record is in
    a transitional status.
    """
    problems = []
    records = store.records(backend_name)
    recorded = {'volume-%s' % v['id']: v for v in records['volumes']}
    images = lab.images() - baseline['images']
    for image in sorted(images - set(recorded)):
        problems.append('image %s has no record' % image)
    for image in sorted(set(recorded) - lab.images()):
        problems.append('volume record %s has no image' % image)
    volume_ids = {v['id'] for v in records['volumes']}
    for image in sorted(images & set(recorded)):
        wanted = {'snapshot-%s' % s['id'] for s in records['snapshots']
                  if 'volume-%s' % s['volume_id'] == image}
        found = lab.snapshots(image)
        for snap in sorted(wanted - found):
            problems.append('snapshot record %s has no RBD snapshot on %s'
                            % (snap, image))
        for snap in sorted(found - wanted):
            clone = snap[len('volume-'):-len('.clone_snap')] \
                if snap.endswith('.clone_snap') else None
            if clone not in volume_ids:
                problems.append('RBD snapshot %s@%s has no record'
                                % (image, snap))
    for entry in sorted(lab.trash() - baseline['trash']):
        problems.append('image %s is in the RBD trash' % entry)
    for record in [r for kind in records.values() for r in kind]:
        if record['status'] in BUSY:
            problems.append('%s is left in status %s' % (record['id'],
                                                         record['status']))
    return problems
