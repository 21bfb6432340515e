# -*- coding: utf-8 -*-
# Copyright: contributors to the openstack.cinderlib collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ``db`` and ``memory_db`` plugins: records in a SQL database.

Our own compact schema (``cl_*`` tables), not Cinder's: Cinder's models and
migrations change every release and broke the retired cinderlib library.  The
schema is versioned; ``MIGRATIONS`` brings any older database up to date when
a process opens it.  SQLAlchemy creates and migrates the schema and serves
every database but an existing SQLite file with the current schema, which
the standard library reads and writes (sqlite_reader).
"""


import contextlib
import hashlib
import json
import os
import sqlite3
import threading

from ansible_collections.openstack.cinderlib.plugins.module_utils import errors
from ansible_collections.openstack.cinderlib.plugins.module_utils import secrets
from ansible_collections.openstack.cinderlib.plugins.module_utils.persistence import base
from ansible_collections.openstack.cinderlib.plugins.module_utils.persistence import rows

SCHEMA_VERSION = rows.SCHEMA_VERSION

# What each database driver needs, to name it when it is missing.
_DBAPI_PACKAGES = {
    'psycopg': 'psycopg (pip install "psycopg[binary]")',
    'psycopg2': 'psycopg2 (pip install psycopg2-binary)',
    'pymysql': 'PyMySQL (pip install PyMySQL)',
    'MySQLdb': 'mysqlclient (pip install mysqlclient)',
}
# The SQLAlchemy the built-in plugins need (requirements.txt holds the same
# floor; the modules name it when it is missing).
SQLALCHEMY_REQUIREMENT = 'SQLAlchemy>=2.0'


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
        # Named volume types (schema version 2).
        'volume_types': sa.Table(
            'cl_volume_types', metadata,
            sa.Column('id', sa.String(255), primary_key=True),
            sa.Column('name', sa.String(255), nullable=False, unique=True),
            sa.Column('updated_at', sa.DateTime, nullable=False),
            sa.Column('data', text, nullable=False)),
        'schema': sa.Table(
            'cl_schema', metadata,
            sa.Column('version', sa.Integer, nullable=False)),
    }
    return metadata, tables


def _migration_1(conn, metadata, tables):
    metadata.create_all(conn, checkfirst=True)


def _migration_2(conn, metadata, tables):
    # Adds cl_volume_types; create_all with checkfirst leaves the existing
    # tables alone and is safe to run again (MariaDB commits DDL at once).
    tables['volume_types'].create(conn, checkfirst=True)


# (version, step): each step brings the schema from version-1 to version.
# Steps run in one transaction under the schema lock (see _upgrade_schema);
# on MariaDB/MySQL, where DDL commits on its own, a step must also be safe
# to run again after a crash half-way (create_all(checkfirst=True) is).
MIGRATIONS = ((1, _migration_1), (2, _migration_2))

# What to write instead of a URL that is not one.
URL_FORMS = ('sqlite:////path/to/file.sqlite (four slashes for an absolute '
             'path), postgresql+psycopg://user:password@host/dbname or '
             'mysql+pymysql://user:password@host/dbname')

# The columns of each resource table's rows but updated_at (see _schema).
ROW_COLUMNS = {
    'volumes': ('id', 'backend', 'name', 'status', 'data', 'size'),
    'snapshots': ('id', 'backend', 'name', 'status', 'data', 'size',
                  'volume_id'),
    'connections': ('id', 'backend', 'name', 'status', 'data', 'volume_id'),
    'volume_types': ('id', 'name', 'data'),
}

# The column within which a name is unique, per table (unique_names).
NAME_SCOPES = {'volumes': 'backend', 'snapshots': 'volume_id'}

# Seconds to wait for another process's schema or name lock (rows.py).
LOCK_TIMEOUT = rows.LOCK_TIMEOUT

_NO_LOCK = contextlib.nullcontext()


class DBPersistence(rows.RecordReads, base.PersistenceDriverBase):
    """Records in the database at ``connection`` (a SQLAlchemy URL).

    ``unique_names=True`` refuses (``errors.DuplicateName``) to save a
    volume under a name another volume of its backend has, or a snapshot
    under a name another snapshot of its volume has: the check and the write
    run in one transaction serialized with every other name change in that
    scope (SQLite: ``BEGIN IMMEDIATE``; PostgreSQL: an advisory lock;
    MariaDB/MySQL: a named lock), so concurrent processes cannot both win.
    Other options go to SQLAlchemy's ``create_engine``.
    """

    stores_records = True

    def __init__(self, connection=None, unique_names=False, **engine_options):
        super().__init__()
        self.unique_names = bool(unique_names)
        # Serializes this process's threads where they share one
        # connection (memory_db); processes are serialized by the database.
        self._thread_lock = _NO_LOCK
        if not connection:
            raise errors.InvalidConfiguration(
                "persistence_config: storage 'db' needs 'connection', a "
                "SQLAlchemy URL such as sqlite:////var/lib/cinderlib/"
                "cinderlib.sqlite or postgresql://user:password@host/db")
        self._connection = connection
        self._engine_options = engine_options
        self._engine = None
        self._engine_rows = _EngineRows(self)
        self._statements = {}
        # The writes of this thread's batch (see batch), or None.
        self._batches = threading.local()
        # SQLAlchemy is a large part of a process's start-up and memory: an
        # existing SQLite file with the current schema is read with the
        # standard library, on a read-only connection, and written from the
        # first write on through a second one (sqlite_reader.SQLiteWriter):
        # threads reading need not wait for another's write.
        self._reader = None
        self._writer = None
        from ansible_collections.openstack.cinderlib.plugins.module_utils.persistence import sqlite_reader
        self._sqlite = sqlite_reader
        self._sqlite_path = sqlite_reader.sqlite_file(connection)
        if engine_options or not self._sqlite_path:
            self._sqlite_path = None
        elif os.path.exists(self._sqlite_path):
            self._reader = sqlite_reader.SQLiteReader.open(
                self._sqlite_path, SCHEMA_VERSION)
            if self._reader is not None and self._reader.empty:
                # Being created by another process: wait for its schema.
                self._reader = None
        if self._reader is None:
            self._connect()

    def _connect(self):
        sa = self._sa = _import_sqlalchemy()
        try:
            url = sa.engine.make_url(self._connection)
        except Exception:
            # Not echoed: what does not parse may still hold a password.
            raise errors.InvalidConfiguration(
                "persistence_config: 'connection' is not a database URL; "
                "use %s" % URL_FORMS)
        self.url = url
        self._metadata, self._tables = _schema(sa)
        self._engine = self._create_engine(url, self._engine_options)
        self._upgrade_schema()
        for store in (self._reader, self._writer):
            if store is not None:
                store.close()
        self._reader = self._writer = None

    @property
    def engine(self):
        if self._engine is None:
            self._connect()
        return self._engine

    def describe(self):
        return 'db (%s)' % self._safe_url()

    def _safe_url(self):
        """The URL with its password hidden."""
        url = getattr(self, 'url', None)
        if url is None:
            return secrets.mask_url(self._connection)
        return secrets.mask_url(url.render_as_string(hide_password=False))

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
        if url.get_backend_name() in ('mysql', 'mariadb'):
            # InnoDB's default REPEATABLE READ takes gap locks that make
            # concurrent writers of distinct rows deadlock.
            options.setdefault('isolation_level', 'READ COMMITTED')
        try:
            engine = sa.create_engine(url, **options)
        except ImportError as exc:
            missing = getattr(exc, 'name', None) or str(exc)
            raise errors.MissingDependency(
                "persistence_config: the database driver for %s is missing: "
                "install %s" % (url.drivername,
                                _DBAPI_PACKAGES.get(missing, missing)))
        except sa.exc.NoSuchModuleError:
            raise errors.InvalidConfiguration(
                "persistence_config: connection %s: unknown database type "
                "%r; use %s" % (self._safe_url(), url.drivername, URL_FORMS))
        except (TypeError, sa.exc.ArgumentError) as exc:
            raise errors.InvalidConfiguration(
                "persistence_config: storage 'db' takes 'connection', "
                "'unique_names' and SQLAlchemy create_engine options; "
                "%s rejected these: %s" % (
                    url.drivername, ', '.join(sorted(engine_options))
                    or 'none'))
        except Exception as exc:
            raise errors.InvalidConfiguration(
                "persistence_config: cannot use connection %s: %s" % (
                    self._safe_url(), self._error_text(exc)))
        if url.get_backend_name() == 'sqlite':
            sa.event.listen(engine, 'connect', _sqlite_pragmas)
        return engine

    @staticmethod
    def _create_private_file(path):
        """Create the SQLite file owner-only before SQLite creates it 0644.

        Only a file that does not exist yet is opened here (O_EXCL): closing
        any descriptor of a file drops every POSIX lock this process holds
        on it, those of its SQLite connections too, and another process
        closing its last connection would then take the file for its own and
        delete the WAL file this one still writes to (writes lost).
        """
        directory = os.path.dirname(os.path.abspath(path))
        blocker = _file_in_path(directory)
        if blocker:
            raise errors.InvalidConfiguration(
                'the SQLite file %s cannot be created: %s is a file, not a '
                'directory; choose a path whose directories exist or can be '
                'created' % (path, blocker))
        try:
            os.makedirs(directory, 0o700, exist_ok=True)
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_RDWR, 0o600)
        except FileExistsError:
            if os.path.isdir(path):
                raise errors.InvalidConfiguration(
                    'the SQLite file %s is a directory; name a file in it, '
                    'e.g. %s' % (path, os.path.join(path, 'cinderlib.sqlite')))
            return
        except OSError as exc:
            raise errors.InvalidConfiguration(
                'the SQLite file %s cannot be created: %s; choose a path '
                'this user can write to' % (path, exc.strerror or exc))
        os.close(fd)

    def _connect_error(self, exc):
        if self.url.get_backend_name() == 'sqlite':
            return errors.InvalidConfiguration(
                'persistence: cannot use the SQLite file %s: %s; point the '
                'URL at a SQLite database file this user can read and write '
                '(or at a path where one can be created)' % (
                    self.url.database, self._error_text(exc)))
        return errors.InvalidConfiguration(
            'persistence: cannot reach database %s: %s; check that the '
            'server runs there and that the user, password and database in '
            'the URL exist' % (self._safe_url(), self._error_text(exc)))

    def _error_text(self, exc):
        """The first line of the database's message, without the
        password (drivers may quote what they were given)."""
        text = (str(getattr(exc, 'orig', None) or exc).strip().splitlines()
                or [type(exc).__name__])[0]
        password = getattr(getattr(self, 'url', None), 'password', None)
        return text.replace(password, '***') if password else text

    @contextlib.contextmanager
    def _database_errors(self, doing):
        """Database failures after start-up, as one sentence."""
        try:
            yield
        except Exception as exc:
            sa = getattr(self, '_sa', None)
            if not isinstance(exc, sqlite3.Error) and not (
                    sa is not None and isinstance(exc, sa.exc.DBAPIError)):
                raise
            raise errors.PersistenceError(
                'persistence: database %s failed while %s: %s' % (
                    self._safe_url(), doing, self._error_text(exc)))

    def _upgrade_schema(self):
        """Create or migrate the schema, once, however many processes
        open a new database at the same moment.

        The version is read first without a lock (the usual case: current);
        otherwise it is read again under the schema lock, and only the
        process holding it runs the missing steps.
        """
        sa = self._sa
        try:
            with self.engine.connect() as conn:
                if self._check_version(conn) == SCHEMA_VERSION:
                    return
            with self._serialized('schema') as conn:
                current = self._check_version(conn)
                if current == SCHEMA_VERSION:
                    return
                for version, step in MIGRATIONS:
                    if version > current:
                        step(conn, self._metadata, self._tables)
                schema = self._tables['schema']
                conn.execute(schema.delete())
                conn.execute(schema.insert().values(version=SCHEMA_VERSION))
        except sa.exc.DBAPIError as exc:
            raise self._connect_error(exc)

    def _check_version(self, conn):
        current = self._schema_version(conn)
        if current > SCHEMA_VERSION:
            raise errors.InvalidConfiguration(
                'persistence: database %s has schema version %s, '
                'newer than this collection understands (%s); '
                'upgrade openstack.cinderlib' % (
                    self._safe_url(),
                    current, SCHEMA_VERSION))
        return current

    @contextlib.contextmanager
    def _serialized(self, key):
        """A connection in a transaction that no other process runs at the
        same time as another one with the same ``key``; commits at the end.

        SQLite: ``BEGIN IMMEDIATE`` (one writer for the whole file).
        PostgreSQL: a transaction-scoped advisory lock.  MariaDB/MySQL: a
        named lock (DDL commits on its own there, so a transaction alone
        would not do).  Reads inside see every commit made before the lock
        was obtained (READ COMMITTED).
        """
        sa = self._sa
        dialect = self.engine.dialect.name
        lock_name = 'cl-' + hashlib.sha1(('%s|%s' % (
            self.url.database, key)).encode('utf-8')).hexdigest()[:40]
        with self._thread_lock, self.engine.connect() as conn:
            if dialect == 'sqlite':
                conn.exec_driver_sql('BEGIN IMMEDIATE')
                with _rollback_on_error(conn):
                    yield conn
                    conn.commit()
                return
            if dialect in ('postgresql', 'mysql', 'mariadb'):
                conn = conn.execution_options(isolation_level='READ COMMITTED')
            else:
                conn = conn.execution_options(isolation_level='SERIALIZABLE')
            if dialect == 'postgresql':
                conn.execute(sa.select(sa.func.pg_advisory_xact_lock(
                    int(lock_name[3:19], 16) - (1 << 63))))
            elif dialect in ('mysql', 'mariadb'):
                got = conn.execute(sa.select(sa.func.get_lock(
                    lock_name, LOCK_TIMEOUT))).scalar()
                if got != 1:
                    raise errors.BackendError(
                        'persistence: database %s: waited %s s for the lock '
                        '%s held by another process' % (
                            self._safe_url(),
                            LOCK_TIMEOUT, key))
                conn.commit()
            try:
                with _rollback_on_error(conn):
                    yield conn
                    conn.commit()
            finally:
                if dialect in ('mysql', 'mariadb'):
                    conn.execute(sa.select(sa.func.release_lock(lock_name)))
                    conn.commit()

    def _schema_version(self, conn):
        sa = self._sa
        if not sa.inspect(conn).has_table('cl_schema'):
            return 0
        return conn.execute(
            sa.select(self._tables['schema'].c.version)).scalar() or 0

    # Records <-> rows ----------------------------------------------------
    @staticmethod
    def _row_to_record(row):
        return rows.record_from_columns(dict(row._mapping))

    def _get(self, table_name, **filters):
        if self._reader is not None:
            return self._reader._get(table_name, **filters)
        filters = {column: value for column, value in filters.items()
                   if value is not None}
        query = self._select(table_name, tuple(sorted(filters)))
        # memory_db: reads share the one connection with other threads'
        # transactions, so they take the lock the writes take.
        with self._database_errors('reading %s' % table_name), \
                self._thread_lock, self.engine.connect() as conn:
            return [self._row_to_record(row)
                    for row in conn.execute(query, filters)]

    def _select(self, table_name, columns):
        """The select by ``columns`` (bound parameters of those names),
        built once, as _upsert_statement."""
        cache_key = ('select', table_name, columns)
        query = self._statements.get(cache_key)
        if query is None:
            sa = self._sa
            table = self._tables[table_name]
            query = sa.select(table)
            for column in columns:
                query = query.where(table.c[column] == sa.bindparam(column))
            self._statements[cache_key] = query
        return query

    def _set(self, table_name, record):
        if self._queued(('save', table_name, record)):
            return
        rows = self._rows()
        with self._database_errors('saving %s %s' % (table_name[:-1],
                                                     record['id'])):
            self._save_row(rows, table_name, record)

    def _save_row(self, rows, table_name, record, conn=None):
        """Write the record (in the transaction ``conn`` if given);
        False when, in ``conn``, its name still has to be checked (done
        after that transaction, under the name's lock)."""
        values = {column: record.get(column)
                  for column in ROW_COLUMNS[table_name]}
        values['data'] = json.dumps(record.get('data') or {},
                                    sort_keys=True)
        values['updated_at'] = _utcnow()
        scope = self._name_scope(table_name, record)
        if scope is None:
            rows.upsert(conn, table_name, 'id', values)
            return True
        # The row already holds that name: nobody else can have it.
        if rows.update_named(conn, table_name, values):
            return True
        if conn is not None:
            return False
        column, value = scope
        with rows.serialized('cl_%s|%s|%s' % (table_name, column,
                                              value)) as conn:
            holder = rows.name_holder(conn, table_name, column, value,
                                      record['name'], record['id'])
            if holder is not None:
                raise errors.DuplicateName(table_name[:-1], record['id'],
                                           record['name'], holder, value)
            rows.upsert(conn, table_name, 'id', values)
        return True

    def _rows(self):
        """Where rows are written: the SQLite file through the standard
        library while its schema is current and SQLAlchemy is not in use
        in this plugin, else SQLAlchemy."""
        if self._engine is None:
            if self._writer is None and self._reader is not None:
                self._writer = self._sqlite.SQLiteWriter.open(
                    self._sqlite_path, SCHEMA_VERSION)
            if self._writer is not None:
                return self._writer
            self._connect()
        return self._engine_rows

    # Batches ---------------------------------------------------------------
    @contextlib.contextmanager
    def batch(self):
        """This thread's writes inside are made at the end, in one
        transaction (one commit), also when the block fails; a write whose
        name must be checked under the name's lock is made right after."""
        if getattr(self._batches, 'writes', None) is not None:
            yield
            return
        self._batches.writes = []
        try:
            yield
        finally:
            writes, self._batches.writes = self._batches.writes, None
            self._flush(writes)

    def _queued(self, write):
        writes = getattr(self._batches, 'writes', None)
        if writes is None:
            return False
        writes.append(write)
        return True

    def _flush(self, writes):
        if not writes:
            return
        rows = self._rows()
        later = []
        with self._database_errors('saving %s' % ', '.join(
                '%s %s' % (table_name[:-1], base.record_id(item))
                for _kind, table_name, item in writes)):
            with rows.transaction() as conn:
                for kind, table_name, item in writes:
                    if kind == 'delete':
                        rows.remove(conn, table_name, 'id',
                                    base.record_id(item))
                    elif not self._save_row(rows, table_name, item, conn):
                        later.append((table_name, item))
            for table_name, item in later:
                self._save_row(rows, table_name, item)

    def _upsert(self, conn, table, key, values):
        """Insert the row, or replace the one with the same ``key`` column,
        in one statement: an UPDATE that finds nothing followed by an
        INSERT deadlocks between concurrent writers on MariaDB (gap locks)
        and races everywhere."""
        dialect = conn.dialect.name
        if dialect in ('postgresql', 'sqlite', 'mysql', 'mariadb'):
            conn.execute(self._upsert_statement(dialect, table, key,
                                                tuple(values)), values)
        elif not conn.execute(table.update().where(
                table.c[key] == values[key]).values(**values)).rowcount:
            conn.execute(table.insert().values(**values))

    def _upsert_statement(self, dialect, table, key, columns):
        """The upsert of ``columns`` with bound parameters, built once:
        building a statement (the excluded/inserted column proxies above
        all) costs SQLAlchemy more than executing it."""
        cache_key = (dialect, table.name, key, columns)
        statement = self._statements.get(cache_key)
        if statement is None:
            insert = _dialect_insert(dialect)(table)
            if dialect in ('mysql', 'mariadb'):
                statement = insert.on_duplicate_key_update(**{
                    column: insert.inserted[column]
                    for column in columns if column != key})
            else:
                statement = insert.on_conflict_do_update(
                    index_elements=[table.c[key]], set_={
                        column: insert.excluded[column]
                        for column in columns if column != key})
            self._statements[cache_key] = statement
        return statement

    def _name_scope(self, table_name, record):
        """(column, value) within which the record's name must be unique,
        or None when there is nothing to check."""
        if not self.unique_names or not record.get('name'):
            return None
        column = NAME_SCOPES.get(table_name)
        return (column, record[column]) if column else None

    def _delete(self, table_name, obj):
        if self._queued(('delete', table_name, obj)):
            return
        rows = self._rows()
        with self._database_errors('removing %s %s' % (
                table_name[:-1], base.record_id(obj))):
            rows.remove(None, table_name, 'id', base.record_id(obj))

    def get_key_values(self, key=None):
        if self._reader is not None:
            return self._reader.get_key_values(key)
        sa = self._sa
        table = self._tables['key_values']
        query = sa.select(table).order_by(table.c.key)
        if key is not None:
            query = query.where(table.c.key == key)
        with self._database_errors('reading key-value pairs'), \
                self._thread_lock, self.engine.connect() as conn:
            return [base.KeyValue(row.key, row.value)
                    for row in conn.execute(query)]

    def set_volume(self, volume):
        self._set('volumes', volume)

    def set_snapshot(self, snapshot):
        self._set('snapshots', snapshot)

    def set_connection(self, connection):
        self._set('connections', connection)

    def set_key_value(self, key_value):
        rows = self._rows()
        with self._database_errors('saving key %s' % key_value.key):
            rows.upsert(None, 'key_values', 'key',
                        {'key': key_value.key, 'value': key_value.value})

    def set_volume_type(self, volume_type):
        self._set('volume_types', volume_type)

    def delete_volume_type(self, volume_type):
        self._delete('volume_types', volume_type)

    def delete_volume(self, volume):
        self._delete('volumes', volume)

    def delete_snapshot(self, snapshot):
        self._delete('snapshots', snapshot)

    def delete_connection(self, connection):
        self._delete('connections', connection)

    def delete_key_value(self, key_value):
        rows = self._rows()
        with self._database_errors('removing key %s' % base.record_id(
                key_value)):
            rows.remove(None, 'key_values', 'key', base.record_id(key_value))

    def close(self):
        for store in (self._reader, self._writer):
            if store is not None:
                store.close()
        if self._engine is not None:
            self._engine.dispose()


class _EngineRows:
    """The row writes of DBPersistence through SQLAlchemy (those of
    sqlite_reader.SQLiteWriter, with the same names): each with ``conn``
    None is a transaction of its own."""

    def __init__(self, plugin):
        self._plugin = plugin

    def serialized(self, key):
        return self._plugin._serialized(key)

    @contextlib.contextmanager
    def transaction(self):
        plugin = self._plugin
        with plugin._thread_lock, plugin.engine.begin() as conn:
            yield conn

    @contextlib.contextmanager
    def _in(self, conn):
        if conn is not None:
            yield conn
        else:
            with self.transaction() as conn:
                yield conn

    def upsert(self, conn, table_name, key, values):
        plugin = self._plugin
        with self._in(conn) as conn:
            plugin._upsert(conn, plugin._tables[table_name], key, values)

    def update_named(self, conn, table_name, values):
        table = self._plugin._tables[table_name]
        with self._in(conn) as conn:
            return bool(conn.execute(table.update().where(
                table.c.id == values['id']).where(
                table.c.name == values['name']).values(**values)).rowcount)

    def name_holder(self, conn, table_name, column, value, name, row_id):
        plugin = self._plugin
        table = plugin._tables[table_name]
        return conn.execute(plugin._sa.select(table.c.id).where(
            table.c[column] == value).where(table.c.name == name).where(
            table.c.id != row_id).limit(1)).scalar()

    def remove(self, conn, table_name, key, value):
        table = self._plugin._tables[table_name]
        with self._in(conn) as conn:
            conn.execute(table.delete().where(table.c[key] == value))


class MemoryDBPersistence(DBPersistence):
    """The ``memory_db`` plugin: an in-memory SQLite database."""

    def __init__(self, unique_names=False, **engine_options):
        # One shared connection: each new in-memory connection would see
        # an empty database.
        engine_options.setdefault('poolclass',
                                  _import_sqlalchemy().pool.StaticPool)
        engine_options.setdefault('connect_args', {})['check_same_thread'] = False
        super().__init__(
            'sqlite://', unique_names=unique_names, **engine_options)
        # Threads share the one connection: one transaction at a time.
        self._thread_lock = threading.RLock()

    def describe(self):
        return 'memory_db'


@contextlib.contextmanager
def _rollback_on_error(conn):
    try:
        yield
    except BaseException:
        conn.rollback()
        raise


def _file_in_path(directory):
    """The first component of ``directory`` that exists but is not a
    directory, else None."""
    path = directory
    while path and not os.path.exists(path):
        parent = os.path.dirname(path)
        if parent == path:
            return None
        path = parent
    return None if not path or os.path.isdir(path) else path


def _dialect_insert(dialect):
    if dialect == 'postgresql':
        from sqlalchemy.dialects.postgresql import insert
    elif dialect == 'sqlite':
        from sqlalchemy.dialects.sqlite import insert
    else:
        from sqlalchemy.dialects.mysql import insert
    return insert


def _import_sqlalchemy():
    try:
        import sqlalchemy
        import sqlalchemy.pool
    except ImportError:
        raise errors.MissingDependency(
            "persistence_config: storages 'db' and 'memory_db' need "
            "SQLAlchemy (pip install '%s')" % SQLALCHEMY_REQUIREMENT)
    return sqlalchemy


def _sqlite_pragmas(dbapi_conn, _record):
    cursor = dbapi_conn.cursor()
    # WAL lets readers (no-change Ansible tasks) run beside a writer.
    cursor.execute('PRAGMA journal_mode=WAL')
    cursor.close()


def _utcnow():
    import datetime
    return datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
