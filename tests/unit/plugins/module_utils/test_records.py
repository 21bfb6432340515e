# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""records.py's accessors and labels: what converge reads and changes in a
record without the core (crash-recovery helpers: test_recovery.py)."""

import copy

from ansible_collections.openstack.cinderlib.plugins.module_utils import records


def volume_record(**fields):
    return {'id': 'v', 'backend': 'b', 'name': 'old', 'size': 1,
            'status': 'available',
            'data': {'fields': dict({'display_name': 'old',
                                     'display_description': 'd',
                                     'metadata': {'k': 'v'}}, **fields)}}


def test_label_changes_lists_only_what_differs():
    record = volume_record()
    assert records.label_changes(record, name='old', description='d',
                                 metadata={'k': 'v'}) == {}
    assert records.label_changes(record, name=None, description=None,
                                 metadata=None) == {}
    assert records.label_changes(record, name='new', metadata={}) == {
        'name': 'new', 'metadata': {}}


def test_relabelled_is_a_copy():
    record = volume_record()
    kept = copy.deepcopy(record)
    changed = records.relabelled(record, {'name': 'new', 'description': 'e',
                                          'metadata': {'a': 'b'}})
    assert record == kept
    assert changed['name'] == 'new'
    assert records.fields(changed)['display_name'] == 'new'
    view = records.volume_view(changed)
    assert (view['description'], view['metadata']) == ('e', {'a': 'b'})


class Saved:
    def __init__(self):
        self.volumes = []

    def set_volume(self, record):
        self.volumes.append(record)

    def get_volumes(self, volume_id=None):
        return [r for r in self.volumes if r['id'] == volume_id]


def test_save_labels_and_fresh_record():
    store = Saved()
    assert records.fresh_record(store, 'volume', 'v') is None
    saved = records.save_labels(store, 'volume', volume_record(),
                                {'description': 'e'})
    assert records.fresh_record(store, 'volume', 'v') is saved
    assert records.fields(saved)['display_description'] == 'e'


def test_planned_record_has_the_views_shape():
    planned = records.planned_record('b', 'available', name='n', size=2,
                                     fields={'display_description': 'd'})
    real = volume_record()
    assert set(records.volume_view(planned)) == \
        set(records.volume_view(real))
    assert records.volume_view(planned)['id'] is None
    assert records.volume_view(planned)['size'] == 2


def test_accessors():
    assert records.multiattach(volume_record(multiattach=True))
    assert not records.multiattach(volume_record())
    errored = dict(volume_record(), status='error')
    errored['data']['error_message'] = 'boom'
    assert records.error_message(errored) == 'boom'


def test_volume_type_facts_list_every_type_with_its_volumes():
    gold = records.volume_type_record('gold', qos_specs={'iops': '1'})
    shared = records.volume_type_record(
        'shared', extra_specs={'multiattach': '<is> True'})

    def volume(volume_id, type_id):
        return {'id': volume_id, 'data': {'fields': {
            'volume_type_id': type_id}}}
    facts = records.volume_type_facts(
        [gold, shared], [volume('v2', gold['id']), volume('v1', gold['id']),
                         volume('own', 'own')])
    assert [(f['name'], f['volumes'], f['volume_count']) for f in facts] == [
        ('gold', ['v1', 'v2'], 2), ('shared', [], 0)]
    assert facts[0]['qos_specs'] == {'iops': '1'}
    assert facts[1]['multiattach'] is True
