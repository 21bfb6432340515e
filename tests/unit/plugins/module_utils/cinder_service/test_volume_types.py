# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""cinder_service.volume_types: the types and QoS specs drivers get, and
Cinder's retype diff, with no type table."""

from ansible_collections.openstack.cinderlib.plugins.module_utils import library_state
from ansible_collections.openstack.cinderlib.plugins.module_utils.cinder_service import volume_types


def test_a_volumes_own_type_is_named_after_it():
    assert volume_types.own_type_name('v1') == 'cinderlib-v1'


def test_type_dict_as_the_database_answers():
    answer = volume_types.volume_type_dict('t1', 'gold', {'a': '1'},
                                           {'total_iops_sec': '100'}, 'fast')
    assert (answer['id'], answer['name'], answer['description'],
            answer['is_public'], answer['deleted']) == ('t1', 'gold', 'fast',
                                                        True, False)
    assert answer['extra_specs'] == {'a': '1'}
    # A type's QoS specs have its id, consumed by the driver.
    assert answer['qos_specs_id'] == 't1'
    assert answer['qos_specs'] == {'id': 't1', 'name': 'gold',
                                   'consumer': 'back-end',
                                   'specs': {'total_iops_sec': '100'}}
    plain = volume_types.volume_type_dict('t2', 'plain', {}, {})
    assert plain['qos_specs_id'] is None and plain['qos_specs'] is None


def test_type_ovo_as_drivers_find_it(backend):
    cinder = library_state.cinder()
    vtype = volume_types.volume_type_ovo(
        cinder.objects, cinder.context, 't1', 'gold', {'multiattach':
                                                       '<is> True'},
        {'total_iops_sec': '100'}, 'fast')
    assert (vtype.id, vtype.name, vtype.description) == ('t1', 'gold', 'fast')
    assert vtype.extra_specs == {'multiattach': '<is> True'}
    assert (vtype.qos_specs_id, vtype.qos_specs.consumer,
            vtype.qos_specs.specs) == ('t1', 'back-end',
                                       {'total_iops_sec': '100'})
    plain = volume_types.volume_type_ovo(cinder.objects, cinder.context, 't2',
                                         'plain', {}, {})
    assert plain.qos_specs_id is None


def test_types_diff_in_cinders_shape():
    diff, equal = volume_types.types_diff(
        {'a': '1', 'b': '2'}, {'iops': '10'}, {'a': '1', 'b': '3'}, None)
    assert equal is False
    assert diff == {
        'extra_specs': {'a': ('1', '1'), 'b': ('2', '3')},
        'qos_specs': {'consumer': ('back-end', None), 'iops': ('10', None)},
        'encryption': {}}
    same, equal = volume_types.types_diff({'a': '1'}, {}, {'a': '1'}, None)
    assert equal is True and same['qos_specs'] == {}


def test_describe_diff_names_what_changes():
    diff, _equal = volume_types.types_diff({'b': '2'}, {'iops': '10'},
                                           {'b': '3'}, {'iops': '10'})
    assert volume_types.describe_diff(diff) == "extra spec b: '2' -> '3'"
    diff, _equal = volume_types.types_diff({}, None, {}, {'iops': '5'})
    assert volume_types.describe_diff(diff) == "qos spec iops: None -> '5'"
    assert volume_types.describe_diff(volume_types.types_diff(
        {}, None, {}, None)[0]) == 'nothing'
