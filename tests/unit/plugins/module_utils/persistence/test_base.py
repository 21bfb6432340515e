# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""persistence.base: what a plugin inherits (key-value pairs, change
tracking, record helpers).  The plugins themselves run the conformance
suite in the other files of this directory; the volume type defaults over
key-value pairs are tested in resources/test_volume_day2.py."""

import pytest

from ansible_collections.openstack.cinderlib.plugins.module_utils.persistence import base


def test_key_values_compare_by_key_and_value():
    assert base.KeyValue('k', 'v') == base.KeyValue('k', 'v')
    assert base.KeyValue('k', 'v') != base.KeyValue('k', 'w')
    assert base.KeyValue('k', 'v') != ('k', 'v')
    assert repr(base.KeyValue('k', 'v')) == "KeyValue('k', 'v')"


def test_the_calls_a_plugin_must_implement():
    plugin = base.PersistenceDriverBase()
    for call, args in (('get_volumes', ()), ('get_snapshots', ()),
                       ('get_connections', ()), ('get_key_values', ()),
                       ('set_volume', ({},)), ('delete_key_value', (None,))):
        with pytest.raises(NotImplementedError):
            getattr(plugin, call)(*args)
    assert plugin.describe() == 'PersistenceDriverBase'
    plugin.close()


def test_changed_fields_since_the_last_save():
    plugin = base.PersistenceDriverBase()
    record = {'id': 'v1', 'status': 'creating', 'size': 1}
    assert plugin.get_changed_fields(record) == record      # never seen
    plugin.reset_change_tracker(record)
    assert plugin.get_changed_fields(dict(record, status='available')) == {
        'status': 'available'}
    plugin.reset_change_tracker(dict(record, status='available', size=2),
                                fields=['status'])
    assert plugin.get_changed_fields(dict(record, status='available',
                                          size=2)) == {'size': 2}


def test_change_tracking_without_the_base_init():
    class NoInit(base.PersistenceDriverBase):
        def __init__(self):     # a plugin that never calls super().__init__
            pass
    plugin = NoInit()
    plugin.reset_change_tracker({'id': 'v1', 'size': 1})
    assert plugin.get_changed_fields({'id': 'v1', 'size': 1}) == {}


def test_record_ids_and_copies():
    class Resource:
        id = 'r1'
    assert base.record_id({'id': 'a'}) == 'a'
    assert base.record_id(base.KeyValue('k')) == 'k'
    assert base.record_id(Resource()) == 'r1'
    assert base.record_id('plain') == 'plain'
    record = {'id': 'a', 'data': {'fields': {'metadata': {'k': 'v'}}}}
    copied = base.copy_record(record)
    copied['data']['fields']['metadata']['k'] = 'changed'
    assert record['data']['fields']['metadata'] == {'k': 'v'}


def test_base_methods_must_be_implemented():
    plugin = base.PersistenceDriverBase()
    with pytest.raises(NotImplementedError):
        plugin.get_volumes()
