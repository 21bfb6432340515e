# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Where the modules keep their database (the SQLite file of db_url, the
plugin's configuration), and the backend option's refusals."""

import pytest

from ansible_collections.openstack.cinderlib.plugins.module_utils import storage_module
from ansible_collections.openstack.cinderlib.plugins.module_utils.results import Refused


def spec(**params):
    return storage_module.StorageModule.without_ansible(dict({
        'backend': {'volume_backend_name': 'b',
                    'volume_driver': 'fake_driver.FakeDriver'}}, **params))


@pytest.mark.parametrize('db_url, path', [
    ('sqlite:////tmp/x/cl.sqlite', '/tmp/x/cl.sqlite'),
    ('sqlite:////tmp/x/cl.sqlite?timeout=5', '/tmp/x/cl.sqlite'),
    ('sqlite:///:memory:', None),
    ('sqlite:///file:/tmp/x.db?mode=ro&uri=true', None),
    ('postgresql://u@db/cl', None),
])
def test_the_sqlite_file_of_db_url(db_url, path):
    sm = spec(db_url=db_url)
    assert sm._sqlite_path() == path
    # The plugin gets the URL as given, options and all.
    assert sm.persistence_config()['connection'] == db_url


def test_no_sqlite_fast_path_for_a_persistence_plugin():
    assert spec(persistence={'storage': 'memory'})._sqlite_path() is None


@pytest.mark.parametrize('backend, message', [
    (None, 'backend is required'),
    ({'volume_driver': 'x'}, 'backend.volume_backend_name is required'),
    ({'volume_backend_name': 'b'}, 'backend.volume_driver is required'),
])
def test_backend_option_refusals(backend, message):
    with pytest.raises(Refused, match=message):
        storage_module.backend_options(backend)
