# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Manage existing, unmanage, manageable listings: the fake driver.

Every refusal and driver failure must leave persistence as it was.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import uuid

import pytest

from ansible_collections.openstack.cinderlib.plugins.module_utils import cinderlib as cl

from core_helpers import persistence_state, store


def existing(backend, name='legacy', size=3, snapshot=None):
    """An object made on the storage without us."""
    store(backend)['volumes'][name] = size
    if snapshot:
        store(backend)['snapshots'][snapshot] = name
    return {'source-name': name}


def assert_nothing_managed(backend):
    assert backend.volumes == []
    assert all(volume.backend is not backend
               for volume in list(cl.Volume._live.values()))


def failure(message):
    from cinder import exception
    return exception.VolumeBackendAPIException(data=message)


def test_manage_use_and_unmanage(manageable):
    ref = existing(manageable, size=3)
    volume = manageable.manage_volume(ref, name='adopted',
                                      description='was legacy')
    assert (volume.status, volume.size, volume.name) == ('available', 3,
                                                         'adopted')
    # Renamed on the storage, as RBD does.
    assert 'legacy' not in store(manageable)['volumes']
    assert store(manageable)['volumes'][volume.name_in_storage] == 3
    assert volume in manageable.volumes
    record = cl.Backend.persistence.get_volumes(volume_id=volume.id)[0]
    assert (record['status'], record['size']) == ('available', 3)
    # Used like any volume.
    snapshot = volume.create_snapshot()
    volume.extend(4)
    connection = volume.connect({'host': 'n1'})
    connection.disconnect()
    snapshot.delete()
    volume.unmanage()
    assert volume.status == 'deleted' and volume not in manageable.volumes
    assert not cl.Backend.persistence.get_volumes(volume_id=volume.id)
    assert store(manageable)['volumes'][volume.name_in_storage] == 4
    assert cl.Backend.backends[manageable.id] is manageable


def test_unmanaged_volume_cannot_be_used(manageable, unchanged):
    volume = manageable.manage_volume(existing(manageable))
    volume.unmanage()
    for action in (volume.delete, volume.unmanage, lambda: volume.extend(9),
                   volume.clone, volume.create_snapshot,
                   lambda: volume.connect({'host': 'n1'})):
        with pytest.raises(cl.errors.InvalidInput, match='unmanaged'):
            action()
    assert volume.name_in_storage in store(manageable)['volumes']


def test_manage_with_options(manageable):
    volume_id = str(uuid.uuid4())
    volume = manageable.manage_volume(
        existing(manageable), id=volume_id, pool_name='pool0',
        extra_specs={'thin': 'true'}, qos_specs={'maxIOPS': '10'},
        metadata={'owner': 'ops'})
    assert volume.id == volume_id and volume.pool_name == 'pool0'
    assert volume._ovo.volume_type.extra_specs == {'thin': 'true'}
    assert volume.metadata == {'owner': 'ops'}
    volume.unmanage()


@pytest.mark.parametrize('ref', [None, 'legacy', {}, {'source-name': ''},
                                 {'name': 'legacy'}, {'source-id': 5}])
def test_bad_reference(manageable, unchanged, ref):
    existing(manageable)
    with pytest.raises(cl.errors.InvalidInput, match='existing_ref must'):
        manageable.manage_volume(ref)


def test_unknown_object(manageable, unchanged):
    with pytest.raises(cl.errors.InvalidInput,
                       match="managing {'source-name': 'nope'}: .*no such"):
        manageable.manage_volume({'source-name': 'nope'})
    assert_nothing_managed(manageable)


def test_driver_failure_keeps_nothing(manageable, unchanged):
    ref = existing(manageable)
    manageable.driver.fail_next['manage_existing'] = failure('array says no')
    with pytest.raises(cl.errors.BackendError, match='array says no'):
        manageable.manage_volume(ref, name='x')
    assert_nothing_managed(manageable)
    assert store(manageable)['volumes'] == {'legacy': 3}
    # The same reference works once the array agrees.
    manageable.manage_volume(ref).unmanage()


def test_size_failure_keeps_nothing(manageable, unchanged):
    ref = existing(manageable)
    manageable.driver.fail_next['manage_existing_get_size'] = failure('busy')
    with pytest.raises(cl.errors.BackendError, match='busy'):
        manageable.manage_volume(ref)


