# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Day-2 operations (volume_day2.py) with the fake driver."""

import os

import pytest

from core_helpers import backend_name, store
from ansible_collections.openstack.cinderlib.plugins.module_utils import cinderlib as cl
from ansible_collections.openstack.cinderlib.plugins.module_utils import errors
from ansible_collections.openstack.cinderlib.plugins.module_utils import library_state
from ansible_collections.openstack.cinderlib.plugins.module_utils.resources import volume_day2
from ansible_collections.openstack.cinderlib.plugins.module_utils.persistence import base
from ansible_collections.openstack.cinderlib.plugins.module_utils.persistence import dbms
from ansible_collections.openstack.cinderlib.plugins.module_utils.persistence import memory

DAY2_DRIVER = 'fake_driver.Day2FakeDriver'
NODE1 = {'host': 'node1', 'initiator': 'iqn.1994-05.com.example:node1'}
NODE2 = {'host': 'node2', 'initiator': 'iqn.1994-05.com.example:node2'}


@pytest.fixture
def day2(request):
    return cl.Backend(backend_name(request), volume_driver=DAY2_DRIVER)


def _day2_backend(request, suffix, **options):
    return cl.Backend(backend_name(request) + suffix,
                      volume_driver=DAY2_DRIVER, **options)


def _write(volume, data):
    store(volume.backend).setdefault('data', {})[volume.name_in_storage] = data


def _read(volume):
    return store(volume.backend).get('data', {}).get(volume.name_in_storage)


def _cleanup(volume):
    for connection in list(volume.connections):
        connection.disconnect()
    for snapshot in list(volume.snapshots):
        snapshot.delete()
    volume.delete()


# Grow while in use ---------------------------------------------------------
def test_extend_in_use_keeps_status(day2):
    vol = day2.create_volume(1)
    vol.connect(NODE1)
    vol.extend(3)
    assert (vol.status, vol.size) == ('in-use', 3)
    assert store(day2)['volumes'][vol.name_in_storage] == 3
    assert cl.Volume.get_by_id(vol.id).size == 3
    _cleanup(vol)


def test_extend_in_use_refused_without_online_extend(request):
    backend = _day2_backend(request, '-x', fake_online_extend=False)
    vol = backend.create_volume(1)
    vol.connect(NODE1)
    with pytest.raises(errors.NotSupported,
                       match='in use and backend .* reports '
                             'online_extend_support false; disconnect it'):
        vol.extend(2)
    assert (vol.status, vol.size) == ('in-use', 1)
    vol.connections[0].disconnect()
    vol.extend(2)     # available: allowed
    assert vol.size == 2
    _cleanup(vol)


def test_extend_target_update_failure_is_a_warning(day2):
    from cinder import exception
    vol = day2.create_volume(1)
    vol.connect(NODE1)
    day2.driver.fail_next['extend_volume'] = exception.TargetUpdateFailed(
        volume_id=vol.id)
    vol.extend(2)
    assert (vol.status, vol.size) == ('in-use', 2)
    assert 'could not be refreshed' in vol.warnings[0]
    _cleanup(vol)


# Revert ----------------------------------------------------------------------
def test_revert_to_latest_snapshot(day2):
    vol = day2.create_volume(1)
    _write(vol, b'first')
    snap = vol.create_snapshot(name='s1')
    _write(vol, b'second')
    vol.revert_to_snapshot(snap)
    assert _read(vol) == b'first'
    assert (vol.status, snap.status) == ('available', 'available')
    assert cl.Volume.get_by_id(vol.id).status == 'available'
    _cleanup(vol)


def test_revert_refusals_change_nothing(day2):
    vol = day2.create_volume(1)
    older = vol.create_snapshot(name='old')
    newer = vol.create_snapshot(name='new')
    with pytest.raises(errors.InvalidInput, match='not the most recent .*'
                       '%s is' % newer.id):
        vol.revert_to_snapshot(older)
    conn = vol.connect(NODE1)
    with pytest.raises(errors.InvalidInput, match='is in-use; it can be '
                       'reverted only while available'):
        vol.revert_to_snapshot(newer)
    conn.disconnect()
    vol.extend(2)
    with pytest.raises(errors.InvalidInput, match='is 2 GiB and snapshot .* '
                       'taken at 1 GiB'):
        vol.revert_to_snapshot(newer)
    other = day2.create_volume(1)
    with pytest.raises(errors.InvalidInput, match='is of volume'):
        other.revert_to_snapshot(newer)
    assert (vol.status, newer.status) == ('available', 'available')
    _cleanup(vol)
    _cleanup(other)


