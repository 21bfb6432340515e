# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The core's logic with a fake driver: statuses, failures, isolation, secrets.

The library is set up once per process (as in real use), with memory_db
persistence; each test uses its own backend name.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import logging
import uuid

import pytest

from ansible_collections.openstack.cinderlib.plugins.module_utils import cinderlib as cl
from ansible_collections.openstack.cinderlib.plugins.module_utils.cinder_service import in_process
from ansible_collections.openstack.cinderlib.plugins.module_utils import secrets

from core_helpers import DRIVER, store


def test_setup_after_other_calls_is_an_error(backend):
    with pytest.raises(cl.errors.CinderlibError, match='before any other'):
        cl.setup()


def test_global_options_reach_every_driver(backend):
    assert backend.driver.configuration.fake_capacity_gb == 50
    assert backend.stats()['pools'][0]['total_capacity_gb'] == 50


def test_backends_have_isolated_options():
    one = cl.Backend('iso-1', volume_driver=DRIVER, fake_pool='alpha')
    two = cl.Backend('iso-2', volume_driver=DRIVER, fake_pool='beta',
                     fake_capacity_gb='7')
    assert one.pool_names == ('alpha',)
    assert two.pool_names == ('beta',)
    assert two.driver.configuration.fake_capacity_gb == 7     # converted
    assert one.driver.configuration.fake_capacity_gb == 50


def test_same_name_other_config_is_an_error(backend):
    assert cl.Backend(backend.id, volume_driver=DRIVER,
                      fake_password='s3cret') is backend
    with pytest.raises(cl.errors.InvalidConfiguration,
                       match='different configuration'):
        cl.Backend(backend.id, volume_driver=DRIVER, fake_pool='other')


def test_bad_option_value_names_option():
    with pytest.raises(cl.errors.InvalidConfiguration,
                       match='option bad-type.fake_capacity_gb'):
        cl.Backend('bad-type', volume_driver=DRIVER, fake_capacity_gb='lots')
    assert 'bad-type' not in cl.Backend.backends
    # The failed configuration left nothing behind: a retry works.
    assert cl.Backend('bad-type', volume_driver=DRIVER).driver


def test_setup_failure_is_reported_and_not_registered():
    with pytest.raises(cl.errors.BackendSetupError,
                       match='cannot reach the fake array'):
        cl.Backend('fails', volume_driver=DRIVER, fake_fail_setup=True)
    assert 'fails' not in cl.Backend.backends


def test_cinder_group_names_are_refused():
    with pytest.raises(cl.errors.InvalidConfiguration, match='option group'):
        cl.Backend('coordination', volume_driver=DRIVER)


def test_unused_options_are_reported():
    backend = cl.Backend('typo', volume_driver=DRIVER, fake_pol='x')
    assert backend.unused_options == ['fake_pol']


def test_config_hides_driver_options(backend):
    assert backend.config == {'volume_backend_name': backend.id}


def test_unknown_attributes_fall_through_to_driver(backend):
    assert backend.VERSION == '1.0.0'
    assert backend.initialized


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


def test_snapshot_failure_cleans_up(backend):
    from cinder import exception
    volume = backend.create_volume(1)
    backend.driver.fail_next['create_snapshot'] = \
        exception.VolumeBackendAPIException(data='snap failed')
    with pytest.raises(cl.errors.BackendError, match='snap failed'):
        volume.create_snapshot()
    assert volume.snapshots == []
    assert cl.Backend.persistence.get_snapshots(volume_id=volume.id) == []


def test_connect_failure_removes_export(backend):
    from cinder import exception
    volume = backend.create_volume(1)
    backend.driver.fail_next['initialize_connection'] = \
        exception.VolumeBackendAPIException(data='no target')
    with pytest.raises(cl.errors.BackendError, match='no target'):
        volume.connect({'host': 'n1'})
    assert volume.status == 'available'
    assert volume.connections == []
    assert store(backend)['exports'] == set()


def test_invalid_connector_reported(backend):
    volume = backend.create_volume(1)
    with pytest.raises(cl.errors.BackendError, match='validate the connector'):
        volume.connect({'ip': '1.2.3.4'})
    assert volume.status == 'available'


def test_connection_secrets_not_persisted(backend):
    volume = backend.create_volume(1)
    connection = volume.connect({'host': 'n1'})
    assert connection.conn_info['data']['keyring'] == 'SECRETKEY'
    stored = json.dumps(cl.Backend.persistence.get_connections(
        volume_id=volume.id))
    assert 'SECRETKEY' not in stored
    # A driver's save() during connect went through our DB layer.
    assert volume._ovo.admin_metadata == {'connected': 'yes'}
    assert cl.Backend.persistence.get_volumes(volume_id=volume.id)[0][
        'data']['fields']['admin_metadata'] == {'connected': 'yes'}
    # Loaded back, the secret is fetched from the driver again.
    loaded = cl.Connection._from_record(
        cl.Backend.persistence.get_connections(volume_id=volume.id)[0],
        volume=volume)
    cl.Connection._live.pop(connection.id)
    assert loaded.conn_info_with_secrets()['data']['keyring'] == 'SECRETKEY'
    connection.disconnect()
    assert volume.status == 'available'


def test_secrets_fetched_again_only_when_lost(backend, monkeypatch):
    volume = backend.create_volume(1)
    connection = volume.connect({'host': 'n1'})
    calls = []
    driver_call = backend.driver.initialize_connection
    monkeypatch.setattr(backend.driver, 'initialize_connection',
                        lambda *args: calls.append(args) or driver_call(*args))
    # The live connection still holds its keyring: no driver call.
    assert connection.conn_info_with_secrets()['data']['keyring'] == \
        'SECRETKEY'
    assert calls == []
    cl.Connection._live.pop(connection.id)
    loaded = cl.Connection._from_record(
        cl.Backend.persistence.get_connections(volume_id=volume.id)[0],
        volume=volume)
    assert loaded.conn_info_with_secrets()['data']['keyring'] == 'SECRETKEY'
    assert len(calls) == 1
    loaded.disconnect()


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


def test_unserved_db_call_is_named(backend):
    from cinder.db import api as db
    with pytest.raises(cl.errors.NotSupported,
                       match='cinder.db.api.volume_get_all_by_host'):
        db.volume_get_all_by_host(None, 'host')


def test_secret_masking_filter():
    record = logging.LogRecord('cinder', logging.DEBUG, __file__, 1,
                               'conn %s', ({'auth_password': 'pw1'},), None)
    in_process.SecretMaskingFilter().filter(record)
    assert 'pw1' not in record.getMessage()
    record = logging.LogRecord('cinder', logging.DEBUG, __file__, 1,
                               "data {'keyring': '[client.cinder]\\n key = "
                               "AQXYZ'}", None, None)
    in_process.SecretMaskingFilter().filter(record)
    assert 'AQXYZ' not in record.getMessage()


def test_mask_url():
    assert secrets.mask_url('redis://u:pw@h:6379') == 'redis://u:***@h:6379'
    assert secrets.mask_url('file:///tmp/x') == 'file:///tmp/x'
