# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Third-party persistence plugins: the documented contract, an entry
point plugin, and a plugin that opted in to records, running both
conformance suites and the core; plugins written from the documentation
alone (handed resource objects) run the core here too, the rest of their
tests are in test_resource_contract.py."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json

import pytest

from ansible_collections.openstack.cinderlib.plugins.module_utils import persistence
from ansible_collections.openstack.cinderlib.plugins.module_utils.persistence import base, dbms, memory

import documented_plugins
from persistence_conformance import (
    PersistenceConformance, ResourceConformance, using_persistence)

# What the cinderlib documentation says a plugin implements.
DOCUMENTED = ('db', 'get_volumes', 'get_snapshots', 'get_connections',
              'get_key_values', 'set_volume', 'set_snapshot',
              'set_connection', 'set_key_value', 'delete_volume',
              'delete_snapshot', 'delete_connection', 'delete_key_value')


class JSONTextPlugin(base.PersistenceDriverBase):
    """A plugin that opted in to records: records as JSON text, as a plugin
    for a key-value store would keep them."""

    stores_records = True
    TABLES = ('volume', 'snapshot', 'connection')

    def __init__(self, prefix='cl'):
        super(JSONTextPlugin, self).__init__()
        self.prefix = prefix
        self.store = {}

    def _get(self, table, **filters):
        records = [json.loads(text) for key, text in sorted(self.store.items())
                   if key[0] == table]
        return [r for r in records if all(
            value is None or r.get(field) == value
            for field, value in filters.items())]

    def _set(self, table, record):
        self.store[(table, record['id'])] = json.dumps(record)

    def _delete(self, table, obj):
        self.store.pop((table, base.record_id(obj)), None)

    def get_volumes(self, volume_id=None, volume_name=None, backend_name=None):
        return self._get('volume', id=volume_id, name=volume_name,
                         backend=backend_name)

    def get_snapshots(self, snapshot_id=None, snapshot_name=None,
                      volume_id=None):
        return self._get('snapshot', id=snapshot_id, name=snapshot_name,
                         volume_id=volume_id)

    def get_connections(self, connection_id=None, volume_id=None):
        return self._get('connection', id=connection_id, volume_id=volume_id)

    def get_key_values(self, key=None):
        return [base.KeyValue(k[1], v) for k, v in sorted(self.store.items())
                if k[0] == 'kv' and key in (None, k[1])]

    def set_volume(self, volume):
        self._set('volume', volume)

    def set_snapshot(self, snapshot):
        self._set('snapshot', snapshot)

    def set_connection(self, connection):
        self._set('connection', connection)

    def set_key_value(self, key_value):
        self.store[('kv', key_value.key)] = key_value.value

    def delete_volume(self, volume):
        self._delete('volume', volume)

    def delete_snapshot(self, snapshot):
        self._delete('snapshot', snapshot)

    def delete_connection(self, connection):
        self._delete('connection', connection)

    def delete_key_value(self, key_value):
        self.store.pop(('kv', base.record_id(key_value)), None)


class TestThirdPartyPlugin(PersistenceConformance):
    """How a plugin author reuses the conformance suite."""

    @pytest.fixture
    def plugin(self):
        return JSONTextPlugin()


PLUGIN_CONFIGS = dict(documented_plugins.CONFIGS, **{
    'records-json': {'storage': JSONTextPlugin},
    'memory': {'storage': 'memory'},
    'memory_db': {'storage': 'memory_db'},
})


class TestPluginsRunTheCore(ResourceConformance):
    """Both forms, through the core's operations."""

    @pytest.fixture(params=sorted(PLUGIN_CONFIGS))
    def plugin_config(self, request):
        return PLUGIN_CONFIGS[request.param]


def test_base_class_has_every_documented_method():
    plugin = base.PersistenceDriverBase()
    for name in DOCUMENTED[1:]:
        with pytest.raises(NotImplementedError):
            getattr(plugin, name)(*(() if name.startswith('get_')
                                    else (None,)))
    assert plugin.db is not None


@pytest.mark.parametrize('plugin_class', [
    memory.MemoryPersistence, dbms.DBPersistence, JSONTextPlugin,
    documented_plugins.DictPlugin, documented_plugins.FieldsPlugin])
def test_plugins_implement_every_documented_method(plugin_class):
    for name in DOCUMENTED[1:]:
        assert getattr(plugin_class, name) is not getattr(
            base.PersistenceDriverBase, name), name


def test_entry_point_plugin(tmp_path, monkeypatch):
    (tmp_path / 'cl_test_plugin.py').write_text(
        'from %s import JSONTextPlugin as Plugin\n' % __name__)
    dist = tmp_path / 'cl_test_plugin-1.0.dist-info'
    dist.mkdir()
    (dist / 'METADATA').write_text('Name: cl-test-plugin\nVersion: 1.0\n')
    (dist / 'entry_points.txt').write_text(
        '[%s]\njsontext = cl_test_plugin:Plugin\n'
        % persistence.ENTRY_POINT_GROUP)
    monkeypatch.syspath_prepend(str(tmp_path))
    plugin = persistence.setup({'storage': 'jsontext', 'prefix': 'x'})
    assert type(plugin).__name__ == 'JSONTextPlugin'
    assert plugin.prefix == 'x'


def test_third_party_plugin_runs_the_core(backend):
    with using_persistence({'storage': JSONTextPlugin, 'prefix': 'p'}) as core:
        volume = backend.create_volume(1)
        snapshot = volume.create_snapshot()
        volume.connect({'host': 'n1'}).disconnect()
        snapshot.delete()
        assert [v.id for v in backend.volumes] == [volume.id]
        volume.delete()
        assert core.store == {}
