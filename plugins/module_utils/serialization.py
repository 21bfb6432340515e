# -*- coding: utf-8 -*-
# Copyright: contributors to the openstack.cinderlib collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Serialization: Cinder objects to JSON-safe dicts, and whole resources.

We write our own field dicts instead of oslo.versionedobjects primitives:
their format and ``to_primitive`` signature change between releases, which
broke the retired cinderlib library's serialization on Cinder 29.  The same
dicts are what persistence plugins store.

A serialized resource is a dict: ``class`` (Library, Backend, Volume,
Snapshot or Connection), ``version`` (FORMAT_VERSION), ``backend`` (its
``Backend.config``: only the name unless output_all_backend_info) and the
persistence records of the resource and of what it holds.  Records hold
ids, never objects, so a volume, its snapshots and their volume serialize
without cycles.
"""

import datetime
import json

from ansible_collections.openstack.cinderlib.plugins.module_utils import errors
from ansible_collections.openstack.cinderlib.plugins.module_utils import library_state
from ansible_collections.openstack.cinderlib.plugins.module_utils.persistence.base import KeyValue

FORMAT_VERSION = 1
CLASSES = ('Library', 'Backend', 'Volume', 'Snapshot', 'Connection')


def jsonable(value):
    """``value`` with datetimes as ISO strings; None for what JSON cannot hold."""
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(key): jsonable(item) for key, item in value.items()
                if _is_plain(item)}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [jsonable(item) for item in value if _is_plain(item)]
    return value


def _is_plain(value):
    return value is None or isinstance(
        value, (str, int, float, bool, dict, list, tuple, set, frozenset,
                datetime.datetime))


def _is_object_field(field):
    from oslo_versionedobjects import fields
    field_type = getattr(field, '_type', None)
    if isinstance(field_type, fields.Object):
        return True
    if isinstance(field_type, fields.List):
        return isinstance(getattr(field_type._element_type, '_type', None),
                          fields.Object)
    return False


# Cinder object class -> its fields that are not objects, in order, each
# with the instance attribute that holds its value once set: telling them
# apart, and obj_attr_is_set (which lists every field each time), cost
# more than copying the values (every save).
_PLAIN_FIELDS = {}


def _plain_fields(ovo):
    cls = type(ovo)
    fields = _PLAIN_FIELDS.get(cls)
    if fields is None:
        from oslo_versionedobjects import base
        fields = _PLAIN_FIELDS[cls] = tuple(
            (name, base._get_attrname(name))
            for name, field in ovo.fields.items()
            if not _is_object_field(field))
    return fields


def ovo_to_dict(ovo, skip=()):
    """The set, non-object fields of ``ovo``, JSON-safe."""
    # A set field's value is that attribute (what the field's getter
    # returns once it need not load it).
    values = ovo.__dict__
    return {name: jsonable(values[attribute])
            for name, attribute in _plain_fields(ovo)
            if attribute in values and name not in skip}


def update_ovo(ovo, values):
    """Set the known fields of ``values`` on ``ovo`` (strings coerced)."""
    plain = _plain_fields(ovo)
    names = set(name for name, _attribute in plain)
    for name, value in values.items():
        if name in names:
            setattr(ovo, name, value)


# Class name -> the Serializable class that loads it (Backend, Volume...).
_SERIALIZABLE = {}


class Serializable:
    """``json``, ``jsons``, ``dump``, ``dumps`` and ``load``.

    ``json`` holds what is loaded; ``dump`` first loads the lazy lists
    (volumes, snapshots, connections) that were not.  Subclasses implement
    ``_to_json(load_lazy)`` and the class method ``_from_json(data,
    loading)``.
    """

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        _SERIALIZABLE.setdefault(cls.__name__, cls)

    @property
    def json(self):
        return self._to_json(load_lazy=False)

    @property
    def jsons(self):
        return json.dumps(self.json)

    @property
    def dump(self):
        return self._to_json(load_lazy=True)

    @property
    def dumps(self):
        return json.dumps(self.dump)

    @classmethod
    def load(cls, data, save=False):
        """The object serialized in ``data`` (a dict or JSON string)."""
        return load(data, save=save, expected=cls.__name__)


def envelope(class_name, backend=None, **body):
    data = {'class': class_name, 'version': FORMAT_VERSION}
    if backend is not None:
        data['backend'] = backend.config
    data.update(body)
    return data


def library_json(load_lazy):
    """cl.json() and cl.dump(): every backend set up in this process.

    dump also holds the drivers' key-value pairs and the named volume
    types, so that loading it with save=True copies a whole persistence
    store into another.
    """
    data = envelope('Library', backends=[
        backend._to_json(load_lazy) for backend in
        list(library_state.backends.values())])
    if load_lazy:
        data['key_values'] = [
            {'key': kv.key, 'value': kv.value}
            for kv in library_state.persistence().get_key_values()]
        data['volume_types'] = library_state.persistence().get_volume_types()
    return data


def _library_from_json(data, loading):
    backends = [_SERIALIZABLE['Backend']._from_json(item, loading)
                for item in data['backends']]
    loading.key_values.extend(KeyValue(item['key'], item['value'])
                              for item in data.get('key_values', ()))
    loading.volume_types.extend(data.get('volume_types', ()))
    return backends


class Loading:
    """What one load call builds, saved (with save=True) once all of it
    was read, so that damaged data saves nothing."""

    def __init__(self, save):
        self.save = save
        self.resources = []
        self.key_values = []
        self.volume_types = []

    def add(self, *resources):
        self.resources.extend(resources)
        if not self.save:
            for resource in resources:
                # Known here, maybe not in persistence (until saved).
                resource._in_persistence = False

    @staticmethod
    def backend(config):
        """The Backend a serialized ``backend`` entry names
        (Backend.from_config)."""
        return _SERIALIZABLE['Backend'].from_config(config)

    def commit(self):
        if not self.save:
            return
        # Types first: the volumes saved next refer to them.
        for volume_type in self.volume_types:
            library_state.persistence().set_volume_type(volume_type)
        saved = set()
        for resource in self.resources:
            key = (resource.KIND, resource.id)
            if resource._ovo.obj_attr_is_set('deleted') and \
                    resource._ovo.deleted:
                continue    # gone from the storage: no record to bring back
            if key not in saved:
                saved.add(key)
                resource._save()
        for key_value in self.key_values:
            library_state.persistence().set_key_value(key_value)


def _parse(data, expected):
    if isinstance(data, (bytes, bytearray)):
        data = data.decode('utf-8')
    if isinstance(data, str):
        try:
            data = json.loads(data)
        except ValueError as exc:
            raise errors.InvalidInput(
                'data to load is not JSON (%s); pass what json, jsons, dump '
                'or dumps produced' % exc)
    if not isinstance(data, dict) or data.get('class') not in CLASSES:
        raise errors.InvalidInput(
            'data to load must be a dict (or its JSON) whose "class" is one '
            'of %s, as json, jsons, dump and dumps produce; got %s' % (
                ', '.join(CLASSES), type(data).__name__ if not isinstance(
                    data, dict) else 'class %r' % data.get('class')))
    version = data.get('version')
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise errors.InvalidInput(
            'serialized data has format version %r; this collection reads '
            'versions up to %s: upgrade openstack.cinderlib' % (
                version, FORMAT_VERSION))
    if expected and data['class'] != expected:
        raise errors.InvalidInput(
            '%s.load got a serialized %s; use cl.load() to load any kind'
            % (expected, data['class']))
    return data


def _loader(class_name):
    if class_name == 'Library':
        return _library_from_json
    return _SERIALIZABLE[class_name]._from_json


def load(data, save=False, expected=None):
    """cl.load: what ``data`` serialized (a Library loads as a list of
    Backends); with save=True it is also written to persistence."""
    data = _parse(data, expected)
    loading = Loading(save)
    try:
        loaded = _loader(data['class'])(data, loading)
    except errors.CinderlibError:
        raise
    except (KeyError, TypeError, ValueError) as exc:
        raise errors.InvalidInput(
            'the serialized %s is incomplete or damaged (%s: %s); nothing '
            'was saved' % (data['class'], type(exc).__name__, exc))
    loading.commit()
    return loaded
