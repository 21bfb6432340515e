# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Bad input: a clear error naming the problem, and nothing changed."""

import pytest

from ansible_collections.openstack.cinderlib.plugins.module_utils import cinderlib as cl

import conftest


def state(backend):
    persistence = cl.Backend.persistence
    return (sorted(r['id'] for r in persistence.get_volumes()),
            sorted(r['id'] for r in persistence.get_snapshots()),
            sorted(r['id'] for r in persistence.get_connections()),
            conftest.backend_leftovers(backend))


@pytest.fixture
def unchanged(backend):
    before = state(backend)
    yield
    assert state(backend) == before


def other_backend(backend, **changes):
    config = conftest.backend_config(backend.id)
    config['volume_backend_name'] = backend.id + '-bad'
    config.update(changes)
    for key, value in list(config.items()):
        if value is None:
            del config[key]
    return config


def test_unknown_driver_path(backend, unchanged):
    with pytest.raises(cl.errors.BackendSetupError,
                       match=r"volume_driver cinder.volume.drivers.nope.X "
                             r"names no module: cinder.volume.drivers has no "
                             r"module nope"):
        cl.Backend(**other_backend(
            backend, volume_driver='cinder.volume.drivers.nope.X'))
    assert backend.id + '-bad' not in cl.Backend.backends


def test_missing_volume_driver(backend, unchanged):
    with pytest.raises(cl.errors.InvalidConfiguration,
                       match='volume_driver is required'):
        cl.Backend(**other_backend(backend, volume_driver=None))


def test_invalid_option_value(backend, unchanged):
    if 'rbd_pool' not in conftest.backend_config(backend.id):
        pytest.skip('RBD option test')
    with pytest.raises(cl.errors.InvalidConfiguration,
                       match='rados_connect_timeout'):
        cl.Backend(**other_backend(backend, rados_connect_timeout='soon'))


def test_unreachable_backend(backend, unchanged, tmp_path):
    if 'rbd_ceph_conf' not in conftest.backend_config(backend.id):
        pytest.skip('needs an RBD backend')
    conf = tmp_path / 'ceph.conf'
    conf.write_text('[global]\nmon_host = 127.0.0.1:1\n')
    with pytest.raises(cl.errors.BackendSetupError, match='failed to set up'):
        cl.Backend(**other_backend(backend, rbd_ceph_conf=str(conf),
                                   rados_connect_timeout=1,
                                   rados_connection_retries=1,
                                   rados_connection_interval=0))
    assert backend.id + '-bad' not in cl.Backend.backends


def test_wrong_credentials(backend, unchanged, tmp_path):
    config = conftest.backend_config(backend.id)
    if 'rbd_keyring_conf' not in config:
        pytest.skip('needs an RBD backend')
    keyring = tmp_path / ('ceph.client.%s.keyring' % config['rbd_user'])
    keyring.write_text('[client.%s]\n\tkey = AQBrB2xlAAAAABAAwrongwrongwrong'
                       'wrongwrongQ==\n' % config['rbd_user'])
    conf = tmp_path / 'ceph.conf'
    with open(config['rbd_ceph_conf']) as f:
        text = f.read()
    conf.write_text(text.replace('keyring', '#keyring') +
                    '\n[client]\nkeyring = %s\n' % keyring)
    with pytest.raises(cl.errors.BackendSetupError, match='failed to set up'):
        cl.Backend(**other_backend(backend, rbd_ceph_conf=str(conf),
                                   rbd_keyring_conf=str(keyring),
                                   rados_connect_timeout=2,
                                   rados_connection_retries=1,
                                   rados_connection_interval=0))


@pytest.mark.parametrize('size', [0, -1, 1.5, 'big', None, True])
def test_invalid_size(backend, unchanged, size):
    with pytest.raises(cl.errors.InvalidInput, match='size must be a whole '
                                                     'number of GiB'):
        backend.create_volume(size)


def test_non_uuid_id(backend, unchanged):
    with pytest.raises(cl.errors.InvalidInput, match='is not a UUID'):
        backend.create_volume(1, id='my-volume')


def test_unknown_pool(backend, unchanged):
    with pytest.raises(cl.errors.InvalidInput, match='has no pool'):
        backend.create_volume(1, pool_name='no-such-pool')


def test_unknown_field(backend, unchanged):
    with pytest.raises(cl.errors.InvalidInput, match="unknown volume field"):
        backend.create_volume(1, colour='blue')


def test_unknown_volume_id(backend, unchanged):
    with pytest.raises(cl.errors.NotFound, match='not found in persistence'):
        cl.Volume.get_by_id('9b0b1b8e-58a4-4d4a-8f56-1f6d8f0a0e4b')


def test_extend_not_larger(backend, volumes):
    volume = backend.create_volume(2)
    volumes.append(volume)
    before = state(backend)
    for size in (2, 1):
        with pytest.raises(cl.errors.InvalidInput,
                           match='must be larger than its current 2 GiB'):
            volume.extend(size)
    assert volume.size == 2 and volume.status == 'available'
    assert state(backend) == before


def test_smaller_clone_and_volume_from_snapshot(backend, volumes):
    volume = backend.create_volume(2)
    volumes.append(volume)
    snapshot = volume.create_snapshot()
    before = state(backend)
    with pytest.raises(cl.errors.InvalidInput, match='smaller than'):
        volume.clone(size=1)
    with pytest.raises(cl.errors.InvalidInput, match='smaller than'):
        snapshot.create_volume(size=1)
    assert state(backend) == before


def test_delete_volume_with_snapshots(backend, volumes):
    volume = backend.create_volume(1)
    volumes.append(volume)
    volume.create_snapshot()
    before = state(backend)
    with pytest.raises(cl.errors.InvalidInput,
                       match='has 1 snapshot.*delete them before'):
        volume.delete()
    assert volume.status == 'available'
    assert cl.Backend.persistence.get_volumes(volume_id=volume.id)[0][
        'status'] == 'available'
    assert state(backend) == before


def test_delete_connected_volume(backend, volumes):
    volume = backend.create_volume(1)
    volumes.append(volume)
    volume.connect({'host': 'n1', 'ip': '127.0.0.1'})
    before = state(backend)
    with pytest.raises(cl.errors.InvalidInput, match='disconnect them'):
        volume.delete()
    assert volume.status == 'in-use'
    assert state(backend) == before


def test_connect_with_bad_connector(backend, volumes):
    volume = backend.create_volume(1)
    volumes.append(volume)
    with pytest.raises(cl.errors.InvalidInput, match='connector must be'):
        volume.connect('node1')
    assert volume.status == 'available'
