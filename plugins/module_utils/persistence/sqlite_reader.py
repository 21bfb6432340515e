# -*- coding: utf-8 -*-
# Copyright: contributors to the openstack.cinderlib collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A ``db`` plugin's SQLite file through the standard library's sqlite3.

Importing SQLAlchemy costs more than a whole no-change Ansible task, and
its engine about 20 MiB of memory and a fifth of a millisecond per
statement: an existing file with the current schema is read here
(``SQLiteReader``, read-only: what no-change tasks open) and written here
(``SQLiteWriter``, from the plugin's first write on).  SQLAlchemy still
creates and migrates the schema, and serves every other database.  No file
yet, or a file another process is creating (no tables committed yet), reads
as no records; anything unexpected (another schema version, a damaged file)
makes ``open`` return None and the caller falls back to SQLAlchemy.
"""

import contextlib
import datetime
import os
import sqlite3
import threading
import urllib.parse

from ansible_collections.openstack.cinderlib.plugins.module_utils.persistence import rows


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


class SQLiteReader(rows.RecordReads):
    """The read half of the persistence contract, on a SQLite file."""

    # sqlite3's errors, for the plugin's error sentences.
    Error = sqlite3.Error

    def __init__(self, conn):
        self._conn = conn
        # Drivers may read from other threads (eventlet's tpool): one
        # statement or transaction at a time on the one connection.
        self._lock = threading.RLock()

    @property
    def empty(self):
        """True when there are no records to read: no file yet, or one that
        another process is still creating (no tables committed yet)."""
        return self._conn is None

    # The file's open mode (SQLite URI ``mode``).
    MODE = 'ro'

    @classmethod
    def open(cls, path, schema_version=rows.SCHEMA_VERSION):
        """The file's reader, if it holds ``schema_version`` (the one the
        caller knows: dbms passes its own)."""
        if not os.path.exists(path):
            return cls(None)
        conn = None
        try:
            # Read-only: this connection never checkpoints, and so never
            # deletes the WAL file as the last connection to close.
            # Autocommit (isolation_level None): transactions are explicit.
            conn = sqlite3.connect(
                'file:%s?mode=%s' % (urllib.parse.quote(path), cls.MODE),
                uri=True, timeout=rows.LOCK_TIMEOUT, isolation_level=None,
                check_same_thread=False)
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
        if not version or version[0] != schema_version:
            conn.close()
            return None
        return cls(conn)

    def _get(self, table, **filters):
        if self._conn is None:
            return []
        where = [(column, value) for column, value in sorted(filters.items())
                 if value is not None]
        query = 'SELECT * FROM %s' % rows.TABLES[table]
        if where:
            query += ' WHERE ' + ' AND '.join('%s = ?' % column
                                              for column, _value in where)
        with self._lock:
            found = self._conn.execute(
                query, [value for _column, value in where]).fetchall()
        return [rows.record_from_columns(dict(row)) for row in found]

    def get_key_values(self, key=None):
        if self._conn is None:
            return []
        query = 'SELECT key, value FROM cl_key_values'
        args = ()
        if key is not None:
            query += ' WHERE key = ?'
            args = (key,)
        with self._lock:
            found = self._conn.execute(query + ' ORDER BY key', args).fetchall()
        # The plugin contract's module, only when key values are read.
        from ansible_collections.openstack.cinderlib.plugins.module_utils.persistence.base import KeyValue
        return [KeyValue(row['key'], row['value']) for row in found]

    def close(self):
        if self._conn is not None:
            self._conn.close()


class SQLiteWriter(SQLiteReader):
    """The reads and the row writes DBPersistence makes, on a SQLite file
    with the current schema (``open`` returns None otherwise, and for a
    file that does not exist or has no tables: SQLAlchemy creates those).

    Each write outside ``serialized`` is one statement and one commit.
    """

    MODE = 'rw'

    @classmethod
    def open(cls, path, schema_version=rows.SCHEMA_VERSION):
        writer = super().open(path, schema_version)
        if writer is None or writer.empty:
            return None
        try:
            # As the SQLAlchemy engine's connections (dbms._sqlite_pragmas).
            writer._conn.execute('PRAGMA journal_mode=WAL').fetchall()
        except sqlite3.Error:
            writer.close()
            return None
        return writer

    @contextlib.contextmanager
    def serialized(self, _key):
        """A transaction no other writer of the file runs beside (SQLite
        has one writer per file: ``BEGIN IMMEDIATE`` takes its lock);
        commits at the end, rolls back on an error."""
        with self._lock:
            self._conn.execute('BEGIN IMMEDIATE')
            try:
                yield self._conn
            except BaseException:
                self._conn.rollback()
                raise
            self._conn.execute('COMMIT')

    def transaction(self):
        """A transaction of several writes (one commit)."""
        return self.serialized(None)

    def upsert(self, conn, table_name, key, values):
        """Insert the row, or replace the one with the same ``key``."""
        columns = tuple(values)
        statement = 'INSERT INTO %s (%s) VALUES (%s)' % (
            _table(table_name), ', '.join(columns),
            ', '.join('?' * len(columns)))
        updates = ', '.join('%s = excluded.%s' % (column, column)
                            for column in columns if column != key)
        if updates:
            statement += ' ON CONFLICT (%s) DO UPDATE SET %s' % (key, updates)
        with self._lock:
            (conn or self._conn).execute(statement,
                                         [_stored(values[c]) for c in columns])

    def update_named(self, conn, table_name, values):
        """Replace the row with this id if it already holds this name;
        whether it did."""
        columns = [c for c in values if c != 'id']
        with self._lock:
            return (conn or self._conn).execute(
                'UPDATE %s SET %s WHERE id = ? AND name = ?' % (
                    _table(table_name),
                    ', '.join('%s = ?' % c for c in columns)),
                [_stored(values[c]) for c in columns] +
                [values['id'], values['name']]
            ).rowcount > 0

    def name_holder(self, conn, table_name, column, value, name, row_id):
        """The id of another row of the scope with this name, or None."""
        row = conn.execute(
            'SELECT id FROM %s WHERE %s = ? AND name = ? AND id != ? LIMIT 1'
            % (_table(table_name), column), (value, name, row_id)).fetchone()
        return row[0] if row else None

    def remove(self, conn, table_name, key, value):
        with self._lock:
            (conn or self._conn).execute('DELETE FROM %s WHERE %s = ?' % (
                _table(table_name), key), (value,))


def _stored(value):
    """A column value as SQLite keeps it: datetimes in SQLAlchemy's text
    form for SQLite (sqlite3's own datetime adapter is deprecated)."""
    if isinstance(value, datetime.datetime):
        return value.strftime('%Y-%m-%d %H:%M:%S.%f')
    return value


def _table(table_name):
    return rows.TABLES.get(table_name) or 'cl_' + table_name
