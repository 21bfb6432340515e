# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Many processes at once on one database: the first use of a new database
(schema creation, migrations) and unique names, on SQLite, PostgreSQL and
MariaDB with real parallel processes; memory and memory_db (one process
only) with threads.

PostgreSQL and MariaDB run when CL_TEST_PG_URL / CL_TEST_MYSQL_URL are set
(scripts/test.sh sets them); each test there gets a new database of its
own, dropped afterwards.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import threading
import uuid

import pytest

from ansible_collections.openstack.cinderlib.plugins.module_utils import errors
from ansible_collections.openstack.cinderlib.plugins.module_utils import persistence
from ansible_collections.openstack.cinderlib.plugins.module_utils.persistence import dbms

import parallel_processes

PROCESSES = 10
URLS = {'postgresql': os.environ.get('CL_TEST_PG_URL'),
        'mariadb': os.environ.get('CL_TEST_MYSQL_URL')}


@pytest.fixture(params=['sqlite', 'postgresql', 'mariadb'])
def new_db(request, tmp_path):
    """The URL of a database that has no tables yet."""
    kind = request.param
    if kind == 'sqlite':
        yield 'sqlite:///%s' % (tmp_path / 'data' / 'new.sqlite')
        return
    admin_url = URLS[kind]
    if not admin_url:
        pytest.skip('set CL_TEST_%s_URL to test %s' % (
            'PG' if kind == 'postgresql' else 'MYSQL', kind))
    import sqlalchemy as sa
    admin = sa.engine.make_url(admin_url)
    name = '%s_new_%s' % (admin.database, uuid.uuid4().hex[:8])
    engine = sa.create_engine(admin, isolation_level='AUTOCOMMIT')
    with engine.connect() as conn:
        conn.exec_driver_sql('CREATE DATABASE %s' % name)
    try:
        yield admin.set(database=name).render_as_string(hide_password=False)
    finally:
        with engine.connect() as conn:
            conn.exec_driver_sql('DROP DATABASE %s%s' % (
                name, ' WITH (FORCE)' if kind == 'postgresql' else ''))
        engine.dispose()


def _volume(volume_id, name, backend='b1', status='available'):
    return {'id': volume_id, 'backend': backend, 'name': name,
            'status': status, 'size': 1, 'data': {'fields': {}}}


SETUP = '''
from ansible_collections.openstack.cinderlib.plugins.module_utils import persistence
from ansible_collections.openstack.cinderlib.plugins.module_utils.persistence import dbms
'''


@pytest.mark.parametrize('schema_first', [False, True],
                         ids=['new database', 'schema made first'])
def test_first_use_and_unique_names(tmp_path, new_db, schema_first):
    # Every process builds its plugin on a database with no tables at the
    # same moment (creating the schema), saves a volume of its own, then
    # races the others: a new volume named alike on one backend, a snapshot
    # named alike on one volume, and renaming its own volume to one name.
    # Exactly one wins each race; the others get DuplicateName naming the
    # winner; a name is free on another backend.  With the schema made
    # first, every process on SQLite writes with the standard library
    # (sqlite_reader.SQLiteWriter), the way all but a file's first users do.
    if schema_first:
        persistence.setup({'storage': 'db', 'connection': new_db}).close()
    outcomes = parallel_processes.run(tmp_path / 'run', PROCESSES, SETUP, '''
        plugin = persistence.setup({'storage': 'db', 'unique_names': True,
                                    'connection': args['url']})

        def volume(volume_id, name, backend='b1'):
            return {'id': volume_id, 'backend': backend, 'name': name,
                    'status': 'available', 'size': 1, 'data': {}}
        own = volume('v%d' % index, 'own-%d' % index)
        plugin.set_volume(own)
        plugin.set_volume(volume('w%d' % index, 'data', 'b%d' % (index + 2)))
        races = (
            lambda: plugin.set_volume(volume('n%d' % index, 'data')),
            lambda: plugin.set_snapshot({
                'id': 's%d' % index, 'backend': 'b1', 'name': 'daily',
                'status': 'creating', 'size': 1, 'volume_id': 'v0',
                'data': {}}),
            lambda: plugin.set_volume(dict(own, name='shared')))
        result = []
        for race in races:
            try:
                race()
                result.append('won')
            except Exception as exc:
                if type(exc).__name__ != 'DuplicateName':
                    raise
                result.append(exc.holder_id)
        plugin.close()
    ''', {'url': new_db})
    assert parallel_processes.failures(outcomes) == []
    plugin = persistence.setup({'storage': 'db', 'connection': new_db})
    try:
        with plugin.engine.connect() as conn:
            assert conn.execute(plugin._sa.select(
                plugin._tables['schema'])).fetchall() == [
                    (dbms.SCHEMA_VERSION,)]
        assert len(plugin.get_volumes()) == 2 * PROCESSES + 1
        [new] = plugin.get_volumes(volume_name='data', backend_name='b1')
        [snapshot] = plugin.get_snapshots(snapshot_name='daily')
        [renamed] = plugin.get_volumes(volume_name='shared')
        assert len(plugin.get_volumes(volume_name='data')) == PROCESSES + 1
    finally:
        plugin.close()
    winners = [new['id'].replace('n', ''), snapshot['id'].replace('s', ''),
               renamed['id'].replace('v', '')]
    for index, outcome in enumerate(outcomes):
        assert outcome['result'] == [
            'won' if winner == str(index) else holder['id']
            for winner, holder in zip(winners, (new, snapshot, renamed))]


