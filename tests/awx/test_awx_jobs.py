# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The collection's playbooks run as AWX runs a job template.

AWX hands each job to ansible-runner as a *private data dir*: `project/`
(the project's checkout, with the collections its project update installed
from `collections/requirements.yml` beside it in `requirements_collections/`),
`inventory/`, `env/extravars` (the job's extra variables, the survey's
answers, and what credentials inject as extra variables), `env/envvars`
(what credentials inject as environment variables) and the files credentials
inject.  This test builds those the same way, runs `ansible-runner run`
(no process isolation, no container engine: the runner's virtualenv stands
in for the execution environment's ansible-core, the project venv's Python
for the EE's Python), and reads the job back from `artifacts/<job id>/`:
`status`, `rc`, the job events and stdout (which AWX stores and shows),
and the final `playbook_on_stats` event (changes per host, `set_stats` data
as `artifact_data`).

Environment (scripts/test.sh awx sets them):
  CL_AWX_RUNNER      the ansible-runner executable (tests/awx/run.sh installs it)
  CL_AWX_TARBALL     the collection tarball, as built for Galaxy
  CL_AWX_PG_ADMIN    a PostgreSQL URL with the right to create roles
  CL_AWX_DB_NAME     the database the jobs keep their metadata in
  CL_CEPH_CONF, CL_CEPH_KEYRING, CL_CEPH_POOL, CL_CEPH_USER  the Ceph lab
"""

import glob
import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile

import psycopg
import pytest
import yaml

ENV = os.environ
RUNNER = ENV.get('CL_AWX_RUNNER')
pytestmark = pytest.mark.skipif(
    not RUNNER, reason='CL_AWX_RUNNER unset: run through tests/awx/run.sh')

# The job template's survey answers: the volume list, as provision.yml
# takes it, and the attachments for attach.yml.
VOLUMES = [{'name': 'awx-data', 'size': 1,
            'snapshots': [{'name': 'awx-data-nightly'}],
            'clones': [{'name': 'awx-data-copy', 'size': 2}]},
           {'name': 'awx-logs', 'size': 1}]
ABSENT = [{'name': 'awx-data', 'state': 'absent', 'cascade': True,
           'snapshots': [{'name': 'awx-data-nightly'}],
           'clones': [{'name': 'awx-data-copy'}]},
          {'name': 'awx-logs', 'state': 'absent'}]
ATTACH = [{'volume': 'awx-data', 'node': 'node1'}]
DETACH = [{'volume': 'awx-data', 'node': 'node1', 'state': 'absent'}]

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# The project's playbooks, as docs/awx.md gives them (```yaml NAME blocks).
PROJECT_PLAYBOOKS = ('awx-provision.yml', 'awx-attach.yml')


def documented_files(names):
    with open(os.path.join(REPO, 'docs', 'awx.md')) as f:
        page = f.read()
    files = dict(re.findall(r'(?ms)^```yaml (\S+)\n(.*?)^```$', page))
    missing = [name for name in names if name not in files]
    assert not missing, 'docs/awx.md has no ```yaml block for %s' % ', '.join(missing)
    return {name: files[name] for name in names}


def _run(cmd, **kwargs):
    result = subprocess.run(cmd, capture_output=True, text=True, check=False, **kwargs)
    if result.returncode:
        pytest.fail('%s failed (%d):\n%s\n%s' % (' '.join(cmd), result.returncode,
                                                 result.stdout, result.stderr))
    return result


class Awx(object):
    """Project update once, then one fresh private data dir per job."""

    def __init__(self, root, db_url, keyring_key):
        self.root = root
        self.db_url = db_url
        self.keyring_key = keyring_key
        self.secrets = {
            'the Ceph key': keyring_key,
            'the database password': psycopg.conninfo.conninfo_to_dict(
                db_url.replace('+psycopg', ''))['password'],
        }
        self.jobs = 0
        self.project = os.path.join(root, 'projects', '_1__cinderlib')
        self.cache = os.path.join(root, 'projects', '.__awx_cache', '_1__cinderlib')
        self._write_project()
        self._project_update()

    def _write_project(self):
        os.makedirs(os.path.join(self.project, 'collections'))
        for name, text in documented_files(PROJECT_PLAYBOOKS).items():
            with open(os.path.join(self.project, name), 'w') as f:
                f.write(text)
        with open(os.path.join(self.project, 'collections', 'requirements.yml'), 'w') as f:
            yaml.safe_dump({'collections': [
                {'name': ENV['CL_AWX_TARBALL'], 'type': 'file'}]}, f)

    def _project_update(self):
        # AWX's project update: ansible-galaxy, in the EE, installs the
        # project's collections/requirements.yml into the project's cache;
        # each job gets a copy as requirements_collections/.
        galaxy = os.path.join(os.path.dirname(RUNNER), 'ansible-galaxy')
        _run([galaxy, 'collection', 'install', '--force',
              '-r', os.path.join(self.project, 'collections', 'requirements.yml'),
              '-p', os.path.join(self.cache, 'requirements_collections')],
             cwd=self.project)

    def job(self, playbook, survey, verbosity=0):
        """Run one job of the project's ``playbook`` with the survey's
        answers (lists, given as AWX gives textarea answers: YAML text)."""
        self.jobs += 1
        ident = str(self.jobs)
        pdd = tempfile.mkdtemp(prefix='awx_%s_' % ident, dir=self.root)
        shutil.copytree(self.project, os.path.join(pdd, 'project'))
        shutil.copytree(os.path.join(self.cache, 'requirements_collections'),
                        os.path.join(pdd, 'requirements_collections'))
        env = os.path.join(pdd, 'env')
        os.makedirs(env)
        os.makedirs(os.path.join(pdd, 'inventory'))
        # Credential "Ceph client" (docs/awx.md): its file injectors write
        # the ceph.conf and the keyring it holds into the private data dir;
        # extra variables name both files, and CEPH_ARGS in the environment
        # tells librados where the key is. The ceph.conf is what
        # `ceph config generate-minimal-conf` prints: no keyring line.
        keyring_file = os.path.join(env, 'tmp_ceph_keyring')
        with open(keyring_file, 'w') as f:
            f.write('[client.%s]\n\tkey = %s\n' % (ENV['CL_CEPH_USER'], self.keyring_key))
        conf_file = os.path.join(env, 'tmp_ceph_conf')
        with open(ENV['CL_CEPH_CONF']) as f:
            minimal = re.findall(r'(?m)^(?:fsid|mon_host) = .*$', f.read())
        with open(conf_file, 'w') as f:
            f.write('[global]\n%s\n' % '\n'.join(minimal))
        credential_vars = {
            'ceph_conf_file': conf_file,
            'ceph_keyring_file': keyring_file,
            # Credential "cinderlib database".
            'cinderlib_db_url': self.db_url,
        }
        # What the job template fixes (its extra variables), then the survey.
        template_vars = {
            'cinderlib_backend': {
                'volume_backend_name': 'ceph-awx',
                'volume_driver': 'cinder.volume.drivers.rbd.RBDDriver',
                'rbd_pool': ENV['CL_CEPH_POOL'],
                'rbd_user': ENV['CL_CEPH_USER'],
                'rbd_ceph_conf': '{{ ceph_conf_file }}',
                'rbd_keyring_conf': '{{ ceph_keyring_file }}',
                'rados_connect_timeout': 10,
            },
            'cinderlib_lock_path': os.path.join(self.root, 'locks'),
        }
        with open(os.path.join(env, 'extravars'), 'w') as f:
            answers = {name: yaml.safe_dump(value) for name, value in survey.items()}
            yaml.safe_dump(dict(template_vars, **credential_vars, **answers), f)
        # The job's environment: what AWX sets that matters here, and what
        # credentials inject.
        with open(os.path.join(env, 'envvars'), 'w') as f:
            yaml.safe_dump({
                'ANSIBLE_COLLECTIONS_PATH': os.path.join(pdd, 'requirements_collections'),
                # Credential "Ceph client", env injector.
                'CEPH_ARGS': '--keyring %s' % keyring_file,
                'ANSIBLE_FORCE_COLOR': 'False',
                'ANSIBLE_HOST_KEY_CHECKING': 'False',
                'ANSIBLE_RETRY_FILES_ENABLED': 'False',
                'JOB_ID': ident,
            }, f)
        with open(os.path.join(env, 'settings'), 'w') as f:
            yaml.safe_dump({'job_timeout': 600}, f)
        # The inventory: plays on the storage side run in the EE itself
        # (connection local, the EE's Python); here the node is this machine.
        # ansible_become false: there is no sudo in an EE, and inventory
        # variables win over the playbooks' `become: true`.
        local = {'ansible_connection': 'local', 'ansible_become': False,
                 'ansible_python_interpreter': sys.executable}
        with open(os.path.join(pdd, 'inventory', 'hosts'), 'w') as f:
            yaml.safe_dump({'all': {'children': {
                'cinderlib_storage': {'hosts': {'ceph-ee': local}},
                'cinderlib_nodes': {'hosts': {'node1': local}},
            }}}, f)
        cmd = [RUNNER, 'run', pdd, '-p', playbook, '--ident', ident]
        if verbosity:
            cmd.append('-' + 'v' * verbosity)
        # The EE's PATH: its ansible-playbook first.
        path = os.path.dirname(RUNNER) + os.pathsep + ENV['PATH']
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                       text=True, timeout=900, env=dict(ENV, PATH=path), check=False)
        return Job(pdd, os.path.join(pdd, 'artifacts', ident), self)


class Job(object):

    def __init__(self, pdd, artifacts, awx):
        self.pdd = pdd
        self.artifacts = artifacts
        self.awx = awx
        with open(os.path.join(artifacts, 'status')) as f:
            self.status = f.read().strip()
        with open(os.path.join(artifacts, 'rc')) as f:
            self.rc = int(f.read().strip())
        self.events = []
        for path in glob.glob(os.path.join(artifacts, 'job_events', '*.json')):
            with open(path) as f:
                self.events.append(json.load(f))
        self.events.sort(key=lambda e: e['counter'])
        with open(os.path.join(artifacts, 'stdout')) as f:
            self.stdout = f.read()
        # The secrets were there, as searched for, in what the job was given.
        given = ''
        for name in os.listdir(os.path.join(pdd, 'env')):
            with open(os.path.join(pdd, 'env', name)) as f:
                given += f.read()
        assert all(value in given for value in awx.secrets.values())
        # As AWX does after a job: the credentials' files and the extra
        # variables (which hold the database URL) go with the private data dir.
        shutil.rmtree(os.path.join(pdd, 'env'))

    def explain(self):
        return 'job %s: status %s, rc %d\n%s' % (os.path.basename(self.artifacts),
                                                 self.status, self.rc, self.stdout[-6000:])

    @property
    def stats(self):
        final = self.events[-1]
        assert final['event'] == 'playbook_on_stats', self.explain()
        return final['event_data']

    def changed_tasks(self):
        return [(e['event_data'].get('host'), e['event_data'].get('task'))
                for e in self.events
                if e['event'] == 'runner_on_ok' and e['event_data']['res'].get('changed')]

    def results(self, task, items=False):
        """The event data of a task's results: per host, or per loop item."""
        kinds = ('runner_item_on_ok', 'runner_item_on_failed') if items else (
            'runner_on_ok', 'runner_on_failed', 'runner_on_skipped')
        return [e['event_data'] for e in self.events
                if e['event'] in kinds and e['event_data'].get('task') == task]

    def assert_successful(self):
        assert (self.status, self.rc) == ('successful', 0), self.explain()
        assert not self.stats['failures'] and not self.stats['dark'], self.explain()

    def assert_no_change(self):
        self.assert_successful()
        assert not self.stats['changed'], (self.changed_tasks(), self.explain())

    def assert_no_secret(self):
        """Nothing the job left in artifacts/<id>/ holds a secret: the job
        events and stdout (what AWX stores and shows), the command and its
        environment, stderr, the fact cache."""
        shown = []
        for directory, _dirs, files in os.walk(self.artifacts):
            for name in files:
                with open(os.path.join(directory, name), errors='replace') as f:
                    shown.append((os.path.relpath(f.name, self.artifacts), f.read()))
        assert any(name.startswith('job_events') for name, _text in shown), shown
        for what, value in self.awx.secrets.items():
            leaks = [name for name, text in shown if value in text]
            assert not leaks, '%s appears in %s' % (what, ', '.join(leaks[:5]))

    def assert_collection_from_project_update(self):
        """The tasks ran from the collection the project update installed
        from the tarball (not from any other copy)."""
        paths = {e['event_data']['task_path'].split(':')[0] for e in self.events
                 if e['event'] == 'playbook_on_task_start'}
        where = os.path.join(self.pdd, 'requirements_collections',
                             'ansible_collections', 'openstack', 'cinderlib', 'playbooks')
        assert paths and all(p.startswith(where + os.sep) for p in paths), paths


@pytest.fixture(scope='module')
def db_url():
    """A role with a password, and a database of its own, in the shared
    PostgreSQL; both dropped afterwards."""
    admin = ENV['CL_AWX_PG_ADMIN'].replace('+psycopg', '')
    role = '%s_role' % ENV['CL_AWX_DB_NAME']
    password = 'awx-%s' % secrets.token_hex(12)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute('DROP DATABASE IF EXISTS %s' % ENV['CL_AWX_DB_NAME'])
        conn.execute('DROP ROLE IF EXISTS %s' % role)
        conn.execute("CREATE ROLE %s LOGIN PASSWORD '%s'" % (role, password))
        conn.execute('CREATE DATABASE %s OWNER %s' % (ENV['CL_AWX_DB_NAME'], role))
    info = psycopg.conninfo.conninfo_to_dict(admin)
    yield 'postgresql+psycopg://%s:%s@%s:%s/%s' % (
        role, password, info.get('host', '127.0.0.1'), info.get('port', 5432),
        ENV['CL_AWX_DB_NAME'])
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute('DROP DATABASE IF EXISTS %s WITH (FORCE)' % ENV['CL_AWX_DB_NAME'])
        conn.execute('DROP ROLE IF EXISTS %s' % role)


@pytest.fixture(scope='module')
def awx(db_url, tmp_path_factory):
    with open(ENV['CL_CEPH_KEYRING']) as f:
        key = re.search(r'key\s*=\s*(\S+)', f.read()).group(1)
    return Awx(str(tmp_path_factory.mktemp('awx')), db_url, key)


@pytest.fixture(scope='module')
def provisioned(awx):
    job = awx.job('awx-provision.yml', {'cinderlib_volumes_yaml': VOLUMES})
    yield job
    cleanup = awx.job('awx-provision.yml', {'cinderlib_volumes_yaml': ABSENT})
    cleanup.assert_successful()
    cleanup.assert_no_secret()


def test_provision_job(provisioned):
    provisioned.assert_successful()
    provisioned.assert_collection_from_project_update()
    # One cl_volumes task: its items' results are in its ``volumes``.
    created = [item for e in provisioned.results('Create or grow the volumes')
               for item in e['res']['volumes'] if item['changed']]
    assert {item['name'] for item in created} == {'awx-data', 'awx-logs'}
    assert provisioned.stats['changed'] == {'ceph-ee': 3}, provisioned.changed_tasks()
    provisioned.assert_no_secret()


def test_provision_job_again_changes_nothing(awx, provisioned):
    again = awx.job('awx-provision.yml', {'cinderlib_volumes_yaml': VOLUMES})
    again.assert_no_change()
    again.assert_no_secret()


def test_attach_job(awx, provisioned):
    """The node side that this machine can do: the node's connector, the
    export on the storage side (with the key, no_log); the RBD attach
    itself needs the kernel's rbd module, which this kernel lacks, so
    cl_attach fails on the node, naming it, and leaks no key doing so."""
    job = awx.job('awx-attach.yml', {'cinderlib_attachments_yaml': ATTACH}, verbosity=3)
    job.assert_no_secret()
    connector = job.results('Read this node\'s connector')
    assert [e['host'] for e in connector] == ['node1'], job.explain()
    assert connector[0]['res']['connector']['host'], connector
    # no_log hides the export's results (they carry the key) from the job
    # events: its one change shows in the stats.
    export = job.results('Export the volumes to their nodes', items=True)
    assert [e['res'].get('censored') is not None for e in export] == [True], job.explain()
    assert job.stats['changed'] == {'ceph-ee': 1}, job.changed_tasks()
    attach = job.results('Attach the volumes on their nodes', items=True)
    assert len(attach) == 1 and attach[0]['res'].get('censored'), attach
    assert '[ceph-ee -> node1]' in job.stdout, job.explain()
    if os.path.exists('/sys/bus/rbd'):
        job.assert_successful()
        published = job.stats['artifact_data']['cinderlib_attached']
        assert [(p['volume'], p['node']) for p in published] == [('awx-data', 'node1')]
    else:
        # The failure is the node's: `rbd map` finds no rbd kernel module.
        assert (job.status, job.rc) == ('failed', 2), job.explain()
        assert 'rbd kernel module' in job.stdout, job.explain()
        assert job.stats['failures'] == {'ceph-ee': 1}, job.stats
        assert not job.stats.get('artifact_data'), job.stats

    detach = awx.job('awx-attach.yml', {'cinderlib_attachments_yaml': DETACH})
    detach.assert_successful()
    detach.assert_no_secret()
    removed = detach.results('Terminate the connections', items=True)
    assert [e['res'].get('changed') for e in removed] == [True], detach.explain()

    again = awx.job('awx-attach.yml', {'cinderlib_attachments_yaml': DETACH})
    again.assert_no_change()
    again.assert_no_secret()
