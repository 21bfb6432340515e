# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Manage existing storage objects on each backend.

The RBD cases make their images with the rbd CLI, from the backend's own
configuration, and remove them at the end: managing renames an image to
volume-<id> (a snapshot to snapshot-<id>), and unmanaging leaves it so.
"""

import subprocess
import uuid

import pytest

from ansible_collections.openstack.cinderlib.plugins.module_utils import cinderlib as cl

import conftest
from test_backend import connector


def persistence_state():
    persistence = cl.Backend.persistence
    return [sorted(r['id'] for r in persistence.get_volumes()),
            sorted(r['id'] for r in persistence.get_snapshots())]


def test_our_volumes_are_listed_as_managed(backend, volumes):
    volume = backend.create_volume(1)
    volumes.append(volume)
    try:
        listed = backend.list_manageable_volumes(limit=10000)
    except cl.errors.NotSupported as exc:
        assert 'not supported by %s' % type(backend.driver).__name__ in str(
            exc)
        pytest.skip(str(exc))
    [ours] = [e for e in listed if e['cinder_id'] == volume.id]
    assert (ours['safe_to_manage'], ours['size']) == (False, 1)
    assert ours['reference']


def test_unknown_reference_is_refused(backend):
    before = persistence_state()
    with pytest.raises((cl.errors.InvalidInput, cl.errors.NotSupported)):
        backend.manage_volume({'source-name': 'ftest-no-such-%s'
                               % uuid.uuid4().hex})
    assert persistence_state() == before


class RBDImages(object):
    """Images made with the rbd CLI; remove() cleans whatever is left."""

    def __init__(self, config):
        self.base = ['rbd', '-c', config['rbd_ceph_conf'], '--id',
                     config['rbd_user'], '--keyring',
                     config['rbd_keyring_conf'], '-p', config['rbd_pool']]
        self.names = []

    def __call__(self, *args):
        return subprocess.run(self.base + list(args), check=True,
                              capture_output=True, text=True).stdout

    def create(self, size='1G'):
        name = 'ftest-manage-%s' % uuid.uuid4().hex[:12]
        self('create', '--size', size, name)
        self.names.append(name)
        return name

    def exists(self, name):
        return name in self('ls').split()

    def snapshots(self, name):
        return [line.split()[1] for line in
                self('snap', 'ls', name).splitlines()[1:]]

    def remove(self):
        for name in self.names:
            if not self.exists(name):
                continue
            for snap in self.snapshots(name):
                # Protected or not: rbd's answer does not matter here.
                subprocess.run(self.base + ['snap', 'unprotect', '%s@%s' % (
                    name, snap)], check=False, capture_output=True)
            self('snap', 'purge', name)
            self('rm', name)


@pytest.fixture
def rbd(backend):
    config = conftest.backend_config(backend.id)
    if not config['volume_driver'].endswith('rbd.RBDDriver'):
        pytest.skip('creates its storage objects with the rbd CLI')
    images = RBDImages(config)
    yield images
    images.remove()


def forget(resource):
    """If a test failed half way: stop managing, keep the image."""
    if resource.status != 'deleted':
        for snapshot in list(getattr(resource, 'snapshots', [])):
            snapshot.unmanage()
        resource.unmanage()


def listed(entries, name):
    return [e for e in entries if e['reference'] == {'source-name': name}]


def test_manage_rbd_image(backend, rbd):
    name = rbd.create('1G')
    before = persistence_state()
    [entry] = listed(backend.list_manageable_volumes(limit=10000), name)
    assert (entry['size'], entry['safe_to_manage'], entry['cinder_id']) == (
        1, True, None)

    volume = backend.manage_volume({'source-name': name}, name='adopted')
    stored = volume.name_in_storage
    rbd.names.append(stored)
    try:
        assert (volume.status, volume.size, volume.name) == (
            'available', 1, 'adopted')
        # The driver renamed the image to the volume's name.
        assert stored == 'volume-%s' % volume.id
        assert not rbd.exists(name) and rbd.exists(stored)
        [entry] = listed(backend.list_manageable_volumes(limit=10000),
                         stored)
        assert (entry['safe_to_manage'], entry['cinder_id']) == (False,
                                                                 volume.id)
        # Used like any volume.
        snapshot = volume.create_snapshot()
        volume.extend(2)
        connection = volume.connect(connector())
        assert connection.conn_info['data']
        connection.disconnect()
        with pytest.raises(cl.errors.InvalidInput, match='1 snapshot'):
            volume.unmanage()
        snapshot.delete()
        volume.unmanage()
    finally:
        forget(volume)
    assert persistence_state() == before
    # Still on the backend, under its new name, with its new size.
    assert rbd.exists(stored)
    assert '2 GiB' in rbd('info', stored)


def test_manage_rbd_snapshot(backend, rbd):
    name = rbd.create('1G')
    rbd('snap', 'create', '%s@before-upgrade' % name)
    before = persistence_state()
    volume = backend.manage_volume({'source-name': name})
    rbd.names.append(volume.name_in_storage)
    try:
        entries = listed(backend.list_manageable_snapshots(limit=10000),
                         'before-upgrade')
        [entry] = [e for e in entries if e['source_reference'] == {
            'source-name': volume.name_in_storage}]
        assert entry['safe_to_manage'] is True
        snapshot = volume.manage_snapshot({'source-name': 'before-upgrade'},
                                          name='before upgrade')
        assert snapshot.status == 'available'
        assert snapshot.volume_size == 1
        assert rbd.snapshots(volume.name_in_storage) == [
            snapshot.name_in_storage]
        with pytest.raises(cl.errors.InvalidInput, match='already managed'):
            volume.manage_snapshot({'source-name':
                                    snapshot.name_in_storage})
        snapshot.unmanage()
        assert volume.snapshots == []
        volume.unmanage()
    finally:
        forget(volume)
    assert persistence_state() == before
    assert rbd.snapshots(volume.name_in_storage) == [
        'snapshot-%s' % snapshot.id]
