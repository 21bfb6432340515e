# -*- coding: utf-8 -*-
# Copyright: contributors to the openstack.cinderlib collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The contract every metadata persistence plugin fulfils.

A plugin is a PersistenceDriverBase subclass (or instance) named by
``persistence_config['storage']``; it receives the other entries of
``persistence_config`` as keyword arguments.  It comes in two forms.

**Resource objects** (the cinderlib documentation's contract, the default):
``set_volume(volume)``, ``set_snapshot(snapshot)``,
``set_connection(connection)`` and the ``delete_*`` methods receive the
resource objects (``.id``, ``.name``, ``.status``, ``.size``, ``.backend``
whose ``.id`` is the backend name, ``.volume_id`` and ``.volume`` of
snapshots and connections, and the Cinder object's fields);
``get_fields(resource)`` gives a JSON-safe dict of what to store and
``get_changed_fields(resource)`` what changed since the plugin last saved
or returned it.  ``get_volumes``, ``get_snapshots`` and ``get_connections``
return, per resource, the object the plugin was given (or any Volume,
Snapshot or Connection) or the dict ``get_fields`` made of it.  The core
wraps such a plugin (resource_contract.ResourcePluginAdapter);
``Backend.persistence.plugin`` is the plugin itself.

**Records** (opt in with the class attribute ``stores_records = True``, as
the built-in plugins do): every method gets and returns *records*, the
JSON-safe dicts ``get_fields`` makes.  A plugin never needs to know Cinder.
Every record has:

- ``id`` (str), ``backend`` (the volume_backend_name, str), ``status`` (str)
- ``name`` (str or None): the user's display name
- ``data`` (dict): everything else the core keeps (driver fields included)

Volume and snapshot records add ``size`` (int, GiB); snapshot and connection
records add ``volume_id`` (str).  The ``delete_*`` methods get a record or
an id.  Each ``get_*`` returns new dicts the caller may change; each
``set_*`` inserts or replaces the record with the same ``id``.

**Volume types** (named types: a name, extra specs and QoS specs that many
volumes share, as Cinder's volume types): ``get_volume_types``,
``set_volume_type`` and ``delete_volume_type`` take and return *type
records* in both forms: ``id`` (str), ``name`` (str) and ``data`` (dict:
``extra_specs``, ``qos_specs``, ``description``).  Plugins that do not
implement them get working defaults that keep each type as a key-value pair
(key ``VOLUME_TYPE_KEY_PREFIX + id``, the record as JSON), so plugins
written before named types existed keep working.

In both forms ``get_*`` filters are ANDed (a filter left as None matches
everything), and key-value pairs are ``KeyValue`` objects (``.key``,
``.value``; ``delete_key_value`` gets one).
"""


import contextlib
import copy
import json

# Key-value keys under which the default volume type methods keep types.
VOLUME_TYPE_KEY_PREFIX = 'cl-volume-type:'


class KeyValue:
    """A key and its string value, as drivers store them."""

    def __init__(self, key=None, value=None):
        self.key = key
        self.value = value

    def __eq__(self, other):
        return (isinstance(other, KeyValue) and
                (self.key, self.value) == (other.key, other.value))

    def __repr__(self):
        return 'KeyValue(%r, %r)' % (self.key, self.value)


class PersistenceDriverBase:
    """Base class of metadata persistence plugins.

    Subclasses receive the ``persistence_config`` entries (all but
    ``storage``) as keyword arguments, and implement every method below that
    raises NotImplementedError: ``get_volumes``, ``get_snapshots``,
    ``get_connections``, ``get_key_values``, ``set_volume``,
    ``set_snapshot``, ``set_connection``, ``set_key_value``,
    ``delete_volume``, ``delete_snapshot``, ``delete_connection`` and
    ``delete_key_value``, in one of the two forms of this module's
    docstring.  ``db`` (what drivers see as Cinder's database, served from
    the plugin's reads), ``describe``, ``close``, ``batch``,
    ``get_fields``, ``get_changed_fields`` and ``reset_change_tracker``
    have working defaults.  The conformance suite
    (tests/unit/plugins/module_utils/persistence_conformance.py) checks a
    plugin of either form against this contract.
    """

    # False: the set_*/delete_* methods get resource objects (the cinderlib
    # documentation's contract).  True: they get records.
    stores_records = False

    # True where the plugin refuses a second volume of a backend, or
    # snapshot of a volume, with one name (errors.DuplicateName): the
    # built-in plugins with the option unique_names=True.
    unique_names = False

    def __init__(self, **kwargs):
        # As documented, PersistenceDriverBase(**kwargs): a subclass may
        # pass its options on; they are its own to use.
        self._db = None

    @property
    def db(self):
        """The object that answers the Cinder DB calls drivers make.

        The default serves them from this plugin's records; plugins rarely
        need to change it.
        """
        if getattr(self, '_db', None) is None:
            self._db = _driver_db()
        return self._db

    def describe(self):
        """A one-line description safe to log (no secrets)."""
        return type(self).__name__

    # Reads ----------------------------------------------------------------
    def get_volumes(self, volume_id=None, volume_name=None, backend_name=None):
        raise NotImplementedError()

    def get_snapshots(self, snapshot_id=None, snapshot_name=None,
                      volume_id=None):
        raise NotImplementedError()

    def get_connections(self, connection_id=None, volume_id=None):
        raise NotImplementedError()

    def get_key_values(self, key=None):
        """List of KeyValue, all of them or the one with that key."""
        raise NotImplementedError()

    # Writes ---------------------------------------------------------------
    def set_volume(self, volume):
        raise NotImplementedError()

    def set_snapshot(self, snapshot):
        raise NotImplementedError()

    def set_connection(self, connection):
        raise NotImplementedError()

    def set_key_value(self, key_value):
        raise NotImplementedError()

    def delete_volume(self, volume):
        """Forget the volume record (``volume`` is a record or has ``id``)."""
        raise NotImplementedError()

    def delete_snapshot(self, snapshot):
        raise NotImplementedError()

    def delete_connection(self, connection):
        raise NotImplementedError()

    def delete_key_value(self, key_value):
        raise NotImplementedError()

    def close(self):
        """Release connections; the plugin is not used afterwards."""

    def batch(self):
        """A context manager around writes that belong together (the
        connection and its volume's status): a plugin may make them at the
        end, in one transaction.  The default makes each as it comes."""
        return contextlib.nullcontext()

    # Volume types: defaults over the key-value pairs ---------------------
    def get_volume_types(self, type_id=None, type_name=None):
        """Type records, all of them or those with that id and/or name."""
        found = []
        for key_value in self.get_key_values():
            if not key_value.key.startswith(VOLUME_TYPE_KEY_PREFIX):
                continue
            record = json.loads(key_value.value)
            if type_id is not None and record['id'] != type_id:
                continue
            if type_name is not None and record['name'] != type_name:
                continue
            found.append(record)
        return sorted(found, key=lambda record: record['name'])

    def set_volume_type(self, volume_type):
        """Insert or replace the type record with the same ``id``."""
        self.set_key_value(KeyValue(
            VOLUME_TYPE_KEY_PREFIX + volume_type['id'],
            json.dumps(volume_type, sort_keys=True)))

    def delete_volume_type(self, volume_type):
        """Forget the type (a type record or an id)."""
        self.delete_key_value(KeyValue(
            VOLUME_TYPE_KEY_PREFIX + record_id(volume_type)))

    # Helpers for plugins handed resource objects -------------------------
    def get_fields(self, resource):
        """What to store of ``resource``: a JSON-safe dict (the record:
        id, backend, name, status, size, volume_id, data)."""
        if isinstance(resource, dict):
            return copy_record(resource)
        return resource._record()

    def get_changed_fields(self, resource):
        """The entries of ``get_fields(resource)`` that differ from when
        this plugin last saved or returned the resource (all of them for
        one it never saw)."""
        fields = self.get_fields(resource)
        saved = saved_fields(self).get(fields['id'])
        if saved is None:
            return fields
        return {key: value for key, value in fields.items()
                if key not in saved or saved[key] != value}

    def reset_change_tracker(self, resource, fields=None):
        """Take ``fields`` (all if None) of the resource as saved.  The core
        does this after each successful ``set_*`` and for what ``get_*``
        returns."""
        current = self.get_fields(resource)
        if fields is None:
            saved_fields(self)[current['id']] = current
        else:
            saved = saved_fields(self).setdefault(current['id'], {})
            saved.update((key, current[key]) for key in fields
                         if key in current)


def record_id(obj):
    """The id of a record dict, a resource object or a plain id string."""
    if isinstance(obj, dict):
        return obj['id']
    if isinstance(obj, KeyValue):
        return obj.key
    return getattr(obj, 'id', obj)


def copy_record(record):
    """A copy that shares nothing changeable with ``record``."""
    return _copy_tree(record)


_IMMUTABLE = (str, int, float, bool, type(None))


def _copy_tree(value):
    # Records are JSON-safe trees: copying them as such is several times
    # faster than deepcopy (the memory plugin copies every record it saves
    # and returns); anything else still goes to deepcopy.
    kind = type(value)
    if kind is dict:
        return {key: _copy_tree(item) for key, item in value.items()}
    if kind is list:
        return [_copy_tree(item) for item in value]
    if kind in _IMMUTABLE:
        return value
    return copy.deepcopy(value)


def saved_fields(plugin):
    """id -> the fields a resource had when ``plugin`` last saved or
    returned it (kept in the plugin, whose __init__ may not have run)."""
    return plugin.__dict__.setdefault('_cl_saved_fields', {})


def _driver_db():
    # The core's Cinder stand-in, named without importing it here: plugins
    # never load Cinder, and this is only called once drivers run.
    import importlib
    return importlib.import_module(
        'ansible_collections.openstack.cinderlib.plugins.module_utils.'
        'cinder_service.driver_db').DriverDB()
