# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""persistence/dbms.py, the db plugin: the SQLite file's permissions and
reopening, the schema version and migrations, and connection failures
(the conformance suite in test_conformance.py runs it as well)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import stat

import pytest

from ansible_collections.openstack.cinderlib.plugins.module_utils import errors
from ansible_collections.openstack.cinderlib.plugins.module_utils import persistence
from ansible_collections.openstack.cinderlib.plugins.module_utils.persistence import dbms


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


def test_dbms_migrations_are_ordered():
    versions = [version for version, _step in dbms.MIGRATIONS]
    assert versions == sorted(versions)
    assert versions[-1] == dbms.SCHEMA_VERSION
