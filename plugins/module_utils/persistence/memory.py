# -*- coding: utf-8 -*-
# Copyright: contributors to the openstack.cinderlib collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ``memory`` plugin: records live in this process only (the default)."""


import threading

from ansible_collections.openstack.cinderlib.plugins.module_utils import errors
from ansible_collections.openstack.cinderlib.plugins.module_utils.persistence import base


def _matches(record, filters):
    return all(value is None or record.get(key) == value
               for key, value in filters.items())


class MemoryPersistence(base.PersistenceDriverBase):
    """Keeps records in dicts; serialize them to keep them across runs.

    ``unique_names=True``: as for the ``db`` plugin, a volume cannot take
    the name of another volume of its backend, nor a snapshot that of
    another snapshot of its volume (``errors.DuplicateName``).
    """

    stores_records = True

    def __init__(self, unique_names=False):
        super().__init__()
        self.unique_names = bool(unique_names)
        # Threads of one process (cl_volumes' items) share the dicts: a
        # read never iterates one while another thread changes it.
        self._lock = threading.Lock()
        self.volumes = {}
        self.snapshots = {}
        self.connections = {}
        self.key_values = {}
        self.volume_types = {}

    def describe(self):
        return 'memory'

    def _get(self, table, **filters):
        with self._lock:
            found = [record for record in table.values()
                     if _matches(record, filters)]
        # Saved records are never changed in place, only replaced.
        return [base.copy_record(record) for record in found]

    def get_volumes(self, volume_id=None, volume_name=None, backend_name=None):
        return self._get(self.volumes, id=volume_id, name=volume_name,
                         backend=backend_name)

    def get_snapshots(self, snapshot_id=None, snapshot_name=None,
                      volume_id=None):
        return self._get(self.snapshots, id=snapshot_id, name=snapshot_name,
                         volume_id=volume_id)

    def get_connections(self, connection_id=None, volume_id=None):
        return self._get(self.connections, id=connection_id,
                         volume_id=volume_id)

    def get_volume_types(self, type_id=None, type_name=None):
        return sorted(self._get(self.volume_types, id=type_id,
                                name=type_name), key=lambda r: r['name'])

    def get_key_values(self, key=None):
        with self._lock:
            pairs = sorted(self.key_values.items())
        return [base.KeyValue(k, v) for k, v in pairs
                if key is None or k == key]

    def _set_named(self, table, record, scope):
        with self._lock:
            if self.unique_names and record.get('name'):
                for other in table.values():
                    if (other['id'] != record['id'] and
                            other.get('name') == record['name'] and
                            other.get(scope) == record.get(scope)):
                        raise errors.DuplicateName(
                            'volume' if scope == 'backend' else 'snapshot',
                            record['id'], record['name'], other['id'],
                            record.get(scope))
            table[record['id']] = base.copy_record(record)

    def set_volume(self, volume):
        self._set_named(self.volumes, volume, 'backend')

    def set_snapshot(self, snapshot):
        self._set_named(self.snapshots, snapshot, 'volume_id')

    def set_connection(self, connection):
        record = base.copy_record(connection)
        with self._lock:
            self.connections[connection['id']] = record

    def set_key_value(self, key_value):
        with self._lock:
            self.key_values[key_value.key] = key_value.value

    def _pop(self, table, key):
        with self._lock:
            table.pop(key, None)

    def set_volume_type(self, volume_type):
        self.volume_types[volume_type['id']] = base.copy_record(volume_type)

    def delete_volume_type(self, volume_type):
        self.volume_types.pop(base.record_id(volume_type), None)

    def delete_volume(self, volume):
        self._pop(self.volumes, base.record_id(volume))

    def delete_snapshot(self, snapshot):
        self._pop(self.snapshots, base.record_id(snapshot))

    def delete_connection(self, connection):
        self._pop(self.connections, base.record_id(connection))

    def delete_key_value(self, key_value):
        self._pop(self.key_values, base.record_id(key_value))
