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
from ansible_collections.openstack.cinderlib.plugins.module_utils.persistence import rows
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


def test_reads_only_the_schema_version_asked_for(written):
    """dbms asks for the version it migrates to (its own SCHEMA_VERSION)."""
    _plugin, path = written
    assert SQLiteReader.open(path, schema_version=99) is None
    assert SQLiteReader.open(path, schema_version=rows.SCHEMA_VERSION)


def test_db_plugin_reads_and_writes_an_existing_file_without_sqlalchemy(
        written):
    plugin, path = written
    plugin.close()
    script = '''
import sys
from ansible_collections.openstack.cinderlib.plugins.module_utils.persistence import base, dbms
plugin = dbms.DBPersistence(%r, unique_names=True)
assert [r['id'] for r in plugin.get_volumes(volume_name='one', backend_name='a')] == ['v1']
plugin.set_key_value(base.KeyValue('new', 'value'))
assert plugin.get_key_values('new') == [base.KeyValue('new', 'value')]
plugin.set_volume(dict(plugin.get_volumes(volume_id='v2')[0], status='in-use'))
plugin.delete_key_value(base.KeyValue('new'))
try:
    plugin.set_volume({'id': 'v3', 'backend': 'a', 'name': 'one',
                       'status': 'available', 'size': 1, 'data': {}})
except Exception as exc:
    assert type(exc).__name__ == 'DuplicateName', exc
else:
    raise AssertionError('a second volume named one on backend a')
plugin.delete_volume('v1')
assert 'sqlalchemy' not in sys.modules
assert sorted(r['id'] for r in plugin.get_volumes()) == ['v2']
assert plugin.get_volumes(volume_id='v2')[0]['status'] == 'in-use'
assert plugin.get_key_values('new') == []
''' % ('sqlite:///' + path)
    subprocess.run([sys.executable, '-c', script], check=True)
    # What it wrote, as SQLAlchemy reads it.
    plugin = dbms.DBPersistence('sqlite:///' + path, pool_pre_ping=True)
    assert [(r['id'], r['status']) for r in plugin.get_volumes()] == [
        ('v2', 'in-use')]
    plugin.close()


def test_row_columns_are_the_schema_columns():
    import sqlalchemy
    _metadata, tables = dbms._schema(sqlalchemy)
    for name, columns in dbms.ROW_COLUMNS.items():
        assert sorted(columns) == sorted(
            c.name for c in tables[name].columns if c.name != 'updated_at')


def _commits(plugin):
    """Count the commits of the plugin's SQLite writer."""
    counted = []
    state = {'in_transaction': False}

    def trace(statement):
        verb = statement.split()[0].upper()
        if verb == 'BEGIN':
            state['in_transaction'] = True
        elif verb == 'COMMIT':
            state['in_transaction'] = False
            counted.append(statement)
        elif verb in ('INSERT', 'UPDATE', 'DELETE') and \
                not state['in_transaction']:
            counted.append(statement)
    plugin._rows()._conn.set_trace_callback(trace)
    return counted


@pytest.mark.parametrize('sqlalchemy', [False, True])
def test_batch_writes_in_one_commit(written, sqlalchemy):
    plugin, path = written
    plugin.close()
    plugin = dbms.DBPersistence('sqlite:///' + path, unique_names=True,
                                **({'pool_pre_ping': True} if sqlalchemy
                                   else {}))
    if sqlalchemy:
        import sqlalchemy as sa
        commits = []
        sa.event.listen(plugin.engine, 'commit', commits.append)
    else:
        commits = _commits(plugin)
    volume = plugin.get_volumes(volume_id='v1')[0]
    with plugin.batch():
        plugin.set_connection(_record('c2', backend='a', name=None,
                                      volume_id='v1'))
        plugin.delete_connection('c1')
        plugin.set_volume(dict(volume, status='in-use'))
        assert [r['id'] for r in plugin.get_connections()] == ['c1']
    assert len(commits) == 1
    assert [r['id'] for r in plugin.get_connections()] == ['c2']
    assert plugin.get_volumes(volume_id='v1')[0]['status'] == 'in-use'
    # A name that changes is checked under the name's lock, after the
    # batch's transaction: a taken one is still refused.
    with pytest.raises(dbms.errors.DuplicateName):
        with plugin.batch():
            plugin.set_volume(dict(volume, name='two'))
            plugin.set_volume(_record('v3', backend='a', name='two', size=1))
    assert [r['id'] for r in plugin.get_volumes(volume_name='two')] == ['v1']
    plugin.close()
