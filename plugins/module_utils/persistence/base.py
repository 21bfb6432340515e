# -*- coding: utf-8 -*-
# Copyright: contributors to the openstack.cinderlib collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The contract every metadata persistence plugin fulfils.

Plugins store *records*: JSON-safe dicts that the core builds and reads.  A
plugin never needs to know Cinder.  Every record has:

- ``id`` (str), ``backend`` (the volume_backend_name, str), ``status`` (str)
- ``name`` (str or None): the user's display name
- ``data`` (dict): everything else the core keeps (driver fields included)

Volume and snapshot records add ``size`` (int, GiB); snapshot and connection
records add ``volume_id`` (str).  ``get_*`` filters are ANDed; a filter left
as None matches everything.  Each ``get_*`` returns new dicts the caller may
change; each ``set_*`` inserts or replaces the record with the same ``id``.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import copy


class KeyValue(object):
    """A key and its string value, as drivers store them."""

    def __init__(self, key=None, value=None):
        self.key = key
        self.value = value

    def __eq__(self, other):
        return (isinstance(other, KeyValue) and
                (self.key, self.value) == (other.key, other.value))

    def __repr__(self):
        return 'KeyValue(%r, %r)' % (self.key, self.value)


class PersistenceDriverBase(object):
    """Base class of metadata persistence plugins.

    Subclasses receive the ``persistence_config`` entries (all but
    ``storage``) as keyword arguments, and implement every method below that
    raises NotImplementedError: ``get_volumes``, ``get_snapshots``,
    ``get_connections``, ``get_key_values``, ``set_volume``,
    ``set_snapshot``, ``set_connection``, ``set_key_value``,
    ``delete_volume``, ``delete_snapshot``, ``delete_connection`` and
    ``delete_key_value``.  ``db`` (what drivers see as Cinder's database),
    ``describe`` and ``close`` have working defaults.  The conformance suite
    (tests/unit/plugins/module_utils/persistence_conformance.py) checks a
    plugin against this contract.
    """

    # True where the plugin refuses a second volume of a backend, or
    # snapshot of a volume, with one name (errors.DuplicateName): the
    # built-in plugins with the option unique_names=True.
    unique_names = False

    def __init__(self, **kwargs):
        if kwargs:
            raise TypeError('%s takes no options, got: %s' % (
                type(self).__name__, ', '.join(sorted(kwargs))))
        self._db = None

    @property
    def db(self):
        """The object that answers the Cinder DB calls drivers make.

        The default serves them from this plugin's records; plugins rarely
        need to change it.
        """
        if getattr(self, '_db', None) is None:
            from ansible_collections.openstack.cinderlib.plugins.module_utils import driver_db
            self._db = driver_db.DriverDB(self)
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


def record_id(obj):
    """The id of a record dict, a resource object or a plain id string."""
    if isinstance(obj, dict):
        return obj['id']
    if isinstance(obj, KeyValue):
        return obj.key
    return getattr(obj, 'id', obj)


def copy_record(record):
    return copy.deepcopy(record)
