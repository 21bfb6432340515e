# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Resource tracking: lazy lists, caching, refresh, local_attach.

The documentation's example runs in tests/functional/test_tracking.py.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.openstack.cinderlib.plugins.module_utils import cinderlib as cl

from core_helpers import forget_live


class CountingCalls(object):
    def __init__(self, monkeypatch, persistence, *names):
        self.calls = []
        for name in names:
            monkeypatch.setattr(persistence, name, self._counted(
                name, getattr(persistence, name)))

    def _counted(self, name, method):
        def call(*args, **kwargs):
            self.calls.append(name)
            return method(*args, **kwargs)
        return call


def test_lists_load_once_and_are_cached(backend, monkeypatch):
    volume = backend.create_volume(1)
    volume.create_snapshot()
    forget_live(volume, *volume.snapshots)
    del volume
    counter = CountingCalls(monkeypatch, cl.Backend.persistence,
                            'get_volumes', 'get_snapshots', 'get_connections')
    assert backend._volumes is None
    [volume] = backend.volumes
    assert volume._snapshots is None and volume._connections is None
    assert len(volume.snapshots) == 1 and volume.connections == []
    for again in range(3):
        assert (len(backend.volumes), len(volume.snapshots),
                volume.connections) == (1, 1, [])
    assert counter.calls == ['get_volumes', 'get_snapshots',
                             'get_connections']


def test_refresh_sees_changes_made_elsewhere(backend):
    volume = backend.create_volume(1, name='old')
    backend.volumes
    volume.snapshots
    persistence = cl.Backend.persistence
    # Another process renames it, adds a snapshot and a volume.
    other = backend.create_volume(1)
    record = persistence.get_volumes(volume_id=volume.id)[0]
    record['name'] = record['data']['fields']['display_name'] = 'new'
    persistence.set_volume(record)
    snapshot = volume.create_snapshot()
    volume._snapshots = [s for s in volume._snapshots if s is not snapshot]
    backend._volumes.remove(other)
    assert volume.name == 'old' and volume.snapshots == []
    assert other not in backend.volumes
    backend.refresh()
    assert other in backend.volumes
    assert volume.name == 'new'      # reloaded with the list
    volume.refresh()
    assert volume.snapshots == [snapshot]


def test_refresh_of_a_forgotten_resource(backend):
    volume = backend.create_volume(1)
    cl.Backend.persistence.delete_volume(volume.id)
    with pytest.raises(cl.errors.NotFound, match='no longer exists'):
        volume.refresh()


def test_snapshot_and_connection_refresh(backend):
    volume = backend.create_volume(1)
    snapshot = volume.create_snapshot(name='s')
    connection = volume.connect({'host': 'n1'})
    persistence = cl.Backend.persistence
    record = persistence.get_snapshots(snapshot_id=snapshot.id)[0]
    record['data']['fields']['display_name'] = 'renamed'
    persistence.set_snapshot(record)
    record = persistence.get_connections(connection_id=connection.id)[0]
    record['data']['fields']['mountpoint'] = '/mnt/x'
    persistence.set_connection(record)
    snapshot.refresh()
    connection.refresh()
    assert snapshot.name == 'renamed'
    assert connection.mountpoint == '/mnt/x'


class FakeBrick(object):
    def connect_volume(self, data):
        return {'path': '/dev/fake0', 'type': 'block'}

    def disconnect_volume(self, data, device, force=False,
                          ignore_errors=False):
        pass


def test_local_attach_is_kept_in_memory(backend, monkeypatch):
    monkeypatch.setattr(cl.Connection, '_brick_connector',
                        lambda self: FakeBrick())
    volume = backend.create_volume(1)
    connection = volume.connect({'host': 'n1'}).attach()
    assert volume.local_attach is connection
    assert connection.path == '/dev/fake0'
    volume.refresh()
    backend.refresh()
    assert volume.local_attach is connection
    # Only in memory: the object another process loads does not have it.
    forget_live(volume, connection)
    assert cl.Volume.get_by_id(volume.id).local_attach is None
    connection.detach()
    assert volume.local_attach is None
