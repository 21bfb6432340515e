# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Persistence plugins written from the cinderlib documentation's text
alone (the "Metadata Persistence" section and the persistence.base API
reference), as a cinderlib user would write them, not from this project's
code.

What that text says: a plugin inherits from PersistenceDriverBase and
implements get_volumes(volume_id=None, volume_name=None,
backend_name=None), get_snapshots(snapshot_id=None, snapshot_name=None,
volume_id=None), get_connections(connection_id=None, volume_id=None),
get_key_values(key=None), set_volume(volume), set_snapshot(snapshot),
set_connection(connection), set_key_value(key_value) and the deletes; its
__init__ receives the persistence_config entries as keyword arguments; the
memory plugin keeps ``volumes``, ``snapshots``, ``connections`` and
``key_values`` dicts; resources have ``id``, ``name``, ``status``,
``size``, ``backend`` (whose ``id`` is the volume_backend_name), and
snapshots and connections a ``volume`` (``snap.volume.id``); the base class
offers get_fields(resource) and get_changed_fields(resource).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json

from ansible_collections.openstack.cinderlib.plugins.module_utils.persistence import base


class DictPlugin(base.PersistenceDriverBase):
    """Keeps the objects it is given in dicts, as the memory plugin of the
    documentation does."""

    def __init__(self, location):
        # As the documentation's MyPlugin: options as keyword arguments, no
        # call to the base class.
        self.location = location
        self.volumes = {}
        self.snapshots = {}
        self.connections = {}
        self.key_values = {}
        self.received = []

    def get_volumes(self, volume_id=None, volume_name=None, backend_name=None):
        return [vol for vol in self.volumes.values()
                if (volume_id is None or vol.id == volume_id) and
                (volume_name is None or vol.name == volume_name) and
                (backend_name is None or vol.backend.id == backend_name)]

    def get_snapshots(self, snapshot_id=None, snapshot_name=None,
                      volume_id=None):
        return [snap for snap in self.snapshots.values()
                if (snapshot_id is None or snap.id == snapshot_id) and
                (snapshot_name is None or snap.name == snapshot_name) and
                (volume_id is None or snap.volume.id == volume_id)]

    def get_connections(self, connection_id=None, volume_id=None):
        return [conn for conn in self.connections.values()
                if (connection_id is None or conn.id == connection_id) and
                (volume_id is None or conn.volume.id == volume_id)]

    def get_key_values(self, key=None):
        return [self.key_values[k] for k in sorted(self.key_values)
                if key is None or k == key]

    def set_volume(self, volume):
        self.received.append(volume)
        self.volumes[volume.id] = volume

    def set_snapshot(self, snapshot):
        self.received.append(snapshot)
        self.snapshots[snapshot.id] = snapshot

    def set_connection(self, connection):
        self.received.append(connection)
        self.connections[connection.id] = connection

    def set_key_value(self, key_value):
        self.key_values[key_value.key] = key_value

    def delete_volume(self, volume):
        self.received.append(volume)
        self.volumes.pop(volume.id, None)

    def delete_snapshot(self, snapshot):
        self.received.append(snapshot)
        self.snapshots.pop(snapshot.id, None)

    def delete_connection(self, connection):
        self.received.append(connection)
        self.connections.pop(connection.id, None)

    def delete_key_value(self, key_value):
        self.key_values.pop(key_value.key, None)


class FieldsPlugin(base.PersistenceDriverBase):
    """Keeps get_fields() of each resource as JSON text, as a plugin for a
    key-value store would, and rewrites only get_changed_fields() on
    updates; its reads return those dicts."""

    def __init__(self, **kwargs):
        super(FieldsPlugin, self).__init__(**kwargs)
        self.rows = {}          # (kind, id) -> (index values, JSON text)
        self.updates = []       # (kind, id, changed field names)

    def _set(self, kind, resource, **index):
        key = (kind, resource.id)
        if key in self.rows:
            changed = self.get_changed_fields(resource)
            fields = json.loads(self.rows[key][1])
            fields.update(changed)
            self.updates.append((kind, resource.id, sorted(changed)))
        else:
            fields = self.get_fields(resource)
        self.rows[key] = (index, json.dumps(fields))

    def _get(self, kind, **wanted):
        return [json.loads(text) for (row_kind, _id), (index, text)
                in sorted(self.rows.items())
                if row_kind == kind and all(
                    value is None or index.get(name) == value
                    for name, value in wanted.items())]

    def get_volumes(self, volume_id=None, volume_name=None, backend_name=None):
        return self._get('volume', id=volume_id, name=volume_name,
                         backend=backend_name)

    def get_snapshots(self, snapshot_id=None, snapshot_name=None,
                      volume_id=None):
        return self._get('snapshot', id=snapshot_id, name=snapshot_name,
                         volume=volume_id)

    def get_connections(self, connection_id=None, volume_id=None):
        return self._get('connection', id=connection_id, volume=volume_id)

    def get_key_values(self, key=None):
        return [base.KeyValue(k, v) for (kind, k), (_i, v)
                in sorted(self.rows.items())
                if kind == 'kv' and key in (None, k)]

    def set_volume(self, volume):
        self._set('volume', volume, id=volume.id, name=volume.name,
                  backend=volume.backend.id)

    def set_snapshot(self, snapshot):
        self._set('snapshot', snapshot, id=snapshot.id, name=snapshot.name,
                  volume=snapshot.volume.id)

    def set_connection(self, connection):
        self._set('connection', connection, id=connection.id,
                  volume=connection.volume.id)

    def set_key_value(self, key_value):
        self.rows[('kv', key_value.key)] = ({}, key_value.value)

    def delete_volume(self, volume):
        self.rows.pop(('volume', volume.id), None)

    def delete_snapshot(self, snapshot):
        self.rows.pop(('snapshot', snapshot.id), None)

    def delete_connection(self, connection):
        self.rows.pop(('connection', connection.id), None)

    def delete_key_value(self, key_value):
        self.rows.pop(('kv', key_value.key), None)


# The persistence_config of each, as the tests use them.
CONFIGS = {
    'documented-dict': {'storage': DictPlugin, 'location': 'here'},
    'documented-fields': {'storage': FieldsPlugin},
}
