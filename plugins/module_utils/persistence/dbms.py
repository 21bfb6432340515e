# -*- coding: utf-8 -*-
# Copyright: contributors to the openstack.cinderlib collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ``db`` and ``memory_db`` plugins: records in a SQL database.

Our own compact schema (``cl_*`` tables), not Cinder's: Cinder's models and
migrations change every release and broke the retired cinderlib library.  The
schema is versioned; ``MIGRATIONS`` brings any older database up to date when
a process opens it.  SQLAlchemy is imported only when a plugin is built.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import os

from ansible_collections.openstack.cinderlib.plugins.module_utils import errors
from ansible_collections.openstack.cinderlib.plugins.module_utils.persistence import base

SCHEMA_VERSION = 1

# What each database driver needs, to name it when it is missing.
_DBAPI_PACKAGES = {
    'psycopg': 'psycopg (pip install "psycopg[binary]")',
    'psycopg2': 'psycopg2 (pip install psycopg2-binary)',
    'pymysql': 'PyMySQL (pip install PyMySQL)',
    'MySQLdb': 'mysqlclient (pip install mysqlclient)',
}


def _schema(sa):
    """The tables, for the SQLAlchemy module ``sa``."""
    metadata = sa.MetaData()
    # MariaDB's TEXT stops at 64 KiB; TEXT(16777215) there is MEDIUMTEXT.
    text = sa.Text().with_variant(sa.Text(16777215), 'mysql', 'mariadb')

    def resource_table(name, *extra):
        return sa.Table(
            name, metadata,
            sa.Column('id', sa.String(255), primary_key=True),
            sa.Column('backend', sa.String(255), nullable=False, index=True),
            sa.Column('name', sa.String(255), index=True),
            sa.Column('status', sa.String(64), nullable=False),
            sa.Column('updated_at', sa.DateTime, nullable=False),
            sa.Column('data', text, nullable=False),
            *extra)

    tables = {
        'volumes': resource_table('cl_volumes',
                                  sa.Column('size', sa.Integer)),
        'snapshots': resource_table(
            'cl_snapshots', sa.Column('size', sa.Integer),
            sa.Column('volume_id', sa.String(255), nullable=False,
                      index=True)),
        'connections': resource_table(
            'cl_connections',
            sa.Column('volume_id', sa.String(255), nullable=False,
                      index=True)),
        'key_values': sa.Table(
            'cl_key_values', metadata,
            sa.Column('key', sa.String(255), primary_key=True),
            sa.Column('value', text, nullable=False)),
        'schema': sa.Table(
            'cl_schema', metadata,
            sa.Column('version', sa.Integer, nullable=False)),
    }
    return metadata, tables


def _migration_1(conn, metadata, tables):
    metadata.create_all(conn, checkfirst=True)


# (version, step): each step brings the schema from version-1 to version.
MIGRATIONS = ((1, _migration_1),)


class RecordReads(object):
    """The resource reads of the contract, over ``_get(table, **filters)``
    (filters by column; None matches everything)."""

    def get_volumes(self, volume_id=None, volume_name=None, backend_name=None):
        return self._get('volumes', id=volume_id, name=volume_name,
                         backend=backend_name)

    def get_snapshots(self, snapshot_id=None, snapshot_name=None,
                      volume_id=None):
        return self._get('snapshots', id=snapshot_id, name=snapshot_name,
                         volume_id=volume_id)

    def get_connections(self, connection_id=None, volume_id=None):
        return self._get('connections', id=connection_id, volume_id=volume_id)


