# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Day-2 operations on the real Ceph (RBDDriver): revert, grow while
connected, retype with QoS and multiattach, multiattach connections."""

import os

import pytest

from ansible_collections.openstack.cinderlib.plugins.module_utils import errors
from ansible_collections.openstack.cinderlib.plugins.module_utils.resources import volume_day2

import conftest

pytestmark = pytest.mark.skipif(
    conftest.suite_option(conftest.BACKEND_NAMES[0], 'empty_check') != 'rbd',
    reason='RBD facts (features, QoS config keys) are checked in librbd')

NODE1 = {'host': 'node1', 'ip': '192.0.2.11'}
NODE2 = {'host': 'node2', 'ip': '192.0.2.12'}


def _image(backend, volume):
    """The volume's RBD image (read-only facts: size, features, config)."""
    from cinder.volume.drivers import rbd as rbd_driver
    return rbd_driver.RBDVolumeProxy(backend.driver, volume.name_in_storage,
                                     read_only=True)


def _write(volume, data):
    connection = volume.attach()
    try:
        device = connection.path
        device.seek(0)
        device.write(data)
        device.flush()
    finally:
        volume.detach()


def _read(volume, length):
    connection = volume.attach()
    try:
        connection.path.seek(0)
        return connection.path.read(length)
    finally:
        volume.detach()


def test_revert_brings_back_the_snapshot_data(backend, volumes):
    volume = backend.create_volume(1, name='revert-me')
    volumes.append(volume)
    before = os.urandom(8192)
    _write(volume, before)
    snapshot = volume.create_snapshot(name='before')
    _write(volume, os.urandom(8192))
    assert _read(volume, 8192) != before
    volume.revert_to_snapshot(snapshot)
    assert (volume.status, snapshot.status) == ('available', 'available')
    assert _read(volume, 8192) == before
    # RBD asks for no temporary snapshot (snapshot_revert_use_temp_snapshot)
    assert [s.id for s in volume._current(type(snapshot))] == [snapshot.id]


def test_revert_refused_while_connected_or_grown(backend, volumes):
    volume = backend.create_volume(1)
    volumes.append(volume)
    snapshot = volume.create_snapshot()
    connection = volume.connect(NODE1)
    with pytest.raises(errors.InvalidInput, match='only while available'):
        volume.revert_to_snapshot(snapshot)
    connection.disconnect()
    volume.extend(2)
    with pytest.raises(errors.InvalidInput, match='taken at 1 GiB'):
        volume.revert_to_snapshot(snapshot)


def test_extend_while_connected(backend, volumes):
    volume = backend.create_volume(1)
    volumes.append(volume)
    connection = volume.attach()
    try:
        volume.extend(2)
        assert (volume.status, volume.size) == ('in-use', 2)
        # What the node side does after a grow: os-brick's extend_volume of
        # the connector reports the size it now sees.
        assert connection.extend() == 2 * 1024 ** 3
    finally:
        volume.detach()
    with _image(backend, volume) as image:
        assert image.size() == 2 * 1024 ** 3


def test_retype_qos_in_place(backend, volumes):
    volume = backend.create_volume(1, qos_specs={'total_iops_sec': '100'})
    volumes.append(volume)
    with _image(backend, volume) as image:
        assert image.config_get('rbd_qos_iops_limit') == '100'
    assert volume.retype(qos_specs={'total_iops_sec': '500'}) is True
    with _image(backend, volume) as image:
        assert image.config_get('rbd_qos_iops_limit') == '500'
    assert volume.retype(qos_specs={}) is True
    with _image(backend, volume) as image:
        # The image's own limit is removed (the pool's default applies).
        with pytest.raises(KeyError):
            image.config_get('rbd_qos_iops_limit')
    assert volume.qos_specs == {}


def test_retype_to_multiattach_drops_exclusive_features(backend, volumes):
    volume = backend.create_volume(1)
    volumes.append(volume)
    exclusions = backend.driver.MULTIATTACH_EXCLUSIONS
    with _image(backend, volume) as image:
        assert image.features() & exclusions
    volume.retype(extra_specs={'multiattach': '<is> True'})
    assert volume.multiattach is True
    with _image(backend, volume) as image:
        assert image.features() & exclusions == 0
    volume.retype(extra_specs={})
    assert volume.multiattach is False
    with _image(backend, volume) as image:
        assert image.features() & exclusions


def test_named_type_and_multiattach_connections(backend, volumes):
    stats = backend.stats()
    # RBDDriver (Cinder 29) reports multiattach at the backend level.
    assert volume_day2.reports_capability(stats, 'multiattach') is True
    shared = volume_day2.VolumeType.define(
        'shared-%s' % backend.id, extra_specs={'multiattach': '<is> True'},
        qos_specs={'total_iops_sec': '300'})
    try:
        volume = backend.create_volume(1, volume_type=shared.name)
        volumes.append(volume)
        assert volume.multiattach is True
        with _image(backend, volume) as image:
            assert image.features() & backend.driver.MULTIATTACH_EXCLUSIONS \
                == 0
            assert image.config_get('rbd_qos_iops_limit') == '300'
        first = volume.connect(NODE1)
        second = volume.connect(NODE2)
        current = volume._current(type(first))
        assert {c.id for c in current} == {first.id, second.id}
        first.disconnect()
        assert volume.status == 'in-use'
        assert [c.id for c in volume.connections] == [second.id]
        second.disconnect()
        assert volume.status == 'available'
        volume.delete()
    finally:
        shared.delete()
