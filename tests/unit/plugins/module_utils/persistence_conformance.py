# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The behaviour every persistence plugin must have.

Reusable for third-party plugins: copy this file next to your tests (or
put its directory on sys.path) and subclass its suites in a pytest module.

PersistenceConformance checks the record contract.  Give it a ``plugin``
fixture returning a fresh, empty plugin as the core uses it: your
record-form plugin (``stores_records = True``) itself, or what
``persistence.setup({'storage': YourPlugin, ...})`` returns for a plugin
handed resource objects (the documented contract)::

    from persistence_conformance import PersistenceConformance

    class TestMyPlugin(PersistenceConformance):
        @pytest.fixture
        def plugin(self):
            return MyPlugin(location='...')

ResourceConformance runs the core's operations against a plugin and checks
what it is handed and what it returns, in either form.  Give it
``plugin_config`` (the persistence_config that builds a fresh, empty
plugin) and ``backend`` (a set-up Backend; a test driver will do).

persistence/test_third_party_plugins.py does both for plugins written from
the documentation alone.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import contextlib

import pytest

from ansible_collections.openstack.cinderlib.plugins.module_utils import cinderlib as cl
from ansible_collections.openstack.cinderlib.plugins.module_utils.persistence import base


def volume(vid, backend='b1', name=None, status='available', size=1, **data):
    return {'id': vid, 'backend': backend, 'name': name, 'status': status,
            'size': size, 'data': dict({'fields': {'id': vid}}, **data)}


def snapshot(sid, volume_id, name=None):
    return {'id': sid, 'backend': 'b1', 'name': name, 'status': 'available',
            'size': 1, 'volume_id': volume_id, 'data': {'fields': {}}}


def connection(cid, volume_id):
    return {'id': cid, 'backend': 'b1', 'name': None, 'status': 'attached',
            'volume_id': volume_id, 'data': {'fields': {'connector': {
                'host': 'h'}}}}


