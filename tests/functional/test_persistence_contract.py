# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A custom persistence plugin written to the cinderlib documentation's
contract (handed the resource objects; get_fields/get_changed_fields from
the base class), on a real backend: every documented operation, then a new
process that finds everything through the plugin alone and removes it.

The plugin keeps one JSON file per resource in a directory, as a user
keeping metadata on a shared file system might.
"""

import json
import os
import subprocess
import sys

from ansible_collections.openstack.cinderlib.plugins.module_utils import cinderlib as cl
from ansible_collections.openstack.cinderlib.plugins.module_utils.persistence import base

import conftest
from test_backend import connector


class JSONFilesPlugin(base.PersistenceDriverBase):
    """One file per resource: <directory>/<kind>/<id>.json, holding what the
    documented helpers give (get_fields), with the attributes it filters on
    taken from the objects it is handed."""

    def __init__(self, directory, **kwargs):
        super(JSONFilesPlugin, self).__init__(**kwargs)
        self.directory = directory
        self.handed = []

    def _path(self, kind, resource_id):
        folder = os.path.join(self.directory, kind)
        if not os.path.isdir(folder):
            os.makedirs(folder)
        return os.path.join(folder, resource_id + '.json')

    def _write(self, kind, resource, **index):
        self.handed.append(type(resource).__name__)
        path = self._path(kind, resource.id)
        if os.path.exists(path):
            with open(path) as f:
                stored = json.load(f)
            stored['fields'].update(self.get_changed_fields(resource))
        else:
            stored = {'fields': self.get_fields(resource)}
        stored['index'] = index
        with open(path + '.tmp', 'w') as f:
            json.dump(stored, f)
        os.rename(path + '.tmp', path)

    def _read(self, kind, **wanted):
        folder = os.path.join(self.directory, kind)
        found = []
        for name in sorted(os.listdir(folder)) if os.path.isdir(folder) else []:
            if name.endswith('.json'):
                with open(os.path.join(folder, name)) as f:
                    stored = json.load(f)
                if all(value is None or stored['index'].get(key) == value
                       for key, value in wanted.items()):
                    found.append(stored['fields'])
        return found

    def _remove(self, kind, resource):
        self.handed.append(type(resource).__name__)
        path = self._path(kind, resource.id)
        if os.path.exists(path):
            os.remove(path)

    def get_volumes(self, volume_id=None, volume_name=None, backend_name=None):
        return self._read('volume', id=volume_id, name=volume_name,
                          backend=backend_name)

    def get_snapshots(self, snapshot_id=None, snapshot_name=None,
                      volume_id=None):
        return self._read('snapshot', id=snapshot_id, name=snapshot_name,
                          volume=volume_id)

    def get_connections(self, connection_id=None, volume_id=None):
        return self._read('connection', id=connection_id, volume=volume_id)

    def get_key_values(self, key=None):
        folder = os.path.join(self.directory, 'kv')
        pairs = []
        for name in sorted(os.listdir(folder)) if os.path.isdir(folder) else []:
            if key is None or name == key:
                with open(os.path.join(folder, name)) as f:
                    pairs.append(cl.KeyValue(name, f.read()))
        return pairs

    def set_volume(self, volume):
        self._write('volume', volume, id=volume.id, name=volume.name,
                    backend=volume.backend.id)

    def set_snapshot(self, snapshot):
        self._write('snapshot', snapshot, id=snapshot.id, name=snapshot.name,
                    volume=snapshot.volume.id)

    def set_connection(self, connection):
        self._write('connection', connection, id=connection.id,
                    volume=connection.volume.id)

    def set_key_value(self, key_value):
        with open(self._path('kv', key_value.key)[:-5], 'w') as f:
            f.write(key_value.value)

    def delete_volume(self, volume):
        self._remove('volume', volume)

    def delete_snapshot(self, snapshot):
        self._remove('snapshot', snapshot)

    def delete_connection(self, connection):
        self._remove('connection', connection)

    def delete_key_value(self, key_value):
        path = self._path('kv', key_value.key)[:-5]
        if os.path.exists(path):
            os.remove(path)


NEW_PROCESS = r'''
import json, sys
sys.path.insert(0, sys.argv[1])
from ansible_collections.openstack.cinderlib.plugins.module_utils import cinderlib as cl
from test_persistence_contract import JSONFilesPlugin
locks, directory, config = [json.loads(arg) for arg in sys.argv[2:]]
cl.setup(file_locks_path=locks, disable_logs=True, persistence_config={
    'storage': JSONFilesPlugin, 'directory': directory})
backend = cl.Backend(**config)
seen = {}
for volume in sorted(backend.volumes, key=lambda v: v.name):
    seen[volume.name] = [volume.size, volume.status,
                         sorted(s.name for s in volume.snapshots),
                         [c.connector_info['host'] for c in volume.connections]]
# Dependents first: the clone and the volume made from the snapshot.
for volume in sorted(backend.volumes, key=lambda v: v.name):
    for connection in volume.connections:
        connection.disconnect()
    for snapshot in volume.snapshots:
        snapshot.delete()
    volume.delete()
print(json.dumps([seen, sorted(set(cl.Backend.persistence.plugin.handed))]))
'''


def test_documented_contract_plugin(backend, tmp_path):
    settings = cl.Backend.settings()
    previous, config = cl.Backend.persistence, settings.persistence_config
    directory = str(tmp_path / 'records')
    cl.Backend.set_persistence({'storage': JSONFilesPlugin,
                                'directory': directory})
    plugin = cl.Backend.persistence.plugin
    created = []
    try:
        source = backend.create_volume(1, name='ftest-contract-source')
        created.append(source)
        snapshot = source.create_snapshot(name='ftest-contract-snap')
        created.append(snapshot)
        from_snapshot = snapshot.create_volume(name='ftest-contract-fromsnap')
        created.append(from_snapshot)
        clone = source.clone(name='ftest-contract-clone', size=2)
        created.append(clone)
        source.extend(2)
        connection = source.connect(connector())
        assert set(plugin.handed) == {'Volume', 'Snapshot', 'Connection'}
        assert sorted(v.name for v in backend.volumes) == [
            'ftest-contract-clone', 'ftest-contract-fromsnap',
            'ftest-contract-source']
        assert cl.Backend.persistence.get_connections(
            volume_id=source.id)[0]['id'] == connection.id
        backend._volumes = None
        del connection, source, snapshot, from_snapshot, clone
        del created[:]

        out = subprocess.run(
            [sys.executable, '-c', NEW_PROCESS, conftest.HERE,
             json.dumps(conftest.TMP), json.dumps(directory),
             json.dumps(conftest.backend_config(backend.id))],
            check=True, stdout=subprocess.PIPE, universal_newlines=True,
            timeout=600).stdout
        seen, handed = json.loads(out.splitlines()[-1])
        assert seen == {
            'ftest-contract-clone': [2, 'available', [], []],
            'ftest-contract-fromsnap': [1, 'available', [], []],
            'ftest-contract-source': [2, 'in-use', ['ftest-contract-snap'],
                                      ['ftest-node']],
        }
        assert handed == ['Connection', 'Snapshot', 'Volume']
        assert plugin.get_volumes() == plugin.get_snapshots() == \
            plugin.get_connections() == []
    finally:
        for resource in reversed(created):
            if resource.status != 'deleted':
                for connection in list(getattr(resource, 'connections', [])):
                    connection.disconnect()
                resource.delete()
        cl.Backend.set_persistence({'storage': previous})
        settings.persistence_config = config
        backend._volumes = None
    assert conftest.backend_leftovers(backend) == []
