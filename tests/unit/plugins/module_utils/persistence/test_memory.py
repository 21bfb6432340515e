# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""persistence/memory.py, the memory plugin, where it is its own: its
name, the dicts the cinderlib documentation says it keeps, what it saves
being a copy, and volume types (which the conformance suite leaves out).
The conformance suite runs it in test_conformance.py, unique names in
test_concurrency.py."""

from ansible_collections.openstack.cinderlib.plugins.module_utils.persistence import base, memory


def _volume(volume_id, name='data'):
    return {'id': volume_id, 'backend': 'b', 'name': name,
            'status': 'available', 'size': 1,
            'data': {'fields': {'metadata': {'k': 'v'}}}}


def _type(type_id, name):
    return {'id': type_id, 'name': name, 'extra_specs': {'a': 'b'},
            'qos_specs': {}}


def test_name():
    assert memory.MemoryPersistence().describe() == 'memory'


def test_the_documented_dicts_by_id():
    plugin = memory.MemoryPersistence()
    plugin.set_volume(_volume('v1'))
    plugin.set_key_value(base.KeyValue('k', 'v'))
    assert list(plugin.volumes) == ['v1']
    assert plugin.key_values == {'k': 'v'}
    assert plugin.snapshots == plugin.connections == {}


def test_what_it_saves_is_a_copy():
    plugin = memory.MemoryPersistence()
    for kind in ('volume', 'snapshot', 'connection'):
        record = dict(_volume('r1'), volume_id='v1')
        getattr(plugin, 'set_' + kind)(record)
        record['data']['fields']['metadata']['k'] = 'changed'
        [saved] = getattr(plugin, 'get_%ss' % kind)()
        assert saved['data']['fields']['metadata'] == {'k': 'v'}, kind


def test_volume_types():
    plugin = memory.MemoryPersistence()
    gold, bronze = _type('t1', 'gold'), _type('t2', 'bronze')
    plugin.set_volume_type(gold)
    plugin.set_volume_type(bronze)
    gold['extra_specs']['a'] = 'changed'
    # By name; filtered by id or name.
    assert [t['name'] for t in plugin.get_volume_types()] == ['bronze',
                                                              'gold']
    assert plugin.get_volume_types(type_id='t1') == [_type('t1', 'gold')]
    assert plugin.get_volume_types(type_name='bronze') == [bronze]
    assert plugin.get_volume_types(type_id='t1', type_name='bronze') == []
    # Deleted by record or by id.
    plugin.delete_volume_type(bronze)
    plugin.delete_volume_type('t1')
    plugin.delete_volume_type('never-saved')
    assert plugin.get_volume_types() == []
