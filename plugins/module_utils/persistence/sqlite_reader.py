# -*- coding: utf-8 -*-
# Copyright: contributors to the openstack.cinderlib collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read-only access to a ``db`` plugin's SQLite file with the standard library.

Importing SQLAlchemy costs more than a whole no-change Ansible task, so the
modules look records up here first and build the real plugin only when they
write.  No file yet reads as no records; anything unexpected (another schema
version, a damaged file) makes ``open`` return None and the caller falls
back to the real plugin.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import sqlite3

from ansible_collections.openstack.cinderlib.plugins.module_utils.persistence import base
from ansible_collections.openstack.cinderlib.plugins.module_utils.persistence import dbms

_TABLES = {'volumes': 'cl_volumes', 'snapshots': 'cl_snapshots',
           'connections': 'cl_connections'}


class SQLiteReader(object):
    """The read half of the persistence contract, on a SQLite file."""

    def __init__(self, conn):
        self._conn = conn

    @classmethod
    def open(cls, path):
        if not os.path.exists(path):
            return cls(None)
        try:
            conn = sqlite3.connect('file:%s?mode=ro' % path, uri=True,
                                   timeout=30)
            conn.row_factory = sqlite3.Row
            version = conn.execute('SELECT version FROM cl_schema').fetchone()
        except sqlite3.Error:
            return None
        if not version or version[0] != dbms.SCHEMA_VERSION:
            conn.close()
            return None
        return cls(conn)

    def _get(self, table, **filters):
        if self._conn is None:
            return []
        where = [(column, value) for column, value in sorted(filters.items())
                 if value is not None]
        query = 'SELECT * FROM %s' % _TABLES[table]
        if where:
            query += ' WHERE ' + ' AND '.join('%s = ?' % column
                                              for column, _value in where)
        rows = self._conn.execute(query, [value for _column, value in where])
        return [dbms.record_from_columns(dict(row)) for row in rows]

    def get_volumes(self, volume_id=None, volume_name=None, backend_name=None):
        return self._get('volumes', id=volume_id, name=volume_name,
                         backend=backend_name)

    def get_snapshots(self, snapshot_id=None, snapshot_name=None,
                      volume_id=None):
        return self._get('snapshots', id=snapshot_id, name=snapshot_name,
                         volume_id=volume_id)

    def get_connections(self, connection_id=None, volume_id=None):
        return self._get('connections', id=connection_id, volume_id=volume_id)

    def get_key_values(self, key=None):
        if self._conn is None:
            return []
        query = 'SELECT key, value FROM cl_key_values'
        args = ()
        if key is not None:
            query += ' WHERE key = ?'
            args = (key,)
        return [base.KeyValue(row['key'], row['value'])
                for row in self._conn.execute(query + ' ORDER BY key', args)]

    def close(self):
        if self._conn is not None:
            self._conn.close()
