# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Volumes with the fake driver: statuses, failures, persistence.

Moved from test_core.py (issue 12: tests mirror the layout).
"""

import json
import uuid

import pytest

from ansible_collections.openstack.cinderlib.plugins.module_utils import cinderlib as cl

from core_helpers import store


def test_lifecycle_statuses(backend):
    volume = backend.create_volume(1, name='v')
    assert volume.status == 'available'
    assert volume.provider_location.startswith('fake://')   # OVO field
    assert store(backend)['volumes'][volume.name_in_storage] == 1
    snap = volume.create_snapshot()
    from_snap = snap.create_volume(size=3)
    assert (from_snap.size, from_snap.snapshot_id) == (3, snap.id)
    clone = volume.clone()
    assert clone.source_volid == volume.id
    volume.extend(4)
    assert store(backend)['volumes'][volume.name_in_storage] == 4
    for resource in (clone, from_snap, snap, volume):
        resource.delete()
    assert store(backend)['volumes'] == {}
    assert backend.volumes == []


def test_create_failure_cleans_up(backend):
    from cinder import exception
    backend.driver.fail_next['create_volume'] = \
        exception.VolumeBackendAPIException(data='array full')
    with pytest.raises(cl.errors.BackendError, match='array full'):
        backend.create_volume(1)
    assert cl.Backend.persistence.get_volumes(backend_name=backend.id) == []
    assert store(backend)['volumes'] == {}


def test_create_failure_kept_in_error_when_cleanup_fails(backend):
    from cinder import exception
    backend.driver.fail_next['create_volume'] = \
        exception.VolumeBackendAPIException(data='array full')
    backend.driver.fail_next['delete_volume'] = \
        exception.VolumeBackendAPIException(data='array gone')
    with pytest.raises(cl.errors.BackendError, match='kept in status error'):
        backend.create_volume(1)
    [record] = cl.Backend.persistence.get_volumes(backend_name=backend.id)
    assert record['status'] == 'error'
    assert 'array full' in record['data']['error_message']
    volume = backend.volumes[0]
    assert volume.error_message and volume.status == 'error'
    volume.delete()


def test_extend_failure_sets_error_extending(backend):
    from cinder import exception
    volume = backend.create_volume(1)
    backend.driver.fail_next['extend_volume'] = \
        exception.VolumeBackendAPIException(data='no space')
    with pytest.raises(cl.errors.BackendError, match='extend failed: .*no space'):
        volume.extend(2)
    assert (volume.status, volume.size) == ('error_extending', 1)
    assert 'no space' in volume.error_message


def test_driver_options_not_persisted(backend):
    backend.create_volume(1)
    dumped = json.dumps(cl.Backend.persistence.get_volumes(
        backend_name=backend.id))
    assert 's3cret' not in dumped


def test_loaded_from_persistence_when_not_live(backend):
    volume = backend.create_volume(1, name='reload')
    snap = volume.create_snapshot(name='s')
    vid, sid = volume.id, snap.id
    cl.Volume._live.pop(vid)
    cl.Snapshot._live.pop(sid)
    loaded = cl.Volume.get_by_id(vid)
    assert loaded is not volume and loaded.name == 'reload'
    assert [s.id for s in loaded.snapshots] == [sid]
    assert loaded.snapshots[0].volume is loaded


def test_non_uuid_ids_rejected(backend):
    with pytest.raises(cl.errors.InvalidInput, match='non_uuid_ids=True'):
        backend.create_volume(1, id='vol-1')
    vid = str(uuid.uuid4())
    assert backend.create_volume(1, id=vid).id == vid


def test_extra_and_qos_specs_reach_driver(backend):
    volume = backend.create_volume(1, extra_specs={'thin': 'true'},
                                   qos_specs={'maxIOPS': '100'})
    from cinder.volume import volume_types
    assert volume._ovo.volume_type.extra_specs == {'thin': 'true'}
    assert volume_types.get_volume_type_extra_specs(
        volume._ovo.volume_type_id) == {'thin': 'true'}
    assert volume_types.get_volume_type_qos_specs(
        volume._ovo.volume_type_id)['qos_specs']['specs'] == {
            'maxIOPS': '100'}


class Timeout(Exception):
    """What librbd raises when the storage stops answering (by name)."""


def _storage_checks(monkeypatch, backend, before=None, after=None):
    """Give the fake driver driver_checks entries (as RBD has)."""
    from ansible_collections.openstack.cinderlib.plugins.module_utils.cinder_service import driver_checks
    driver_class = type(backend.driver)
    monkeypatch.setitem(
        driver_checks._CHECKS,
        '%s.%s' % (driver_class.__module__, driver_class.__name__),
        (before or (lambda driver, volume: {}),
         after or (lambda driver, volume, state: None)))


def test_delete_check_failing_before_is_a_backend_error(backend,
                                                        monkeypatch):
    def storage_gone(driver, volume):
        raise Timeout('[errno 110] RBD operation timeout')
    _storage_checks(monkeypatch, backend, before=storage_gone)
    volume = backend.create_volume(1)
    with pytest.raises(cl.errors.BackendError,
                       match='check before deleting failed.*Timeout'):
        volume.delete()
    # Nothing was done: as it was.
    assert volume.status == 'available'
    assert store(backend)['volumes'][volume.name_in_storage] == 1
    monkeypatch.undo()
    volume.delete()


def test_delete_check_failing_after_leaves_error_deleting(backend,
                                                          monkeypatch):
    def storage_gone(driver, volume, state):
        raise Timeout('[errno 110] RBD operation timeout')
    _storage_checks(monkeypatch, backend, after=storage_gone)
    volume = backend.create_volume(1)
    with pytest.raises(cl.errors.BackendError,
                       match='check the deletion failed.*Timeout'):
        volume.delete()
    # The driver said deleted, the check could not look: unknown, and
    # deleting again settles it.
    assert volume.status == 'error_deleting'
    monkeypatch.undo()
    volume.delete()
    assert cl.Backend.persistence.get_volumes(volume_id=volume.id) == []


def test_delete_check_finding_the_volume_kept(backend, monkeypatch):
    _storage_checks(monkeypatch, backend,
                    after=lambda driver, volume, state: 'kept it')
    volume = backend.create_volume(1)
    with pytest.raises(cl.errors.BackendError,
                       match='reported it deleted but kept it'):
        volume.delete()
    assert volume.status == 'available'
    assert 'kept it' in volume.error_message
    monkeypatch.undo()
    volume.delete()
