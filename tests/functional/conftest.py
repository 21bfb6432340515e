# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Functional tests: the core against real backends listed in a YAML file.

CL_FTESTS_CFG names the file (default: backends/ceph.yaml); each test runs
once per backend and is named after it.  CL_FTESTS_DB is the persistence
URL (default: a SQLite file in a temporary directory).
"""

import os
import re
import tempfile

import pytest
import yaml

from ansible_collections.openstack.cinderlib.plugins.module_utils import cinderlib as cl

HERE = os.path.dirname(os.path.abspath(__file__))
CONFIG_FILE = os.environ.get('CL_FTESTS_CFG',
                             os.path.join(HERE, 'backends', 'ceph.yaml'))
# Keys of a backend entry that configure the test suite, not the driver.
SUITE_KEYS = ('empty_check',)


def _expand(value):
    if isinstance(value, str):
        def env(match):
            name = match.group(1)
            if name not in os.environ:
                raise pytest.UsageError(
                    '%s needs the environment variable %s (for the Ceph lab: '
                    'eval "$(scripts/ceph-lab.sh env)")' % (CONFIG_FILE, name))
            return os.environ[name]
        return re.sub(r'\$\{(\w+)\}', env, value)
    if isinstance(value, dict):
        return {k: _expand(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_expand(v) for v in value]
    return value


def load_config():
    with open(CONFIG_FILE) as f:
        return _expand(yaml.safe_load(f))


CONFIG = load_config()
BACKEND_NAMES = [b['volume_backend_name'] for b in CONFIG['backends']]
TMP = tempfile.mkdtemp(prefix='cl-ftests-')
DB_URL = os.environ.get('CL_FTESTS_DB', 'sqlite:///%s/cinderlib.sqlite' % TMP)


def backend_config(name):
    for entry in CONFIG['backends']:
        if entry['volume_backend_name'] == name:
            return {k: v for k, v in entry.items() if k not in SUITE_KEYS}
    raise KeyError(name)


def suite_option(name, key):
    for entry in CONFIG['backends']:
        if entry['volume_backend_name'] == name:
            return entry.get(key)


# Ids of the volumes and snapshots this session saved.  Others may use the
# same pool at the same time: the empty check looks at our images only.
SESSION_IDS = set()


def _remember_saved_ids():
    from ansible_collections.openstack.cinderlib.plugins.module_utils import resources

    def remembering(resource, save=resources.Resource._save):
        SESSION_IDS.add(resource.id)
        save(resource)
    resources.Volume._save = resources.Snapshot._save = remembering


def pytest_sessionstart(session):
    setup = dict(CONFIG.get('setup') or {})
    setup.setdefault('file_locks_path', TMP)
    setup['persistence_config'] = {'storage': 'db', 'connection': DB_URL}
    cl.setup(**setup)
    _remember_saved_ids()


@pytest.fixture(scope='session', params=BACKEND_NAMES)
def backend(request):
    name = request.param
    be = cl.Backend(**backend_config(name))
    yield be


def backend_leftovers(backend):
    """What the storage holds that the suite created (for the empty check)."""
    check = suite_option(backend.id, 'empty_check')
    if check == 'rbd':
        driver = backend.driver
        from cinder.volume.drivers import rbd as rbd_driver
        with rbd_driver.RADOSClient(driver) as client:
            proxy = driver.RBDProxy()
            # Images the driver moved to the trash are leftovers too.
            names = sorted(proxy.list(client.ioctx)) + sorted(
                'trash:' + entry['name']
                for entry in proxy.trash_list(client.ioctx))
        return [name for name in names
                if any(saved in name for saved in SESSION_IDS)]
    return []


@pytest.fixture
def volumes(backend):
    """Volumes a test creates; whatever is left is deleted afterwards."""
    created = []
    yield created
    for volume in reversed(created):
        if volume.status == 'deleted':
            continue
        for connection in list(volume.connections):
            connection.detach(ignore_errors=True)
            connection.disconnect(force=True)
        for snapshot in list(volume.snapshots):
            snapshot.delete()
        volume.delete()
    assert not cl.Backend.persistence.get_volumes(backend_name=backend.id)
    assert backend_leftovers(backend) == []