def test_each_migration_runs_once(tmp_path, new_db):
    # A database at the current version while every process knows one more
    # step (it adds a key-value row with a plain INSERT, so running twice
    # would fail): the step runs exactly once, whoever wins.
    persistence.setup({'storage': 'db', 'connection': new_db}).close()
    outcomes = parallel_processes.run(tmp_path / 'run', PROCESSES, SETUP + '''
def step_2(conn, metadata, tables):
    conn.execute(tables['key_values'].insert().values(
        key='migrated-by', value=str(index)))
dbms.MIGRATIONS = dbms.MIGRATIONS + ((dbms.SCHEMA_VERSION + 1, step_2),)
dbms.SCHEMA_VERSION += 1
''', '''
        plugin = persistence.setup({'storage': 'db',
                                    'connection': args['url']})
        result = [kv.value for kv in plugin.get_key_values('migrated-by')]
        plugin.close()
    ''', {'url': new_db})
    assert parallel_processes.failures(outcomes) == []
    [winner] = outcomes[0]['result']
    assert all(o['result'] == [winner] for o in outcomes)
    import sqlalchemy as sa
    engine = sa.create_engine(new_db)
    try:
        with engine.connect() as conn:
            assert conn.exec_driver_sql(
                'SELECT version FROM cl_schema').fetchall() == [
                    (dbms.SCHEMA_VERSION + 1,)]
    finally:
        engine.dispose()


