# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Connections with the fake driver: exports, connectors, secrets.

Moved from test_core.py (issue 12: tests mirror the layout).
"""

import json

import pytest

from ansible_collections.openstack.cinderlib.plugins.module_utils import cinderlib as cl

from core_helpers import store


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
