# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The behaviour every persistence plugin must have.

Reusable for third-party plugins: copy this file next to your tests (or
put its directory on sys.path), subclass PersistenceConformance in a
pytest module and give it a ``plugin`` fixture returning a fresh, empty
plugin instance::

    from persistence_conformance import PersistenceConformance

    class TestMyPlugin(PersistenceConformance):
        @pytest.fixture
        def plugin(self):
            return MyPlugin(location='...')

test_persistence_plugins.py does exactly this for a plugin written from
the base class alone.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

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

    def test_large_record(self, plugin):
        plugin.set_volume(volume('v1', blob='x' * 200000))
        assert len(plugin.get_volumes()[0]['data']['blob']) == 200000

    def test_describe_has_no_password(self, plugin):
        assert 'secretpw' not in plugin.describe()

    def test_serves_driver_db_calls(self, plugin):
        # What drivers call as cinder.db.api, served from this plugin.
        assert callable(plugin.db.volume_get)
        assert plugin.db is plugin.db
