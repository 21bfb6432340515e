# -*- coding: utf-8 -*-
# Copyright: contributors to the openstack.cinderlib collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read-only access to a ``db`` plugin's SQLite file with the standard library.

Importing SQLAlchemy costs more than a whole no-change Ansible task, so the
modules look records up here first and build the real plugin only when they
write.  No file yet, or a file another process is creating (no tables
committed yet), reads as no records; anything unexpected (another schema
version, a damaged file) makes ``open`` return None and the caller falls
back to the real plugin.
"""

import os
import sqlite3
import urllib.parse

from ansible_collections.openstack.cinderlib.plugins.module_utils.persistence import base
from ansible_collections.openstack.cinderlib.plugins.module_utils.persistence import dbms

_TABLES = {'volumes': 'cl_volumes', 'snapshots': 'cl_snapshots',
           'connections': 'cl_connections',
           'volume_types': 'cl_volume_types'}


def sqlite_file(url):
    """The file a SQLite URL (``sqlite:///<path>[?<options>]``) names, or
    None: not SQLite, in memory, or a URI filename (``uri=true``: SQLite
    parses the name itself), which only the real plugin opens."""
    prefix = 'sqlite:///'
    if not isinstance(url, str) or not url.startswith(prefix):
        return None
    path, _sep, query = url[len(prefix):].partition('?')
    if 'uri' in urllib.parse.parse_qs(query):
        return None
    return path if path and path != ':memory:' else None


class SQLiteReader(dbms.RecordReads):
    """The read half of the persistence contract, on a SQLite file."""

    def __init__(self, conn):
        self._conn = conn

    @property
    def empty(self):
        """True when there are no records to read: no file yet, or one that
        another process is still creating (no tables committed yet)."""
        return self._conn is None

    @classmethod
    def open(cls, path):
        if not os.path.exists(path):
            return cls(None)
        conn = None
        try:
            # Read-only: this connection never checkpoints, and so never
            # deletes the WAL file as the last connection to close.
            # Drivers may read from other threads (eventlet's tpool).
            conn = sqlite3.connect('file:%s?mode=ro' % path, uri=True,
                                   timeout=30, check_same_thread=False)
            conn.row_factory = sqlite3.Row
            if not conn.execute('SELECT 1 FROM sqlite_master LIMIT 1'
                                ).fetchall():
                # Created by another process that has not committed its
                # tables yet (or by SQLite for nothing): no records.
                conn.close()
                return cls(None)
            version = conn.execute('SELECT version FROM cl_schema').fetchone()
        except sqlite3.Error:
            if conn is not None:
                conn.close()
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