def test_zero_size_is_refused(manageable, unchanged):
    with pytest.raises(cl.errors.InvalidInput,
                       match='size the driver reports .* at least 1; got 0'):
        manageable.manage_volume(existing(manageable, size=0))
    assert store(manageable)['volumes'] == {'legacy': 0}


def test_already_managed_reference(manageable):
    volume = manageable.create_volume(1)
    before = persistence_state()
    with pytest.raises(cl.errors.InvalidInput, match='already managed'):
        manageable.manage_volume({'source-name': volume.name_in_storage})
    assert persistence_state() == before


def test_id_in_use(manageable):
    volume = manageable.create_volume(1)
    before = persistence_state()
    with pytest.raises(cl.errors.InvalidInput, match='already in use'):
        manageable.manage_volume(existing(manageable), id=volume.id)
    with pytest.raises(cl.errors.InvalidInput, match='already in use'):
        manageable.create_volume(1, id=volume.id)
    assert persistence_state() == before
    assert 'legacy' in store(manageable)['volumes']


def test_unmanage_refused_with_snapshots_or_connections(manageable):
    volume = manageable.manage_volume(existing(manageable))
    snapshot = volume.create_snapshot()
    before = persistence_state()
    with pytest.raises(cl.errors.InvalidInput,
                       match='1 snapshot.*delete or unmanage them before '
                             'unmanaging'):
        volume.unmanage()
    snapshot.delete()
    connection = volume.connect({'host': 'n1'})
    before = persistence_state()
    with pytest.raises(cl.errors.InvalidInput,
                       match='1 connection.*disconnect them before '
                             'unmanaging'):
        volume.unmanage()
    assert persistence_state() == before
    connection.disconnect()
    volume.unmanage()


def test_unmanage_driver_failure_changes_nothing(manageable):
    volume = manageable.manage_volume(existing(manageable))
    before = persistence_state()
    manageable.driver.fail_next['unmanage'] = failure('locked')
    with pytest.raises(cl.errors.BackendError, match='unmanage failed.*'
                                                     'locked'):
        volume.unmanage()
    assert persistence_state() == before
    assert volume.status == 'available' and volume in manageable.volumes
    volume.unmanage()


def test_manage_and_unmanage_snapshot(manageable):
    volume = manageable.manage_volume(existing(manageable, snapshot='daily'))
    snapshot = volume.manage_snapshot({'source-name': 'daily'},
                                      name='daily', description='from cron')
    assert (snapshot.status, snapshot.name, snapshot.volume) == (
        'available', 'daily', volume)
    assert snapshot.volume_size == 3
    assert volume.snapshots == [snapshot]
    assert store(manageable)['snapshots'] == {
        snapshot.name_in_storage: volume.name_in_storage}
    from_snapshot = snapshot.create_volume()
    from_snapshot.delete()
    snapshot.unmanage()
    assert volume.snapshots == [] and snapshot.status == 'deleted'
    assert not cl.Backend.persistence.get_snapshots(volume_id=volume.id)
    assert snapshot.name_in_storage in store(manageable)['snapshots']
    with pytest.raises(cl.errors.InvalidInput, match='unmanaged'):
        snapshot.delete()


def test_manage_snapshot_refusals(manageable):
    volume = manageable.manage_volume(existing(manageable))
    existing(manageable, 'other', snapshot='not-mine')
    ours = volume.create_snapshot()
    before = persistence_state()
    with pytest.raises(cl.errors.InvalidInput, match='not of this volume'):
        volume.manage_snapshot({'source-name': 'not-mine'})
    with pytest.raises(cl.errors.InvalidInput, match='already managed'):
        volume.manage_snapshot({'source-name': ours.name_in_storage})
    with pytest.raises(cl.errors.InvalidInput, match='existing_ref must'):
        volume.manage_snapshot('not-mine')
    with pytest.raises(cl.errors.InvalidInput, match='already in use'):
        volume.manage_snapshot({'source-name': 'not-mine'}, id=ours.id)
    manageable.driver.fail_next['manage_existing_snapshot'] = failure('no')
    store(manageable)['snapshots']['mine'] = volume.name_in_storage
    with pytest.raises(cl.errors.BackendError, match='no'):
        volume.manage_snapshot({'source-name': 'mine'})
    assert persistence_state() == before
    assert volume.snapshots == [ours]