class DBPersistence(RecordReads, base.PersistenceDriverBase):
    """Records in the database at ``connection`` (a SQLAlchemy URL)."""

    def __init__(self, connection=None, **engine_options):
        super(DBPersistence, self).__init__()
        if not connection:
            raise errors.InvalidConfiguration(
                "persistence_config: storage 'db' needs 'connection', a "
                "SQLAlchemy URL such as sqlite:////var/lib/cinderlib/"
                "cinderlib.sqlite or postgresql://user:password@host/db")
        self._connection = connection
        self._engine_options = engine_options
        self._engine = None
        # Importing SQLAlchemy is a large part of a process's start-up: an
        # existing SQLite file with the current schema is read with the
        # standard library until the first write.
        self._reader = None
        path = _sqlite_file(connection)
        if path and not engine_options and os.path.exists(path):
            from ansible_collections.openstack.cinderlib.plugins.module_utils.persistence.sqlite_reader import SQLiteReader
            self._reader = SQLiteReader.open(path)
        if self._reader is None:
            self._connect()

    def _connect(self):
        sa = self._sa = _import_sqlalchemy()
        try:
            url = sa.engine.make_url(self._connection)
        except Exception as exc:
            raise errors.InvalidConfiguration(
                "persistence_config: 'connection' is not a valid SQLAlchemy "
                "URL (%s)" % type(exc).__name__)
        self.url = url
        self._metadata, self._tables = _schema(sa)
        self._engine = self._create_engine(url, self._engine_options)
        self._upgrade_schema()
        if self._reader is not None:
            self._reader.close()
            self._reader = None

    @property
    def engine(self):
        if self._engine is None:
            self._connect()
        return self._engine

    def describe(self):
        if self._engine is None:
            return 'db (%s)' % self._connection
        return 'db (%s)' % self.url.render_as_string(hide_password=True)

    def _create_engine(self, url, engine_options):
        sa = self._sa
        options = dict(engine_options)
        if url.get_backend_name() == 'sqlite':
            path = url.database
            if path and path != ':memory:':
                self._create_private_file(path)
            options.setdefault('connect_args', {}).setdefault('timeout', 30)
        else:
            options.setdefault('pool_pre_ping', True)
        try:
            engine = sa.create_engine(url, **options)
        except ImportError as exc:
            missing = getattr(exc, 'name', None) or str(exc)
            raise errors.MissingDependency(
                "persistence_config: the database driver for %s is missing: "
                "install %s" % (url.drivername,
                                _DBAPI_PACKAGES.get(missing, missing)))
        except Exception as exc:
            raise errors.InvalidConfiguration(
                "persistence_config: cannot use connection %s: %s" % (
                    url.render_as_string(hide_password=True), exc))
        if url.get_backend_name() == 'sqlite':
            sa.event.listen(engine, 'connect', _sqlite_pragmas)
        return engine

    @staticmethod
    def _create_private_file(path):
        """Create the SQLite file owner-only before SQLite creates it 0644."""
        directory = os.path.dirname(os.path.abspath(path))
        if not os.path.isdir(directory):
            os.makedirs(directory, 0o700)
        fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
        os.close(fd)

    def _connect_error(self, exc):
        return errors.InvalidConfiguration(
            'persistence: cannot reach database %s: %s' % (
                self.url.render_as_string(hide_password=True),
                str(getattr(exc, 'orig', exc)).strip().splitlines()[0]))

    def _upgrade_schema(self):
        sa = self._sa
        schema = self._tables['schema']
        try:
            with self.engine.begin() as conn:
                current = self._schema_version(conn)
                if current == SCHEMA_VERSION:
                    return
                if current > SCHEMA_VERSION:
                    raise errors.InvalidConfiguration(
                        'persistence: database %s has schema version %s, '
                        'newer than this collection understands (%s); '
                        'upgrade openstack.cinderlib' % (
                            self.url.render_as_string(hide_password=True),
                            current, SCHEMA_VERSION))
                for version, step in MIGRATIONS:
                    if version > current:
                        step(conn, self._metadata, self._tables)
                conn.execute(schema.delete())
                conn.execute(schema.insert().values(version=SCHEMA_VERSION))
        except sa.exc.OperationalError as exc:
            raise self._connect_error(exc)
        except (sa.exc.IntegrityError, sa.exc.ProgrammingError):
            # Another process created the schema at the same time.
            with self.engine.connect() as conn:
                if self._schema_version(conn) != SCHEMA_VERSION:
                    raise

    def _schema_version(self, conn):
        sa = self._sa
        if not sa.inspect(conn).has_table('cl_schema'):
            return 0
        return conn.execute(
            sa.select(self._tables['schema'].c.version)).scalar() or 0

    # Records <-> rows ----------------------------------------------------
    @staticmethod
    def _row_to_record(row):
        return record_from_columns(dict(row._mapping))

    def _get(self, table_name, **filters):
        if self._reader is not None:
            return self._reader._get(table_name, **filters)
        sa = self._sa
        table = self._tables[table_name]
        query = sa.select(table)
        for column, value in filters.items():
            if value is not None:
                query = query.where(table.c[column] == value)
        with self.engine.connect() as conn:
            return [self._row_to_record(row) for row in conn.execute(query)]

    def _set(self, table_name, record):
        self._writable()
        sa = self._sa
        table = self._tables[table_name]
        values = {column.name: record.get(column.name)
                  for column in table.columns if column.name != 'updated_at'}
        values['data'] = json.dumps(record.get('data') or {},
                                    sort_keys=True)
        values['updated_at'] = _utcnow()
        with self.engine.begin() as conn:
            updated = conn.execute(
                table.update().where(table.c.id == record['id']).values(
                    **values))
            if not updated.rowcount:
                conn.execute(table.insert().values(**values))

    def _writable(self):
        if self._engine is None:
            self._connect()

    def _delete(self, table_name, obj):
        self._writable()
        table = self._tables[table_name]
        with self.engine.begin() as conn:
            conn.execute(table.delete().where(
                table.c.id == base.record_id(obj)))

    def get_key_values(self, key=None):
        if self._reader is not None:
            return self._reader.get_key_values(key)
        sa = self._sa
        table = self._tables['key_values']
        query = sa.select(table).order_by(table.c.key)
        if key is not None:
            query = query.where(table.c.key == key)
        with self.engine.connect() as conn:
            return [base.KeyValue(row.key, row.value)
                    for row in conn.execute(query)]

    def set_volume(self, volume):
        self._set('volumes', volume)

    def set_snapshot(self, snapshot):
        self._set('snapshots', snapshot)

    def set_connection(self, connection):
        self._set('connections', connection)

    def set_key_value(self, key_value):
        self._writable()
        table = self._tables['key_values']
        with self.engine.begin() as conn:
            updated = conn.execute(table.update().where(
                table.c.key == key_value.key).values(value=key_value.value))
            if not updated.rowcount:
                conn.execute(table.insert().values(key=key_value.key,
                                                   value=key_value.value))

    def delete_volume(self, volume):
        self._delete('volumes', volume)

    def delete_snapshot(self, snapshot):
        self._delete('snapshots', snapshot)

    def delete_connection(self, connection):
        self._delete('connections', connection)

    def delete_key_value(self, key_value):
        self._writable()
        table = self._tables['key_values']
        with self.engine.begin() as conn:
            conn.execute(table.delete().where(
                table.c.key == base.record_id(key_value)))

    def close(self):
        if self._reader is not None:
            self._reader.close()
        if self._engine is not None:
            self._engine.dispose()