def test_revert_without_driver_support_is_refused(request):
    backend = _day2_backend(request, '-thin', fake_revert=False,
                            fake_temp_snapshot=True)
    vol = backend.create_volume(1)
    _write(vol, b'first')
    snap = vol.create_snapshot()
    _write(vol, b'second')
    with pytest.raises(errors.NotSupported,
                       match='reverting to a snapshot is not supported by '
                             'Day2FakeDriver; create a volume from snapshot'):
        vol.revert_to_snapshot(snap)
    assert _read(vol) == b'second'
    assert vol.status == 'available'
    # The temporary snapshot is gone again.
    assert [s.id for s in vol._current(cl.Snapshot)] == [snap.id]
    _cleanup(vol)


def test_revert_failure_keeps_the_temporary_snapshot(request):
    backend = _day2_backend(request, '-tmp', fake_temp_snapshot=True)
    vol = backend.create_volume(1)
    snap = vol.create_snapshot()
    backend.driver.fail_next['revert_to_snapshot'] = RuntimeError('array')
    with pytest.raises(errors.BackendError,
                       match='revert to snapshot .* failed: .*array.*its '
                             'data before the revert is in snapshot'):
        vol.revert_to_snapshot(snap)
    assert vol.status == 'error'
    assert len(vol._current(cl.Snapshot)) == 2


# Named types and retype ---------------------------------------------------
def test_named_type_seen_by_the_driver(day2):
    gold = volume_day2.VolumeType.define('gold-%s' % day2.id,
                                         extra_specs={'tier': 'gold'},
                                         qos_specs={'qos:iops': '100'})
    assert volume_day2.VolumeType.define(gold.name,
                                         extra_specs={'tier': 'gold'},
                                         qos_specs={'qos:iops': 100}) == gold
    vol = day2.create_volume(1, volume_type=gold.name)
    assert vol.volume_type_id == gold.id
    assert vol.volume_type_name == gold.name
    assert vol._ovo.volume_type.name == gold.name
    from cinder.db import api as db
    assert db.volume_type_get(None, gold.id)['extra_specs'] == {
        'tier': 'gold'}
    assert db.qos_specs_get(None, gold.id)['specs'] == {'qos:iops': '100'}
    with pytest.raises(errors.InvalidInput, match='used by 1 volume'):
        volume_day2.VolumeType.define(gold.name, extra_specs={'tier': 'x'})
    with pytest.raises(errors.InvalidInput, match='used by 1 volume'):
        gold.delete()
    with pytest.raises(errors.NotFound, match="'nope' is not defined"):
        day2.create_volume(1, volume_type='nope')
    clone = vol.clone()
    snap = vol.create_snapshot()
    restored = snap.create_volume()
    assert clone.volume_type_id == restored.volume_type_id == gold.id
    assert gold.volume_ids() == sorted([vol.id, clone.id, restored.id])
    own = vol.clone(extra_specs={'tier': 'own'})
    assert own.volume_type_id == own.id
    assert own.qos_specs == {'qos:iops': '100'}
    for volume in (own, restored, clone):
        _cleanup(volume)
    _cleanup(vol)
    gold.delete()
    assert volume_day2.VolumeType.find(gold.name) is None


def test_dump_and_load_carry_named_types(day2):
    silver = volume_day2.VolumeType.define('silver-%s' % day2.id,
                                           extra_specs={'tier': 'silver'})
    vol = day2.create_volume(1, volume_type=silver)
    dump = cl.dump()
    assert silver._record in dump['volume_types']
    library_state.persistence().delete_volume_type(silver.id)
    cl.load(dump, save=True)
    assert volume_day2.VolumeType.get(silver.name) == silver
    _cleanup(vol)
    silver.delete()


def test_retype_in_place_with_cinder_diff(day2):
    vol = day2.create_volume(1, qos_specs={'qos:iops': '100'})
    assert vol.retype(qos_specs={'qos:iops': '500'}) is True
    volume_id, type_name, diff, qos = day2.driver.retyped[-1]
    assert diff == {'extra_specs': {},
                    'qos_specs': {'consumer': ('back-end', 'back-end'),
                                  'qos:iops': ('100', '500')},
                    'encryption': {}}
    assert qos == {'qos:iops': '500'}     # the new type, through the DB
    assert vol.qos_specs == {'qos:iops': '500'}
    assert vol._ovo.provider_location.endswith(type_name)
    assert cl.Volume.get_by_id(vol.id).qos_specs == {'qos:iops': '500'}
    assert vol.retype(qos_specs={'qos:iops': '500'}) is False
    _cleanup(vol)