class PersistenceConformance(object):

    def test_starts_empty(self, plugin):
        assert plugin.get_volumes() == []
        assert plugin.get_snapshots() == []
        assert plugin.get_connections() == []
        assert plugin.get_key_values() == []

    def test_volume_round_trip(self, plugin):
        record = volume('v1', name='data', extra_specs={'a': 'b'})
        plugin.set_volume(record)
        assert plugin.get_volumes() == [record]
        assert plugin.get_volumes(volume_id='v1') == [record]

    def test_set_replaces(self, plugin):
        plugin.set_volume(volume('v1', size=1))
        plugin.set_volume(volume('v1', size=5, status='in-use'))
        [stored] = plugin.get_volumes()
        assert (stored['size'], stored['status']) == (5, 'in-use')

    def test_volume_filters(self, plugin):
        plugin.set_volume(volume('v1', backend='b1', name='x'))
        plugin.set_volume(volume('v2', backend='b2', name='x'))
        plugin.set_volume(volume('v3', backend='b1', name='y'))

        def ids(records):
            return sorted(r['id'] for r in records)

        assert ids(plugin.get_volumes(backend_name='b1')) == ['v1', 'v3']
        assert ids(plugin.get_volumes(volume_name='x')) == ['v1', 'v2']
        assert ids(plugin.get_volumes(volume_name='x',
                                      backend_name='b1')) == ['v1']
        assert plugin.get_volumes(volume_id='nope') == []

    def test_returned_records_are_copies(self, plugin):
        plugin.set_volume(volume('v1'))
        plugin.get_volumes()[0]['data']['fields']['id'] = 'changed'
        assert plugin.get_volumes()[0]['data']['fields']['id'] == 'v1'

    def test_snapshots_and_connections(self, plugin):
        plugin.set_volume(volume('v1'))
        plugin.set_snapshot(snapshot('s1', 'v1', name='daily'))
        plugin.set_snapshot(snapshot('s2', 'v2'))
        plugin.set_connection(connection('c1', 'v1'))
        assert [s['id'] for s in plugin.get_snapshots(volume_id='v1')] == [
            's1']
        assert [s['id'] for s in plugin.get_snapshots(
            snapshot_name='daily')] == ['s1']
        assert plugin.get_snapshots(snapshot_id='s2')[0]['volume_id'] == 'v2'
        assert plugin.get_connections(volume_id='v1') == [
            connection('c1', 'v1')]
        assert plugin.get_connections(connection_id='c1')[0]['data'][
            'fields']['connector'] == {'host': 'h'}

    def test_deletes(self, plugin):
        plugin.set_volume(volume('v1'))
        plugin.set_snapshot(snapshot('s1', 'v1'))
        plugin.set_connection(connection('c1', 'v1'))
        plugin.delete_connection({'id': 'c1'})
        plugin.delete_snapshot('s1')
        plugin.delete_volume(volume('v1'))
        plugin.delete_volume('never-existed')
        assert plugin.get_volumes() == []
        assert plugin.get_snapshots() == []
        assert plugin.get_connections() == []

    def test_key_values(self, plugin):
        plugin.set_key_value(base.KeyValue('k1', 'v1'))
        plugin.set_key_value(base.KeyValue('k2', 'v2'))
        plugin.set_key_value(base.KeyValue('k1', 'v1b'))
        assert plugin.get_key_values() == [base.KeyValue('k1', 'v1b'),
                                           base.KeyValue('k2', 'v2')]
        assert plugin.get_key_values('k2') == [base.KeyValue('k2', 'v2')]
        plugin.delete_key_value(base.KeyValue('k1'))
        assert plugin.get_key_values() == [base.KeyValue('k2', 'v2')]

    def test_batch(self, plugin):
        # Writes in a batch may wait for its end; they are all made then,
        # also when the block fails.
        plugin.set_connection(connection('c1', 'v1'))
        with plugin.batch():
            plugin.set_volume(volume('v1', status='in-use'))
            plugin.set_connection(connection('c2', 'v1'))
            plugin.delete_connection('c1')
        assert [r['status'] for r in plugin.get_volumes()] == ['in-use']
        assert [r['id'] for r in plugin.get_connections()] == ['c2']
        try:
            with plugin.batch():
                plugin.set_volume(volume('v1', status='available'))
                raise KeyError('the block fails')
        except KeyError:
            pass
        assert [r['status'] for r in plugin.get_volumes()] == ['available']

    def test_large_record(self, plugin):
        plugin.set_volume(volume('v1', blob='x' * 200000))
        assert len(plugin.get_volumes()[0]['data']['blob']) == 200000

    def test_describe_has_no_password(self, plugin):
        assert 'secretpw' not in plugin.describe()

    def test_serves_driver_db_calls(self, plugin):
        # What drivers call as cinder.db.api, served from this plugin.
        assert callable(plugin.db.volume_get)
        assert plugin.db is plugin.db


@contextlib.contextmanager
def using_persistence(config):
    """The core on the plugin ``config`` builds, until the block ends."""
    settings = cl.Backend.settings()
    previous, saved_config = cl.Backend.persistence, settings.persistence_config
    cl.Backend.set_persistence(dict(config))
    try:
        yield cl.Backend.persistence
    finally:
        cl.Backend.set_persistence({'storage': previous})
        settings.persistence_config = saved_config


def _forget_live(*resources):
    """As a new process: no object in memory, all from the plugin."""
    for resource in resources:
        type(resource)._live.pop(resource.id, None)