def test_unmanage_snapshot_driver_failure(manageable):
    volume = manageable.manage_volume(existing(manageable, snapshot='s'))
    snapshot = volume.manage_snapshot({'source-name': 's'})
    before = persistence_state()
    manageable.driver.fail_next['unmanage_snapshot'] = failure('held')
    with pytest.raises(cl.errors.BackendError, match='held'):
        snapshot.unmanage()
    assert persistence_state() == before
    assert snapshot.status == 'available'


def test_list_manageable_volumes(manageable):
    existing(manageable, 'a', size=5)
    existing(manageable, 'b', size=2)
    ours = manageable.create_volume(1)
    listed = manageable.list_manageable_volumes()
    by_name = {e['reference']['source-name']: e for e in listed}
    assert by_name['a'] == {'reference': {'source-name': 'a'}, 'size': 5,
                            'safe_to_manage': True, 'reason_not_safe': None,
                            'cinder_id': None, 'extra_info': None}
    mine = by_name[ours.name_in_storage]
    assert (mine['safe_to_manage'], mine['cinder_id'],
            mine['reason_not_safe']) == (False, ours.id, 'already managed')
    # Default order: reference ascending.
    assert [e['reference']['source-name'] for e in listed] == sorted(by_name)
    assert [e['size'] for e in manageable.list_manageable_volumes(
        sort_keys='size', sort_dirs='desc')] == [5, 2, 1]
    assert [e['size'] for e in manageable.list_manageable_volumes(
        sort_keys=['size'], limit=1, offset=1)] == [2]
    page = manageable.list_manageable_volumes(
        marker={'source-name': 'a'}, limit=1)
    assert [e['reference']['source-name'] for e in page] == ['b']


def test_listing_marks_ours_when_the_driver_does_not(manageable):
    ours = manageable.create_volume(1)
    manageable.driver.report_managed = False
    [entry] = manageable.list_manageable_volumes()
    assert (entry['safe_to_manage'], entry['cinder_id']) == (False, ours.id)


def test_list_manageable_snapshots(manageable):
    volume = manageable.manage_volume(existing(manageable, snapshot='s1'))
    ours = volume.create_snapshot()
    listed = {e['reference']['source-name']: e
              for e in manageable.list_manageable_snapshots()}
    assert listed['s1']['safe_to_manage'] is True
    assert listed['s1']['source_reference'] == {
        'source-name': volume.name_in_storage}
    assert (listed[ours.name_in_storage]['safe_to_manage'],
            listed[ours.name_in_storage]['cinder_id']) == (False, ours.id)


@pytest.mark.parametrize('kwargs, message', [
    ({'sort_keys': 'name'}, "sort_keys: 'name' not valid; use reference or "
                            "size"),
    ({'sort_keys': ['size', 'id']}, "'id' not valid"),
    ({'sort_keys': 5}, "sort_keys: 5 not valid"),
    ({'sort_dirs': 'up'}, "sort_dirs: 'up' not valid; use asc or desc"),
    ({'sort_keys': 'size', 'sort_dirs': ['asc', 'desc']},
     'one direction per key'),
    ({'limit': -1}, 'limit must be a whole number'),
    ({'limit': '10'}, 'limit must be a whole number'),
    ({'offset': 1.5}, 'offset must be a whole number'),
    ({'marker': 3}, 'marker must be the reference'),
    ({'marker': {'source-name': 'nope'}}, 'marker not found'),
    ({'marker': 'not json'}, 'can not be analysed'),
])
def test_listing_bad_parameters(manageable, unchanged, kwargs, message):
    existing(manageable)
    with pytest.raises(cl.errors.InvalidInput, match=message):
        manageable.list_manageable_volumes(**kwargs)


def test_driver_without_manage_support(backend):
    volume = backend.create_volume(1)
    store(backend)['volumes']['legacy'] = 1
    before = persistence_state()
    calls = (
        (lambda: backend.manage_volume({'source-name': 'legacy'}),
         'managing existing volumes'),
        (backend.list_manageable_volumes, 'listing manageable volumes'),
        (backend.list_manageable_snapshots, 'listing manageable snapshots'),
        (lambda: volume.manage_snapshot({'source-name': 'x'}),
         'managing existing snapshots'))
    for call, feature in calls:
        with pytest.raises(cl.errors.NotSupported,
                           match='%s is not supported by FakeDriver'
                                 % feature):
            call()
    assert persistence_state() == before
    assert store(backend)['volumes']['legacy'] == 1