def test_retype_refused_leaves_the_volume(day2):
    vol = day2.create_volume(1, extra_specs={'tier': 'silver'})
    before = library_state.persistence().get_volumes(volume_id=vol.id)
    with pytest.raises(errors.NotSupported,
                       match="cannot change extra spec tier: 'silver' -> "
                             "'gold' in place; the volume is unchanged"):
        vol.retype(extra_specs={'tier': 'gold'})
    assert vol.extra_specs == {'tier': 'silver'}
    assert vol.status == 'available'
    assert library_state.persistence().get_volumes(volume_id=vol.id) == before
    _cleanup(vol)


def test_retype_to_named_type(day2):
    fast = volume_day2.VolumeType.define('fast-%s' % day2.id,
                                         qos_specs={'qos:iops': '900'})
    vol = day2.create_volume(1, qos_specs={'qos:iops': '100'})
    vol.retype(fast)
    assert (vol.volume_type_id, vol.volume_type_name) == (fast.id, fast.name)
    assert fast.volume_ids() == [vol.id]
    _cleanup(vol)
    fast.delete()


# Multiattach -----------------------------------------------------------------
def test_multiattach_two_connections(day2):
    vol = day2.create_volume(1, multiattach=True)
    assert vol.multiattach is True
    assert vol.extra_specs == {'multiattach': '<is> True'}
    first = vol.connect(NODE1)
    second = vol.connect(NODE2)
    assert len(library_state.persistence().get_connections(volume_id=vol.id)) == 2
    first.disconnect()
    assert vol.status == 'in-use'
    assert vol.name_in_storage in store(day2)['exports']
    assert [c.id for c in vol.connections] == [second.id]
    _cleanup(vol)


def test_multiattach_refused_naming_the_backend(request):
    backend = _day2_backend(request, '-single', fake_multiattach=False)
    with pytest.raises(errors.NotSupported,
                       match='backend %s does not report multiattach'
                             % backend.id):
        backend.create_volume(1, multiattach=True)
    multi = volume_day2.VolumeType.define(
        'multi-%s' % backend.id, extra_specs={'multiattach': '<is> True'})
    with pytest.raises(errors.NotSupported, match='does not report'):
        backend.create_volume(1, volume_type=multi)
    assert not library_state.persistence().get_volumes(backend_name=backend.id)
    multi.delete()


def test_multiattach_flag_contradicting_the_specs(day2):
    with pytest.raises(errors.InvalidInput, match='multiattach is false but '
                       'the extra specs'):
        day2.create_volume(1, multiattach=False,
                           extra_specs={'multiattach': '<is> True'})
    plain = volume_day2.VolumeType.define('plain-%s' % day2.id)
    with pytest.raises(errors.InvalidInput, match='is not multiattach'):
        day2.create_volume(1, multiattach=True, volume_type=plain)
    assert not library_state.persistence().get_volumes(backend_name=day2.id)
    plain.delete()


def test_multiattach_retype_refused_in_use(day2):
    vol = day2.create_volume(1)
    vol.connect(NODE1)
    with pytest.raises(errors.InvalidInput, match='in use; Cinder changes '
                       'multiattach only on available volumes'):
        vol.retype(extra_specs={'multiattach': '<is> True'})
    vol.connections[0].disconnect()
    vol.retype(extra_specs={'multiattach': '<is> True'})
    assert vol.multiattach is True
    _cleanup(vol)


# Persistence of named types, in every built-in plugin and the default -----
class KeyValuesOnly(base.PersistenceDriverBase):
    """A plugin written before named types: key-value pairs only."""

    def __init__(self):
        super().__init__()
        self.kv = {}

    def get_key_values(self, key=None):
        return [base.KeyValue(k, v) for k, v in sorted(self.kv.items())
                if key is None or k == key]

    def set_key_value(self, key_value):
        self.kv[key_value.key] = key_value.value

    def delete_key_value(self, key_value):
        self.kv.pop(key_value.key, None)


def _server_db(variable):
    def make():
        url = os.environ.get(variable)
        if not url:
            pytest.skip('%s is not set (scripts/test.sh sets it)' % variable)
        plugin = dbms.DBPersistence(url)
        for record in plugin.get_volume_types():
            plugin.delete_volume_type(record)
        return plugin
    return make


@pytest.mark.parametrize('make', [
    memory.MemoryPersistence, dbms.MemoryDBPersistence, KeyValuesOnly,
    _server_db('CL_TEST_PG_URL'), _server_db('CL_TEST_MYSQL_URL')],
    ids=['memory', 'memory_db', 'default', 'postgresql', 'mariadb'])