class ResourceConformance(object):
    """The core on the plugin: each documented operation, then the same
    resources found again from the plugin alone."""

    @pytest.fixture
    def core(self, plugin_config, backend):
        """The plugin as the core's persistence, for this test only."""
        backend._volumes = None
        with using_persistence(plugin_config) as core:
            yield core
        backend._volumes = None

    @staticmethod
    def _spy(core):
        """What the plugin's set_*/delete_* methods are handed."""
        plugin = getattr(core, 'plugin', core)
        handed = []
        for name in ('set_volume', 'set_snapshot', 'set_connection',
                     'delete_volume', 'delete_snapshot', 'delete_connection'):
            def spy(resource, _original=getattr(plugin, name), _name=name):
                handed.append((_name, resource))
                return _original(resource)
            setattr(plugin, name, spy)
        return plugin, handed

    def test_resources_round_trip(self, core, backend):
        plugin, handed = self._spy(core)
        volume = backend.create_volume(1, name='data')
        snapshot = volume.create_snapshot(name='daily')
        connection = volume.connect({'host': 'node1', 'ip': '10.0.0.1'})
        volume.extend(2)
        stores_records = getattr(plugin, 'stores_records', False)
        for name, resource in handed:
            if stores_records:
                assert isinstance(resource, dict), name
            else:
                # The documented contract: the resource objects.
                assert not isinstance(resource, dict), name
                assert resource.backend.id == backend.id
                assert resource.id in (volume.id, snapshot.id, connection.id)
        assert [v.id for v in backend.volumes] == [volume.id]
        ids = (volume.id, snapshot.id, connection.id)

        _forget_live(volume, snapshot, connection)
        backend._volumes = None
        del volume, snapshot, connection
        found = cl.Volume.get_by_id(ids[0])
        assert (found.name, found.size, found.status) == ('data', 2, 'in-use')
        assert [(s.id, s.name) for s in found.snapshots] == [(ids[1],
                                                              'daily')]
        assert [c.id for c in found.connections] == [ids[2]]
        assert found.connections[0].connector_info['host'] == 'node1'
        assert [v.id for v in backend.volumes] == [ids[0]]

        found.connections[0].disconnect()
        found.snapshots[0].delete()
        found.delete()
        assert core.get_volumes() == core.get_snapshots() == \
            core.get_connections() == []

    def test_reads_filter(self, core, backend):
        one = backend.create_volume(1, name='one')
        two = backend.create_volume(1, name='two')
        snapshot = one.create_snapshot(name='daily')
        try:
            assert [r['id'] for r in core.get_volumes(volume_name='two')] == [
                two.id]
            assert [r['id'] for r in core.get_volumes(
                volume_id=one.id, backend_name=backend.id)] == [one.id]
            assert core.get_volumes(backend_name='another') == []
            assert [r['id'] for r in core.get_snapshots(
                volume_id=one.id)] == [snapshot.id]
            assert core.get_snapshots(volume_id=two.id) == []
            assert [r['name'] for r in core.get_snapshots(
                snapshot_id=snapshot.id)] == ['daily']
        finally:
            snapshot.delete()
            one.delete()
            two.delete()

    def test_key_values(self, core):
        core.set_key_value(cl.KeyValue('conformance-k', 'v1'))
        core.set_key_value(cl.KeyValue('conformance-k', 'v2'))
        assert core.get_key_values('conformance-k') == [
            cl.KeyValue('conformance-k', 'v2')]
        core.delete_key_value(cl.KeyValue('conformance-k'))
        assert core.get_key_values('conformance-k') == []

    def test_changed_fields(self, core, backend):
        plugin = getattr(core, 'plugin', core)
        if getattr(plugin, 'stores_records', False):
            pytest.skip('the core tracks changes for plugins handed '
                        'resource objects only')
        volume = backend.create_volume(1, name='tracked')
        try:
            fields = plugin.get_fields(volume)
            assert (fields['id'], fields['name'], fields['size'],
                    fields['backend']) == (volume.id, 'tracked', 1,
                                           backend.id)
            assert plugin.get_changed_fields(volume) == {}
            volume.extend(3)
            assert plugin.get_changed_fields(volume) == {}
            volume._ovo.size = 4
            assert plugin.get_changed_fields(volume)['size'] == 4
            plugin.reset_change_tracker(volume, ['size'])
            assert 'size' not in plugin.get_changed_fields(volume)
            volume._ovo.size = 3
        finally:
            volume.delete()