class MemoryDBPersistence(DBPersistence):
    """The ``memory_db`` plugin: an in-memory SQLite database."""

    def __init__(self, **engine_options):
        # One shared connection: each new in-memory connection would see
        # an empty database.
        engine_options.setdefault('poolclass',
                                  _import_sqlalchemy().pool.StaticPool)
        engine_options.setdefault('connect_args', {})['check_same_thread'] = False
        super(MemoryDBPersistence, self).__init__('sqlite://', **engine_options)

    def describe(self):
        return 'memory_db'


def _sqlite_file(connection):
    """The file of a plain sqlite:/// URL, else None."""
    prefix = 'sqlite:///'
    if not isinstance(connection, str) or not connection.startswith(prefix):
        return None
    path = connection[len(prefix):].partition('?')[0]
    return path if path and path != ':memory:' else None


def record_from_columns(columns):
    """The record a row's column values (a dict) hold."""
    columns.pop('updated_at', None)
    columns['data'] = json.loads(columns['data'])
    return columns


def _import_sqlalchemy():
    try:
        import sqlalchemy
        import sqlalchemy.pool
    except ImportError:
        raise errors.MissingDependency(
            "persistence_config: storages 'db' and 'memory_db' need "
            "SQLAlchemy (pip install 'SQLAlchemy>=1.4')")
    return sqlalchemy


def _sqlite_pragmas(dbapi_conn, _record):
    cursor = dbapi_conn.cursor()
    # WAL lets readers (no-change Ansible tasks) run beside a writer.
    cursor.execute('PRAGMA journal_mode=WAL')
    cursor.close()


def _utcnow():
    import datetime
    return datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