def test_volume_type_records(make):
    from ansible_collections.openstack.cinderlib.plugins.module_utils import persistence
    plugin = persistence._for_the_core(make())
    gold = {'id': 't1', 'name': 'gold', 'data': {'extra_specs': {'a': 'b'},
                                                 'qos_specs': {},
                                                 'description': None}}
    silver = dict(gold, id='t2', name='silver')
    plugin.set_volume_type(silver)
    plugin.set_volume_type(gold)
    assert [t['name'] for t in plugin.get_volume_types()] == ['gold',
                                                              'silver']
    assert plugin.get_volume_types(type_name='gold') == [gold]
    assert plugin.get_volume_types(type_id='t2') == [silver]
    plugin.set_volume_type(dict(gold, data=dict(gold['data'],
                                                description='x')))
    assert plugin.get_volume_types(type_id='t1')[0]['data'][
        'description'] == 'x'
    plugin.delete_volume_type('t1')
    assert plugin.get_volume_types() == [silver]
    plugin.delete_volume_type(silver)
    plugin.close()


def test_schema_1_database_gains_volume_types(tmp_path):
    import sqlalchemy as sa
    url = 'sqlite:///%s' % (tmp_path / 'v1.sqlite')
    engine = sa.create_engine(url)
    metadata, tables = dbms._schema(sa)
    with engine.begin() as conn:
        for name, table in tables.items():
            if name != 'volume_types':
                table.create(conn)
        conn.execute(tables['schema'].insert().values(version=1))
    engine.dispose()
    plugin = dbms.DBPersistence(url)
    plugin.set_volume_type({'id': 't', 'name': 'gold', 'data': {}})
    assert plugin.get_volume_types(type_name='gold')[0]['id'] == 't'
    plugin.close()
    reader = dbms.DBPersistence(url)     # the standard-library reader
    assert reader._reader is not None
    assert reader.get_volume_types()[0]['name'] == 'gold'
    reader.close()


def test_same_type_defined_by_many_processes_at_once(tmp_path):
    import parallel_processes
    url = 'sqlite:///%s' % (tmp_path / 'types.sqlite')
    dbms.DBPersistence(url).close()
    outcomes = parallel_processes.run(tmp_path / 'run', 6, '''
from ansible_collections.openstack.cinderlib.plugins.module_utils import cinderlib as cl
from ansible_collections.openstack.cinderlib.plugins.module_utils.resources import volume_day2
cl.setup(persistence_config={'storage': 'db', 'connection': args['url']})
''', '''
    result = volume_day2.VolumeType.define(
        'gold', extra_specs={'tier': 'gold'}, qos_specs={'qos:iops': '10'}).id
''', {'url': url})
    assert parallel_processes.failures(outcomes) == []
    assert len({outcome['result'] for outcome in outcomes}) == 1
    plugin = dbms.DBPersistence(url)
    assert [t['name'] for t in plugin.get_volume_types()] == ['gold']
    plugin.close()


# What a killed run leaves (records.TRANSITIONAL) ------------------------------
def _killed_in(resource, status, **owner):
    from test_recovery import _dead_pid, _left_as
    return _left_as(resource, status, pid=_dead_pid(), process_start='1',
                    **owner)


def test_killed_retype_goes_back_to_the_recorded_type(day2):
    vol = day2.create_volume(1, qos_specs={'qos:iops': '10'})
    left = _killed_in(vol, 'retyping', previous='available')
    assert left.reconcile() is left
    assert (left.status, left.qos_specs) == ('available', {'qos:iops': '10'})
    assert left.retype(qos_specs={'qos:iops': '20'}) is True


def test_killed_revert_is_done_again(day2):
    from ansible_collections.openstack.cinderlib.plugins.module_utils import records
    vol = day2.create_volume(1)
    _write(vol, b'first')
    snap = vol.create_snapshot()
    _write(vol, b'second')
    _killed_in(snap, 'restoring')
    left = _killed_in(vol, 'reverting', snapshot_id=snap.id)
    assert records.settled_view(records.fresh_record(
        library_state.persistence(), 'volume', vol.id))['status'] == \
        'available'
    assert left.reconcile() is left
    assert left.status == 'available'
    assert _read(left) == b'first'
    assert cl.Snapshot.get_by_id(snap.id).status == 'available'
    _cleanup(left)


def test_killed_revert_leaves_the_snapshot_usable(day2):
    vol = day2.create_volume(1)
    snap = vol.create_snapshot()
    left = _killed_in(snap, 'restoring')
    assert left.reconcile() is left and left.status == 'available'
    _cleanup(vol)
