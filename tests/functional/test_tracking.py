# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The documentation's resource tracking example on each backend."""

from ansible_collections.openstack.cinderlib.plugins.module_utils import cinderlib as cl

from test_backend import connector


def tracking_example(lvm_backend):
    """The documented example as written (its missing parenthesis added)."""
    # If volumes lazy loadable property was already loaded, refresh it
    lvm_backend.refresh()

    for vol in lvm_backend.volumes:
        print('Volume %s is currently %s' % (vol.id, vol.status))

        # Refresh volume's snapshots and connections if previously lazy loaded
        vol.refresh()

        for snap in vol.snapshots:
            print('Snapshot %s for volume %s is currently %s' %
                  (snap.id, snap.volume.id, snap.status))

        for conn in vol.connections:
            print('Connection from %s with ip %s to volume %s is %s' %
                  (conn.connector_info['host'], conn.connector_info['ip'],
                   conn.volume.id, conn.status))


def test_tracking_example(backend, volumes, capsys):
    volume = backend.create_volume(1)
    volumes.append(volume)
    snapshot = volume.create_snapshot()
    connection = volume.connect(connector())
    backend.volumes
    expected = [
        'Volume %s is currently in-use' % volume.id,
        'Snapshot %s for volume %s is currently available' % (snapshot.id,
                                                              volume.id),
        'Connection from ftest-node with ip 127.0.0.1 to volume %s is '
        'attached' % volume.id]
    tracking_example(backend)
    assert capsys.readouterr().out.splitlines() == expected
    # From persistence alone, as a new process sees it.
    for resource in (volume, snapshot, connection):
        type(resource)._live.pop(resource.id)
    backend._volumes = None
    tracking_example(backend)
    assert capsys.readouterr().out.splitlines() == expected
    [loaded] = backend.volumes
    volumes[-1] = loaded
    assert loaded is not volume
    assert loaded.snapshots[0].volume is loaded


def test_lists_are_cached_until_refresh(backend, volumes):
    volume = backend.create_volume(1)
    volumes.append(volume)
    assert volume.snapshots == []
    # Written by another process: not seen until refresh().
    other = cl.Snapshot(volume).create()
    volume._snapshots = []
    assert volume.snapshots == []
    volume.refresh()
    assert volume.snapshots == [other]
