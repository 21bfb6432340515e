# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Our plugins against the conformance suite, and plugin selection.

PostgreSQL and MariaDB run when CL_TEST_PG_URL / CL_TEST_MYSQL_URL are set
(scripts/test.sh sets them after making sure the servers run).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import stat

import pytest

from ansible_collections.openstack.cinderlib.plugins.module_utils import errors
from ansible_collections.openstack.cinderlib.plugins.module_utils import persistence
from ansible_collections.openstack.cinderlib.plugins.module_utils.persistence import base, dbms, memory

from persistence_conformance import PersistenceConformance

URLS = {'postgresql': os.environ.get('CL_TEST_PG_URL'),
        'mariadb': os.environ.get('CL_TEST_MYSQL_URL')}


def _empty(plugin):
    for table in ('volumes', 'snapshots', 'connections'):
        for record in getattr(plugin, 'get_' + table)():
            getattr(plugin, 'delete_' + table[:-1])(record)
    for kv in plugin.get_key_values():
        plugin.delete_key_value(kv)
    return plugin


@pytest.fixture(params=['memory', 'memory_db', 'sqlite', 'sqlite_existing',
                        'postgresql', 'mariadb'])
def plugin(request, tmp_path):
    kind = request.param
    if kind in ('memory', 'memory_db'):
        url = None
    elif kind.startswith('sqlite'):
        url = 'sqlite:///%s' % (tmp_path / 'cl.sqlite')
        if kind == 'sqlite_existing':
            # A file with the schema: written with the standard library.
            persistence.setup({'storage': 'db', 'connection': url}).close()
    else:
        url = URLS[kind]
        if not url:
            pytest.skip('set CL_TEST_%s_URL to test %s' % (
                'PG' if kind == 'postgresql' else 'MYSQL', kind))
    plugin = persistence.setup({'storage': 'db', 'connection': url} if url
                               else {'storage': kind})
    yield _empty(plugin)
    _empty(plugin)
    plugin.close()


class TestOurPlugins(PersistenceConformance):
    pass


def test_default_is_memory():
    assert isinstance(persistence.setup(None), memory.MemoryPersistence)


def test_sqlite_file_is_private(tmp_path):
    path = tmp_path / 'sub' / 'cl.sqlite'
    plugin = persistence.setup({'storage': 'db',
                                'connection': 'sqlite:///%s' % path})
    plugin.set_volume({'id': 'v', 'backend': 'b', 'name': None,
                       'status': 'available', 'size': 1, 'data': {}})
    assert stat.S_IMODE(os.stat(str(path)).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(str(path.parent)).st_mode) == 0o700


def test_sqlite_survives_reopen(tmp_path):
    url = 'sqlite:///%s' % (tmp_path / 'cl.sqlite')
    persistence.setup({'storage': 'db', 'connection': url}).set_volume(
        {'id': 'v', 'backend': 'b', 'name': 'n', 'status': 'available',
         'size': 1, 'data': {'fields': {'a': 1}}})
    again = persistence.setup({'storage': 'db', 'connection': url})
    assert again.get_volumes()[0]['data'] == {'fields': {'a': 1}}


def test_newer_schema_is_refused(tmp_path):
    url = 'sqlite:///%s' % (tmp_path / 'cl.sqlite')
    plugin = persistence.setup({'storage': 'db', 'connection': url})
    with plugin.engine.begin() as conn:
        conn.execute(plugin._tables['schema'].update().values(version=99))
    with pytest.raises(errors.InvalidConfiguration,
                       match='schema version 99, newer'):
        persistence.setup({'storage': 'db', 'connection': url})


def test_db_needs_connection():
    with pytest.raises(errors.InvalidConfiguration, match="needs 'connection'"):
        persistence.setup({'storage': 'db'})


def test_unreachable_db_hides_password():
    with pytest.raises(errors.InvalidConfiguration) as exc:
        persistence.setup({'storage': 'db', 'connection':
                           'mysql+pymysql://u:secretpw@127.0.0.1:1/x'})
    assert 'secretpw' not in str(exc.value)
    assert 'u:***@127.0.0.1:1' in str(exc.value)


def test_missing_dbapi_named():
    with pytest.raises(errors.MissingDependency, match='install'):
        persistence.setup({'storage': 'db', 'connection':
                           'mssql+pymssql://u:p@127.0.0.1/x'})


def test_unknown_storage():
    with pytest.raises(errors.InvalidConfiguration, match='unknown storage'):
        persistence.setup({'storage': 'nosuch'})


def test_missing_storage_key():
    with pytest.raises(errors.InvalidConfiguration, match="'storage'"):
        persistence.setup({'connection': 'sqlite://'})


class MyPlugin(memory.MemoryPersistence):
    def __init__(self, location, **kwargs):
        super(MyPlugin, self).__init__(**kwargs)
        self.location = location


def test_plugin_class_with_options():
    plugin = persistence.setup({'storage': MyPlugin, 'location': 'here'})
    assert isinstance(plugin, MyPlugin) and plugin.location == 'here'


def test_plugin_class_bad_options():
    with pytest.raises(errors.InvalidConfiguration, match='MyPlugin rejected'):
        persistence.setup({'storage': MyPlugin, 'where': 'here'})


def test_plugin_instance():
    instance = MyPlugin('x')
    assert persistence.setup({'storage': instance}) is instance
    with pytest.raises(errors.InvalidConfiguration, match='instance'):
        persistence.setup({'storage': instance, 'location': 'y'})


def test_not_a_plugin():
    with pytest.raises(errors.InvalidConfiguration, match='not a '
                                                          'PersistenceDriverBase'):
        persistence.setup({'storage': dict})


def test_base_methods_must_be_implemented():
    plugin = base.PersistenceDriverBase()
    with pytest.raises(NotImplementedError):
        plugin.get_volumes()


def test_dbms_migrations_are_ordered():
    versions = [version for version, _step in dbms.MIGRATIONS]
    assert versions == sorted(versions)
    assert versions[-1] == dbms.SCHEMA_VERSION