@pytest.mark.parametrize('storage', ['memory', 'memory_db'])
def test_unique_names_in_one_process(storage):
    # memory and memory_db live in one process: its threads race.
    plugin = persistence.setup({'storage': storage, 'unique_names': True})
    barrier = threading.Barrier(PROCESSES)
    outcomes = []

    def save(index):
        barrier.wait()
        try:
            plugin.set_volume(_volume('v%d' % index, 'data'))
            outcomes.append('won')
        except errors.DuplicateName:
            outcomes.append('refused')

    threads = [threading.Thread(target=save, args=(i,))
               for i in range(PROCESSES)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ['refused'] * (PROCESSES - 1) + ['won']
    assert len(plugin.get_volumes(volume_name='data')) == 1


@pytest.fixture(params=['memory', 'memory_db', 'sqlite', 'sqlite_existing',
                        'postgresql', 'mariadb'])
def unique(request, tmp_path):
    """A unique_names plugin of each kind, on an empty store
    (sqlite_existing: a file with the schema, written with the standard
    library)."""
    kind = request.param
    config = {'storage': kind, 'unique_names': True}
    if kind.startswith('sqlite'):
        config = {'storage': 'db', 'unique_names': True,
                  'connection': 'sqlite:///%s' % (tmp_path / 'u.sqlite')}
        if kind == 'sqlite_existing':
            persistence.setup(dict(config, unique_names=False)).close()
    elif kind in URLS:
        if not URLS[kind]:
            pytest.skip('set CL_TEST_%s_URL to test %s' % (
                'PG' if kind == 'postgresql' else 'MYSQL', kind))
        config = {'storage': 'db', 'unique_names': True,
                  'connection': URLS[kind]}
    plugin = persistence.setup(config)
    _empty(plugin)
    yield plugin
    _empty(plugin)
    plugin.close()


def _empty(plugin):
    for record in plugin.get_snapshots():
        plugin.delete_snapshot(record)
    for record in plugin.get_volumes():
        plugin.delete_volume(record)


def test_duplicate_name_names_both(unique):
    unique.set_volume(_volume('v1', 'data'))
    with pytest.raises(errors.DuplicateName) as exc:
        unique.set_volume(_volume('v2', 'data'))
    assert (exc.value.resource_id, exc.value.holder_id, exc.value.name,
            exc.value.scope) == ('v2', 'v1', 'data', 'b1')
    assert str(exc.value) == (
        "volume v2 cannot be named 'data': volume v1 of backend b1 already "
        "has that name; choose another name, or rename or remove volume v1 "
        "first")
    assert unique.get_volumes(volume_id='v2') == []


def test_unique_names_rules(unique):
    unique.set_volume(_volume('v1', 'data'))
    # Saving again under its own name, another backend, no name: allowed.
    unique.set_volume(_volume('v1', 'data', status='in-use'))
    unique.set_volume(_volume('v2', 'data', backend='b2'))
    unique.set_volume(_volume('v3', None))
    unique.set_volume(_volume('v4', None))
    unique.set_volume(_volume('v5', ''))
    unique.set_volume(_volume('v6', ''))
    # A rename onto a taken name is refused and changes nothing.
    with pytest.raises(errors.DuplicateName):
        unique.set_volume(_volume('v3', 'data', status='error'))
    assert unique.get_volumes(volume_id='v3')[0]['status'] == 'available'
    # A freed name can be taken.
    unique.set_volume(_volume('v1', 'renamed'))
    unique.set_volume(_volume('v3', 'data'))
    unique.delete_volume('v3')
    unique.set_volume(_volume('v4', 'data'))
    # Snapshots: per volume.
    snap = {'id': 's1', 'backend': 'b1', 'name': 'daily', 'status':
            'available', 'size': 1, 'volume_id': 'v1', 'data': {}}
    unique.set_snapshot(snap)
    unique.set_snapshot(dict(snap, id='s2', volume_id='v2'))
    with pytest.raises(errors.DuplicateName, match='snapshot s3 .* snapshot '
                       's1 of volume v1'):
        unique.set_snapshot(dict(snap, id='s3'))


@pytest.mark.parametrize('storage', ['memory', 'memory_db'])
def test_names_not_unique_by_default(storage):
    # The cinderlib library allows two volumes one name.
    plugin = persistence.setup({'storage': storage})
    plugin.set_volume(_volume('v1', 'data'))
    plugin.set_volume(_volume('v2', 'data'))
    assert len(plugin.get_volumes(volume_name='data')) == 2


@pytest.fixture
def unique_core():
    """The core on memory_db persistence with unique_names."""
    from ansible_collections.openstack.cinderlib.plugins.module_utils import cinderlib as cl
    from persistence_conformance import using_persistence
    with using_persistence({'storage': 'memory_db', 'unique_names': True}):
        yield cl


def test_core_refuses_a_taken_name_before_the_driver(unique_core, backend):
    from core_helpers import store
    first = backend.create_volume(1, name='data')
    on_storage = dict(store(backend)['volumes'])
    with pytest.raises(errors.DuplicateName, match=first.id):
        backend.create_volume(1, name='data')
    with pytest.raises(errors.DuplicateName):
        first.clone(name='data')
    assert store(backend)['volumes'] == on_storage
    assert [v['id'] for v in unique_core.Backend.persistence.get_volumes()] == [
        first.id]
    snapshot = first.create_snapshot(name='daily')
    with pytest.raises(errors.DuplicateName, match=snapshot.id):
        first.create_snapshot(name='daily')
    assert [s.id for s in first.snapshots] == [snapshot.id]
    snapshot.delete()
    first.delete()


def test_threads_read_and_write_at_once(unique):
    # cl_volumes converges its items on threads of one process over one
    # plugin: reads interleave with writes and with other reads.  memory_db's
    # threads share one connection, so its reads take the plugin's thread
    # lock as its writes do (without it: "cannot commit - no transaction is
    # active", or a read inside another thread's transaction).
    plugin = unique
    threads, rounds = 8, 40
    barrier = threading.Barrier(threads)
    errors_seen = []

    def work(index):
        barrier.wait()
        try:
            for round_ in range(rounds):
                volume_id = str(uuid.uuid5(uuid.NAMESPACE_OID,
                                           '%d-%d' % (index, round_)))
                plugin.set_volume(_volume(volume_id, 't%d-%d' % (index,
                                                                 round_)))
                assert plugin.get_volumes(volume_id=volume_id)
                plugin.get_volumes(backend_name='b1')
                plugin.get_key_values()
                if round_ % 2:
                    plugin.delete_volume(plugin.get_volumes(
                        volume_id=volume_id)[0])
        except Exception as exc:        # reported below, with its thread
            errors_seen.append('%d: %s: %s' % (index, type(exc).__name__,
                                               exc))

    workers = [threading.Thread(target=work, args=(i,))
               for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert errors_seen == []
    assert len(plugin.get_volumes(backend_name='b1')) == threads * rounds // 2
