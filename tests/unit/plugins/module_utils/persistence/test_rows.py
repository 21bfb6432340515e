# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""persistence/rows.py: what the SQLAlchemy plugin and the SQLite reader
share."""

import json

from ansible_collections.openstack.cinderlib.plugins.module_utils.persistence import dbms, rows
from ansible_collections.openstack.cinderlib.plugins.module_utils.persistence.sqlite_reader import SQLiteReader


class Calls(rows.RecordReads):
    """Records the ``_get`` each read makes; returns ``found``."""

    def __init__(self, found=()):
        self.calls = []
        self.found = list(found)

    def _get(self, table, **filters):
        self.calls.append((table, filters))
        return list(self.found)


def test_reads_filter_by_column():
    reads = Calls()
    reads.get_volumes(volume_id='v1')
    reads.get_volumes(volume_name='data', backend_name='b1')
    reads.get_snapshots(snapshot_name='daily', volume_id='v1')
    reads.get_connections(connection_id='c1')
    reads.get_volume_types(type_name='gold')
    assert reads.calls == [
        ('volumes', {'id': 'v1', 'name': None, 'backend': None}),
        ('volumes', {'id': None, 'name': 'data', 'backend': 'b1'}),
        ('snapshots', {'id': None, 'name': 'daily', 'volume_id': 'v1'}),
        ('connections', {'id': 'c1', 'volume_id': None}),
        ('volume_types', {'id': None, 'name': 'gold'}),
    ]


def test_volume_types_come_sorted_by_name():
    reads = Calls([{'name': 'silver'}, {'name': 'gold'}])
    assert [t['name'] for t in reads.get_volume_types()] == ['gold', 'silver']


def test_record_from_columns_parses_data_and_drops_updated_at():
    columns = {'id': 'v1', 'status': 'available', 'updated_at': 'then',
               'data': json.dumps({'fields': {'size': 1}})}
    assert rows.record_from_columns(columns) == {
        'id': 'v1', 'status': 'available', 'data': {'fields': {'size': 1}}}


def test_the_plugin_uses_the_shared_layout():
    assert dbms.SCHEMA_VERSION == rows.SCHEMA_VERSION
    assert dbms.LOCK_TIMEOUT == rows.LOCK_TIMEOUT
    assert issubclass(dbms.DBPersistence, rows.RecordReads)
    assert issubclass(SQLiteReader, rows.RecordReads)


def test_tables_are_the_schema_tables():
    import sqlalchemy
    _metadata, tables = dbms._schema(sqlalchemy)
    names = {table.name for table in tables.values()}
    assert set(rows.TABLES.values()) == names - {'cl_schema'}
