# -*- coding: utf-8 -*-
# Copyright: contributors to the openstack.cinderlib collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Plugins written to the cinderlib documentation: handed resource objects.

The cinderlib library documents ``set_volume(volume)``,
``set_snapshot(snapshot)``, ``set_connection(connection)`` and the deletes
as receiving the resource objects (``.id``, ``.name``, ``.backend.id``,
``.volume_id``, ...).  The core works with records (see base.py), so a
plugin that has not opted in to records (``stores_records = True``) is
wrapped in ``ResourcePluginAdapter``: the core talks records to the
adapter, the adapter talks resource objects to the plugin.

What such a plugin's reads may return, per item: the resource objects it
was given (or any Volume/Snapshot/Connection, e.g. from ``cl.Volume.load``),
or the dicts ``get_fields(resource)`` gave it.
"""


from ansible_collections.openstack.cinderlib.plugins.module_utils import errors
from ansible_collections.openstack.cinderlib.plugins.module_utils.persistence import base

_FILTERS = {
    'volume': ('volume_id', 'volume_name', 'backend_name'),
    'snapshot': ('snapshot_id', 'snapshot_name', 'volume_id'),
    'connection': ('connection_id', 'volume_id'),
}
# Filter argument -> record key.
_FILTER_KEYS = {'volume_id': 'volume_id', 'volume_name': 'name',
                'backend_name': 'backend', 'snapshot_id': 'id',
                'snapshot_name': 'name', 'connection_id': 'id'}
_CLASS_NAMES = {'volume': 'Volume', 'snapshot': 'Snapshot',
                'connection': 'Connection'}


def _resources():
    # Deferred: a module task that only reads records never loads it.
    from ansible_collections.openstack.cinderlib.plugins.module_utils import resources
    return resources


class ResourcePluginAdapter(base.PersistenceDriverBase):
    """The record contract the core uses, over a documented-contract plugin.

    ``plugin`` is the plugin; its other attributes are reachable here too.
    """

    stores_records = True

    def __init__(self, plugin):
        super().__init__()
        self.plugin = plugin

    def __getattr__(self, name):
        plugin = self.__dict__.get('plugin')
        if plugin is None or name.startswith('__'):
            raise AttributeError(name)
        return getattr(plugin, name)

    def describe(self):
        return self.plugin.describe()

    def close(self):
        self.plugin.close()

    def batch(self):
        return self.plugin.batch()

    # Reads ---------------------------------------------------------------
    def get_volumes(self, volume_id=None, volume_name=None, backend_name=None):
        return self._get('volume', volume_id=volume_id,
                         volume_name=volume_name, backend_name=backend_name)

    def get_snapshots(self, snapshot_id=None, snapshot_name=None,
                      volume_id=None):
        return self._get('snapshot', snapshot_id=snapshot_id,
                         snapshot_name=snapshot_name, volume_id=volume_id)

    def get_connections(self, connection_id=None, volume_id=None):
        return self._get('connection', connection_id=connection_id,
                         volume_id=volume_id)

    def _get(self, kind, **filters):
        found = getattr(self.plugin, 'get_%ss' % kind)(**filters)
        records = [self._as_record(kind, item)
                   for item in _items(found)]
        # Applied again: a plugin may return more than was asked for.
        wanted = {('id' if argument == kind + '_id' else
                   _FILTER_KEYS[argument]): value
                  for argument, value in filters.items() if value is not None}
        records = [record for record in records if all(
            record.get(key) == value for key, value in wanted.items())]
        for record in records:
            base.saved_fields(self.plugin)[record['id']] = base.copy_record(record)
        return records

    def _as_record(self, kind, item):
        if getattr(item, 'KIND', None) == kind and hasattr(item, '_record'):
            return item._record()
        if isinstance(item, dict) and {'id', 'data'} <= set(item):
            return base.copy_record(item)
        raise errors.PersistenceError(
            'persistence plugin %s: get_%ss returned %r; return the %s '
            'objects set_%s was given, or the dicts get_fields() made of '
            'them' % (type(self.plugin).__name__, kind, item,
                      _CLASS_NAMES[kind], kind))

    # Volume types are records in both forms: the plugin's own methods if
    # it has them, else the defaults over its key-value pairs.
    def get_volume_types(self, type_id=None, type_name=None):
        return self._type_call('get_volume_types', type_id=type_id,
                               type_name=type_name)

    def set_volume_type(self, volume_type):
        self._type_call('set_volume_type', volume_type)

    def delete_volume_type(self, volume_type):
        self._type_call('delete_volume_type', volume_type)

    def _type_call(self, name, *args, **kwargs):
        own = getattr(type(self.plugin), name, None)
        if own is not None and own is not getattr(
                base.PersistenceDriverBase, name):
            return getattr(self.plugin, name)(*args, **kwargs)
        return getattr(base.PersistenceDriverBase, name)(self, *args,
                                                         **kwargs)

    def get_key_values(self, key=None):
        found = self.plugin.get_key_values(key=key)
        return [base.KeyValue(item.key, item.value) for item in _items(found)
                if key is None or item.key == key]

    # Writes --------------------------------------------------------------
    def set_volume(self, volume):
        self._set('volume', volume)

    def set_snapshot(self, snapshot):
        self._set('snapshot', snapshot)

    def set_connection(self, connection):
        self._set('connection', connection)

    def _set(self, kind, record):
        resource = self._resource(kind, record)
        getattr(self.plugin, 'set_' + kind)(resource)
        base.saved_fields(self.plugin)[resource.id] = base.copy_record(record)

    def _resource(self, kind, record):
        """The live object this record is (what the core is saving), else
        a view of the record (a record the modules change directly)."""
        live = getattr(_resources(), _CLASS_NAMES[kind])._live.get(
            record['id'])
        if live is not None and live._record() == record:
            return live
        return RecordView(kind, record)

    def set_key_value(self, key_value):
        self.plugin.set_key_value(key_value)

    def delete_volume(self, volume):
        self._delete('volume', volume)

    def delete_snapshot(self, snapshot):
        self._delete('snapshot', snapshot)

    def delete_connection(self, connection):
        self._delete('connection', connection)

    def _delete(self, kind, obj):
        resource_id = base.record_id(obj)
        if getattr(obj, 'KIND', None) == kind:
            resource = obj
        else:
            resource = getattr(_resources(), _CLASS_NAMES[kind])._live.get(
                resource_id)
        if resource is None:
            stored = self._get(kind, **{kind + '_id': resource_id})
            if not stored:
                return
            resource = RecordView(kind, stored[0])
        getattr(self.plugin, 'delete_' + kind)(resource)
        base.saved_fields(self.plugin).pop(resource_id, None)

    def delete_key_value(self, key_value):
        if not isinstance(key_value, base.KeyValue):
            key_value = base.KeyValue(base.record_id(key_value))
        self.plugin.delete_key_value(key_value)


class RecordView:
    """A resource as the documented contract hands it out, made from a
    record: ``id``, ``name``, ``status``, ``backend`` (``.id`` is its name),
    ``size``, ``volume_id`` and ``volume`` (``.id``), and the Cinder object's
    fields as attributes, as on Volume, Snapshot and Connection."""

    def __init__(self, kind, record):
        self.KIND = kind
        self.__dict__['_fields'] = base.copy_record(record)

    def _record(self):
        return base.copy_record(self._fields)

    def __getattr__(self, name):
        fields = self.__dict__.get('_fields') or {}
        if name in fields and name != 'data':
            return fields[name]
        data_fields = (fields.get('data') or {}).get('fields') or {}
        if name in data_fields:
            return data_fields[name]
        raise AttributeError('%s %s has no attribute %r' % (
            self.KIND, fields.get('id'), name))

    @property
    def backend(self):
        from ansible_collections.openstack.cinderlib.plugins.module_utils import backend
        name = self._fields.get('backend')
        return backend.Backend.backends.get(name) or _Named(name)

    @property
    def volume(self):
        volume_id = self._fields.get('volume_id')
        if volume_id is None:
            raise AttributeError('volume %s has no attribute volume'
                                 % self._fields.get('id'))
        live = _resources().Volume._live.get(volume_id)
        return live if live is not None else _Named(volume_id)

    def __repr__(self):
        return '<%s %s (record)>' % (_CLASS_NAMES[self.KIND],
                                     self._fields.get('id'))


class _Named:
    """Something known here only by its id (a backend not set up in this
    process, a volume not loaded)."""

    def __init__(self, object_id):
        self.id = object_id

    def __repr__(self):
        return repr(self.id)


def _items(found):
    if found is None:
        return []
    if isinstance(found, dict):
        return list(found.values())
    return list(found)
