# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The modules' SQLite reader answers reads exactly as the db plugin does."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import subprocess
import sys

import pytest

from ansible_collections.openstack.cinderlib.plugins.module_utils.persistence import base
from ansible_collections.openstack.cinderlib.plugins.module_utils.persistence import dbms
from ansible_collections.openstack.cinderlib.plugins.module_utils.persistence.sqlite_reader import SQLiteReader


def _record(record_id, **columns):
    return dict(columns, id=record_id, status='available',
                data={'fields': {'id': record_id}})


@pytest.fixture
def written(tmp_path):
    path = str(tmp_path / 'db.sqlite')
    plugin = dbms.DBPersistence('sqlite:///' + path)
    plugin.set_volume(_record('v1', backend='a', name='one', size=1))
    plugin.set_volume(_record('v2', backend='b', name='one', size=2))
    plugin.set_snapshot(_record('s1', backend='a', name='snap', size=1,
                                volume_id='v1'))
    plugin.set_connection(_record('c1', backend='a', name=None,
                                  volume_id='v1'))
    plugin.set_key_value(base.KeyValue('k', '{"x": 1}'))
    yield plugin, path
    plugin.close()


@pytest.mark.parametrize('method, filters', [
    ('get_volumes', {}),
    ('get_volumes', {'volume_name': 'one'}),
    ('get_volumes', {'volume_name': 'one', 'backend_name': 'b'}),
    ('get_volumes', {'volume_id': 'nosuch'}),
    ('get_snapshots', {'volume_id': 'v1'}),
    ('get_snapshots', {'snapshot_name': 'snap', 'volume_id': 'v2'}),
    ('get_connections', {'volume_id': 'v1'}),
    ('get_key_values', {}),
    ('get_key_values', {'key': 'k'}),
])
def test_same_answers(written, method, filters):
    plugin, path = written
    reader = SQLiteReader.open(path)

    def ordered(found):
        return sorted(found, key=repr)
    assert ordered(getattr(reader, method)(**filters)) == \
        ordered(getattr(plugin, method)(**filters))


def test_missing_file_reads_as_empty(tmp_path):
    reader = SQLiteReader.open(str(tmp_path / 'none.sqlite'))
    assert reader.get_volumes(volume_name='x') == []
    assert reader.get_key_values() == []
    assert not (tmp_path / 'none.sqlite').exists()


def test_other_schema_version_falls_back(written):
    plugin, path = written
    with plugin.engine.begin() as conn:
        conn.exec_driver_sql('UPDATE cl_schema SET version = 99')
    assert SQLiteReader.open(path) is None


def test_db_plugin_reads_without_sqlalchemy_until_a_write(written):
    plugin, path = written
    plugin.close()
    script = '''
import sys
from ansible_collections.openstack.cinderlib.plugins.module_utils.persistence import base, dbms
plugin = dbms.DBPersistence(%r)
assert [r['id'] for r in plugin.get_volumes(volume_name='one', backend_name='a')] == ['v1']
assert 'sqlalchemy' not in sys.modules
plugin.set_key_value(base.KeyValue('new', 'value'))
assert 'sqlalchemy' in sys.modules
assert plugin.get_key_values('new') == [base.KeyValue('new', 'value')]
assert len(plugin.get_volumes()) == 2
''' % ('sqlite:///' + path)
    subprocess.run([sys.executable, '-c', script], check=True)
