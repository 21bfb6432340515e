# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""converge.py in this process, against the fake driver: what each
declaration returns (results.Result) or refuses (results.Refused), and
that check mode and refusals leave persistence as they found it.  The
modules' own runs (one process per task, no Cinder on the no-change path)
are tests/unit/plugins/modules/test_modules.py."""

import threading

import pytest

from core_helpers import DRIVER, persistence_state, store
from ansible_collections.openstack.cinderlib.plugins.module_utils import cinderlib as cl
from ansible_collections.openstack.cinderlib.plugins.module_utils import converge
from ansible_collections.openstack.cinderlib.plugins.module_utils import records
from ansible_collections.openstack.cinderlib.plugins.module_utils.results import Refused, Result
from ansible_collections.openstack.cinderlib.plugins.module_utils.storage_module import StorageModule

CONNECTOR = {'host': 'node1', 'initiator': 'iqn.2026-12.test:node1'}


def storage(backend, tmp_path, check_mode=False):
    """A StorageModule over the test's backend and the library's
    persistence (set up once for the process, by conftest.py)."""
    return StorageModule.without_ansible(
        {'backend': {'volume_backend_name': backend.id,
                     'volume_driver': DRIVER, 'fake_password': 's3cret'},
         'lock_path': str(tmp_path / 'locks')},
        check_mode=check_mode, persistence=cl.Backend.persistence,
        backend=backend)


@pytest.fixture
def sm(backend, tmp_path):
    return storage(backend, tmp_path)


@pytest.fixture
def check(backend, tmp_path):
    return storage(backend, tmp_path, check_mode=True)


@pytest.fixture
def v1(sm):
    created = converge.volume(sm, dict(name='v1', size=1,
                                       description='first',
                                       metadata={'k': 'v'}))
    return created['volume']


def refused(call, *args):
    """The message of the Refused ``call(*args)`` raises; persistence is
    left as it was."""
    before = persistence_state()
    with pytest.raises(Refused) as raised:
        call(*args)
    assert persistence_state() == before
    return raised.value.msg


def test_create_returns_the_view_of_the_new_record(sm, backend):
    created = converge.volume(sm, dict(name='v1', size=2))
    assert isinstance(created, Result)
    assert created.changed and not created.warnings
    volume = created['volume']
    assert volume['name'] == 'v1' and volume['size'] == 2
    assert volume['status'] == 'available'
    assert created.diff == {'before': {}, 'after': volume}
    assert volume == records.volume_view(
        records.fresh_record(sm.persistence, 'volume', volume['id']))
    assert store(backend)['volumes']


def test_a_new_id_with_a_name_another_volume_has_is_refused(sm, v1, backend):
    msg = refused(converge.volume, sm, dict(
        id='00000000-0000-4000-8000-000000000001', name='v1', size=1))
    assert msg == (
        'name: volume v1 already exists on backend %s with another id (%s); '
        'give its id, or another name for the new volume'
        % (backend.id, v1['id']))


def test_same_declaration_again_changes_nothing(sm, v1):
    again = converge.volume(sm, dict(name='v1', size=1, description='first',
                                     metadata={'k': 'v'}))
    assert again.changed is False and again.diff is None
    assert again['volume'] == v1


def test_check_mode_create_plans_the_same_shape(check, sm):
    before = persistence_state()
    planned = converge.volume(check, dict(name='v1', size=2,
                                          description='d'))
    assert persistence_state() == before
    assert planned.changed and planned.diff['before'] == {}
    created = converge.volume(sm, dict(name='v1', size=2, description='d'))
    assert set(planned['volume']) == set(created['volume']) - {'id'}
    for key in ('name', 'size', 'description', 'metadata', 'status'):
        assert planned['volume'][key] == created['volume'][key]


def test_grow_and_relabel(sm, v1):
    grown = converge.volume(sm, dict(name='v1', size=3, metadata={'k': 'w'}))
    assert grown.changed
    assert grown.diff['before'] == v1
    assert grown['volume']['size'] == 3
    assert grown['volume']['metadata'] == {'k': 'w'}
    assert grown['volume']['description'] == 'first'


def test_a_relabel_survives_a_later_grow_in_this_process(sm, v1):
    # The first declaration changes the record only; the second calls the
    # driver through the core's object of the volume, live since v1.
    converge.volume(sm, dict(name='v1', description='second'))
    grown = converge.volume(sm, dict(name='v1', size=2))
    assert grown['volume']['description'] == 'second'
    assert grown['volume']['metadata'] == {'k': 'v'}


def test_check_mode_update_changes_no_record(check, v1):
    before = persistence_state()
    planned = converge.volume(check, dict(name='v1', size=3,
                                          description='second'))
    assert persistence_state() == before
    assert planned.changed
    assert planned.diff['before'] == v1
    assert planned['volume'] == dict(v1, size=3, description='second')


def test_rename_by_id(sm, v1):
    renamed = converge.volume(sm, dict(id=v1['id'], name='v2'))
    assert renamed.changed and renamed['volume']['name'] == 'v2'
    assert converge.volume(sm, dict(name='v2'))['volume']['id'] == v1['id']


def test_rename_to_a_taken_name_is_refused(sm, v1):
    other = converge.volume(sm, dict(name='v2', size=1))['volume']
    msg = refused(converge.volume, sm, dict(id=other['id'], name='v1'))
    assert msg.startswith('name: volume v2 (%s) cannot be renamed to v1' %
                          other['id'])


@pytest.mark.parametrize('decl, message', [
    (dict(name='v1', size=0), 'size must be a whole number of GiB'),
    (dict(name='v9'), 'size is required to create volume v9'),
    (dict(name='v9', size=1, source_volume='nosuch'),
     'source_volume nosuch not found'),
])
def test_bad_declarations_are_refused(sm, v1, decl, message):
    assert message in refused(converge.volume, sm, decl)


def test_shrink_is_refused(sm, v1):
    converge.volume(sm, dict(name='v1', size=2))
    assert 'shrinking to 1 GiB is refused' in refused(
        converge.volume, sm, dict(name='v1', size=1))


def test_absent_needs_cascade_for_dependents(sm, v1):
    converge.snapshot(sm, dict(volume='v1', name='s1'))
    msg = refused(converge.volume, sm, dict(name='v1', state='absent'))
    assert 's1' in msg and 'cascade' in msg
    removed = converge.volume(sm, dict(name='v1', state='absent',
                                       cascade=True))
    assert removed.changed and removed.diff['after'] == {}
    assert removed['volume']['id'] == v1['id']
    gone = converge.volume(sm, dict(name='v1', state='absent'))
    assert gone.changed is False and gone['volume'] == {}


def test_check_mode_absent_keeps_the_volume(check, sm, v1):
    before = persistence_state()
    planned = converge.volume(check, dict(name='v1', state='absent'))
    assert planned.changed and planned['volume'] == v1
    assert persistence_state() == before


def test_snapshot_create_update_absent(sm, check, v1):
    planned = converge.snapshot(check, dict(volume='v1', name='s1'))
    assert planned.changed and planned['snapshot']['volume_id'] == v1['id']
    created = converge.snapshot(sm, dict(volume='v1', name='s1',
                                         description='before'))
    snap = created['snapshot']
    assert created.changed and snap['status'] == 'available'
    assert set(planned['snapshot']) == set(snap) - {'id'}
    assert converge.snapshot(sm, dict(volume='v1', name='s1',
                                      description='before')).changed is False
    relabelled = converge.snapshot(sm, dict(volume='v1', name='s1',
                                            description='after'))
    assert relabelled.changed
    assert relabelled['snapshot'] == dict(snap, description='after')
    assert relabelled.diff['before'] == snap
    deleted = converge.snapshot(sm, dict(volume='v1', name='s1',
                                         state='absent'))
    assert deleted.changed and deleted['snapshot']['id'] == snap['id']
    assert converge.snapshot(sm, dict(volume='v1', name='s1',
                                      state='absent')).changed is False


def test_snapshot_of_a_missing_volume(sm):
    assert 'create it first with cl_volume' in refused(
        converge.snapshot, sm, dict(volume='nosuch', name='s1'))
    assert converge.snapshot(sm, dict(volume='nosuch', name='s1',
                                      state='absent')).changed is False


def test_connection_paths(sm, check, v1):
    planned = converge.connection(check, dict(volume='v1',
                                              connector=CONNECTOR))
    assert planned.changed
    made = converge.connection(sm, dict(volume='v1', connector=CONNECTOR))
    conn = made['connection']
    assert made.changed and \
        set(planned['connection']) == set(conn) - {'id'}
    assert conn['conn_info']['data']['keyring'] == records.MASK
    again = converge.connection(sm, dict(volume='v1', connector=CONNECTOR))
    assert again.changed is False and again['connection'] == conn
    secret = converge.connection(sm, dict(volume='v1', connector=CONNECTOR,
                                          include_secrets=True))
    assert secret['connection']['conn_info']['data']['keyring'] == \
        'SECRETKEY'
    assert 'node1' in refused(converge.connection, sm, dict(
        volume='v1', connector={'host': 'node2'}))
    dropped = converge.connection(sm, dict(volume='v1', connector=CONNECTOR,
                                           state='absent'))
    assert dropped.changed and dropped['connection']['id'] == conn['id']
    assert converge.volume(sm, dict(name='v1'))['volume']['status'] == \
        'available'


def test_backend_facts(sm, v1):
    facts = converge.backend_facts(sm, dict(refresh=True))
    assert facts.changed is False
    backend = facts['backend']
    assert backend['volumes'] == [v1]
    # Types are the database's (other tests' too); none has v1.
    assert all(t['volumes'] == [] and t['volume_count'] == 0
               for t in backend['volume_types'])
    assert backend['pools'] == ['pool0']
    saved = converge.backend_facts(sm, dict(resources=False))
    assert saved['backend']['stats_updated_at'] == \
        backend['stats_updated_at']
    assert 'volumes' not in saved['backend']
    assert facts['ansible_facts'] == {'cinderlib_backend': backend}


@pytest.fixture
def file_db(tmp_path):
    """The library on a SQLite file for the test, as the modules use it
    (a pool of connections; memory_db's threads share one: test_bulk.py
    runs items on threads over both)."""
    kept = cl.Backend.persistence
    cl.Backend.set_persistence({'storage': 'db', 'connection': 'sqlite:///%s'
                                % (tmp_path / 'threads.sqlite')})
    yield cl.Backend.persistence
    cl.Backend.set_persistence({'storage': kept})


@pytest.fixture
def shared(file_db, backend, tmp_path):
    """One StorageModule for many threads, over the SQLite file."""
    sm = storage(backend, tmp_path)
    return sm


def test_one_of_many_threads_creates_the_volume(shared, backend):
    sm = shared
    results, errors = [], []

    def declare():
        try:
            results.append(converge.volume(sm, dict(name='shared', size=1)))
        except Exception as exc:     # the test reports it
            errors.append(exc)
    threads = [threading.Thread(target=declare) for _n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert sum(result.changed for result in results) == 1
    assert len(set(result['volume']['id'] for result in results)) == 1
    assert len(sm.persistence.get_volumes(volume_name='shared',
                                          backend_name=backend.id)) == 1


def test_threads_converge_their_own_declarations(shared, backend):
    sm = shared
    results = {}

    def declare(name):
        results[name] = converge.volume(sm, dict(name=name, size=1))
    threads = [threading.Thread(target=declare, args=('t%d' % i,))
               for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == ['t%d' % i for i in range(6)]
    assert all(result.changed and result['volume']['name'] == name
               for name, result in results.items())
    assert sm._held == set()


def test_the_persistence_plugin_is_built_once_for_all_threads(
        tmp_path, monkeypatch):
    from ansible_collections.openstack.cinderlib.plugins.module_utils import persistence
    built = []
    real_setup = persistence.setup

    def counting_setup(config):
        built.append(config)
        return real_setup(config)
    monkeypatch.setattr(persistence, 'setup', counting_setup)
    sm = StorageModule.without_ansible({
        'backend': {'volume_backend_name': 'b', 'volume_driver': DRIVER},
        'db_url': 'sqlite:///%s' % (tmp_path / 'db.sqlite')})
    seen = []
    threads = [threading.Thread(target=lambda: seen.append(sm.persistence))
               for _n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(built) == 1 and len(set(map(id, seen))) == 1


class LosingLock:
    """A lock whose service is gone by the time it is released."""

    name = 'lost'

    def acquire(self, blocking=True):
        return True

    def release(self):
        raise ConnectionError('gone')


class LosingCoordinator:
    def get_lock(self, name):
        return LosingLock()


def test_a_lost_lock_service_is_a_warning_of_the_result(sm, v1):
    sm._coordinator = LosingCoordinator()
    # The change is made; releasing its lock failed: the result says so.
    gone = converge.volume(sm, dict(name='v1', state='absent'))
    assert gone.changed
    assert len(gone.warnings) == 1 and 'releasing lock' in gone.warnings[0]
