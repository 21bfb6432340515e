# -*- coding: utf-8 -*-
# Copyright: contributors to the openstack.cinderlib collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What volumes, snapshots and connections share.

Each resource wraps the Cinder versioned object (OVO) its driver expects,
keeps it in persistence, and moves through Cinder's statuses.  A driver
failure never leaves a silent half state: creation failures are cleaned up
on the backend (or, if that fails too, kept in ``error`` with the driver's
message); other failures leave the resource in Cinder's error status for
the operation, except refusals (busy) that change nothing.

Resources serialize (``json``, ``dump``...) as their persistence records, so
what a file holds is exactly what persistence holds.
"""

from ansible_collections.openstack.cinderlib.plugins.module_utils import bounded_calls
from ansible_collections.openstack.cinderlib.plugins.module_utils import driver_calls
from ansible_collections.openstack.cinderlib.plugins.module_utils import errors
from ansible_collections.openstack.cinderlib.plugins.module_utils import library_state
from ansible_collections.openstack.cinderlib.plugins.module_utils import records
from ansible_collections.openstack.cinderlib.plugins.module_utils import serialization
from ansible_collections.openstack.cinderlib.plugins.module_utils import validation

# kind -> its Resource class (volume, snapshot, connection), so that each
# kind's module finds the others without importing them in a circle.
_KINDS = {}

# Fields of the Cinder objects a new resource starts with, unless given; one
# table, as Cinder's API fills them when it creates one.
OVO_DEFAULTS = {
    'Volume': dict(
        status='creating', attach_status='detached', cluster_name=None,
        _name_id=None, use_quota=True, encryption_key_id=None,
        snapshot_id=None, source_volid=None, metadata={}, admin_metadata={},
        multiattach=False, bootable=False, deleted=False,
        provider_location=None, provider_auth=None, provider_id=None,
        provider_geometry=None, replication_status=None,
        consistencygroup_id=None, group_id=None, migration_status=None,
        previous_status=None, shared_targets=True, service_uuid=None,
        updated_at=None, launched_at=None, terminated_at=None,
        deleted_at=None, scheduled_at=None),
    'Snapshot': dict(
        status='creating', progress='0%', metadata={},
        encryption_key_id=None, use_quota=True, provider_location=None,
        provider_id=None, provider_auth=None, group_snapshot_id=None,
        cgsnapshot_id=None, deleted=False, updated_at=None, deleted_at=None),
}


def resource_class(kind):
    return _KINDS[kind]


def now():
    from oslo_utils import timeutils
    return timeutils.utcnow(with_timezone=True)


def new_ovo(class_name, fields, extra, allowed_hint):
    """A new Cinder object: OVO_DEFAULTS, then ``fields``, then the caller's
    ``extra`` fields (each must be a field of the object)."""
    cinder = library_state.cinder()
    object_class = getattr(cinder.objects, class_name)
    values = dict(OVO_DEFAULTS[class_name], created_at=now())
    values.update(fields)
    for key, value in extra.items():
        if key not in object_class.fields:
            raise errors.InvalidInput(
                'unknown %s field %r; use %s or a field of Cinder\'s %s '
                'object' % (class_name.lower(), key, allowed_hint,
                            class_name))
        values[key] = value
    return object_class(context=cinder.context, **values)


def new_id(resource_cls, value, what):
    """A valid id for a new resource; a given one must not be in use.

    Reusing an id would overwrite the other resource's record, and the
    cleanup of the driver's failure to create it would delete the other
    resource's storage.
    """
    resource_id = validation.resource_id(
        value, what, library_state.settings().non_uuid_ids)
    if value is not None and (resource_cls._live.get(resource_id) is not None
                              or resource_cls._records(resource_id)):
        raise errors.InvalidInput(
            '%s id %s is already in use; choose another id or leave it out'
            % (what, resource_id))
    return resource_id


def find_managed(reference, resources):
    """The resource among ``resources`` that ``reference`` names, if any."""
    for resource in resources:
        known = {'source-name': resource.name_in_storage,
                 'source-id': resource._ovo.provider_id}
        if any(value and reference.get(key) == value
               for key, value in known.items()):
            return resource
    return None


class NamedResource:
    """The user's name and description, and the storage's name, of a
    volume or snapshot (Cinder's display_name/display_description)."""

    @property
    def name(self):
        return self._ovo.display_name

    @property
    def description(self):
        return self._ovo.display_description

    @property
    def name_in_storage(self):
        """What the driver calls it on the backend (volume-<id>,
        snapshot-<id>)."""
        return self._ovo.name


class VolumeChild:
    """What a snapshot and a connection have of the volume they belong to."""

    @property
    def volume(self):
        return self._volume

    @property
    def backend(self):
        # The volume's, also once a backend set up later replaced the
        # placeholder it was loaded with.
        return self._volume.backend

    def _to_json(self, load_lazy):
        # A snapshot or a connection, with its volume (and the volume's
        # lists, which hold records, not objects: no cycles).
        return serialization.envelope(
            type(self).__name__, self.backend, record=self._record(),
            volume=self._volume._body(load_lazy))

    @classmethod
    def _from_json(cls, data, loading):
        backend = loading.backend(data['backend'])
        volume = _KINDS['volume']._from_body(data['volume'], backend, loading)
        backend._track(volume)
        resource = cls._from_record(data['record'], volume=volume)
        loading.add(resource)
        volume._track_child(resource)
        return resource


class Resource(serialization.Serializable):
    """What volumes, snapshots and connections share."""

    KIND = None                 # volume, snapshot, connection: names the
    #                             persistence calls (get_volumes, ...)
    _live = None                # id -> resource, per kind (library_state)
    # False for what was loaded from JSON without save=True and not saved
    # since: persistence may not know it, this process does.
    _in_persistence = True

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        _KINDS.setdefault(cls.KIND, cls)
        cls._live = library_state.live_resources[cls.KIND]

    def __init__(self, backend, ovo, error_message=None):
        self._backend = backend
        self._ovo = ovo
        self.error_message = error_message
        # Who works on the resource while it is in a transitional status
        # (records.owner_stamp), and what finishing that work needs.
        self._owner = None
        self._owner_details = {}
        type(self)._live[ovo.id] = self

    def __getattr__(self, name):
        # Unknown attributes are the Cinder object's fields (documented).
        ovo = self.__dict__.get('_ovo')
        if ovo is not None and not name.startswith('_') and name in ovo.fields:
            return getattr(ovo, name)
        raise AttributeError('%s has no attribute %r' % (
            type(self).__name__, name))

    def __repr__(self):
        return '<%s %s on %s: %s>' % (type(self).__name__, self.id,
                                      self.backend.id, self.status)

    @property
    def id(self):
        return self._ovo.id

    @property
    def backend(self):
        return self._backend

    @backend.setter
    def backend(self, backend):
        self._backend = backend

    @property
    def status(self):
        return self._ovo.status

    @classmethod
    def get_by_id(cls, resource_id):
        """The live object with this id, else the one in persistence."""
        live = cls._live.get(resource_id)
        if live is not None:
            return live
        records = cls._records(resource_id)
        if not records:
            raise errors.NotFound('%s %s not found in persistence (%s)' % (
                cls.KIND, resource_id, library_state.persistence().describe()))
        return cls._from_record(records[0])

    @classmethod
    def _records(cls, resource_id):
        return getattr(library_state.persistence(), 'get_%ss' % cls.KIND)(
            **{cls.KIND + '_id': resource_id})

    @classmethod
    def _from_record(cls, record, **owner):
        """The resource a record describes: the live one (updated from the
        record) or a new one; ``owner`` is the backend or volume."""
        live = cls._live.get(record['id'])
        if live is not None:
            live._reload(record)
            return live
        return cls._build(record, **owner)

    def _reload(self, record):
        data = record['data']
        serialization.update_ovo(self._ovo, data['fields'])
        self._reloaded(data)
        self._ovo.obj_reset_changes()
        self.error_message = data.get('error_message')
        self._owner = data.get('owner')
        self._owner_details = dict(data.get('failed') or {})

    def _reloaded(self, data):
        """Rebuild what the record keeps beside the Cinder object fields."""

    def refresh(self):
        """Reload from persistence."""
        records = self._records(self.id)
        if not records:
            raise errors.NotFound('%s %s no longer exists in persistence'
                                  % (self.KIND, self.id))
        self._reload(records[0])

    def _check_exists(self):
        if self._ovo.obj_attr_is_set('deleted') and self._ovo.deleted:
            raise errors.InvalidInput(
                '%s %s was deleted or unmanaged; it cannot be used any more'
                % (self.KIND, self.id))

    def _update_fields(self, values, save=True):
        serialization.update_ovo(self._ovo, values)
        if save:
            self._save()

    def _set_status(self, status, error_message=None, save=True, **details):
        """``details``: what finishing a transitional status needs."""
        self._ovo.status = status
        self.error_message = error_message
        # A new transitional status is this process's work from now on.
        self._owner = None
        self._owner_details = details
        if save:
            self._save()

    def _data(self):
        data = {'fields': serialization.ovo_to_dict(self._ovo)}
        if self.error_message:
            data['error_message'] = self.error_message
        if self._owner_details.get('operation') and \
                self.status.startswith('error'):
            # What the next run must finish (records.needs_settling).
            data['failed'] = dict(self._owner_details)
        if records.is_transitional({'status': self.status}, self.KIND):
            if not self._owner:
                self._owner = records.owner_stamp(
                    self.status, 2 * getattr(
                        self.backend, 'driver_timeout',
                        driver_calls.DEFAULT_DRIVER_TIMEOUT),
                    **self._owner_details)
            data['owner'] = self._owner
        else:
            self._owner = None
        return data

    # Bounded driver calls and crash recovery -----------------------------
    def _call(self, doing, func, *args, **kwargs):
        """A driver call, bounded by the backend's driver_timeout (its
        errors are mapped by the _driver_call around it).

        On expiry the record keeps its transitional status, with a note:
        the call may still finish on the storage, and whatever it did is
        reconciled by the next run (reconcile()).
        """
        try:
            return driver_calls.bounded(
                self.backend, '%s %s %s' % (doing, self.KIND, self.id), func,
                *args, resource_id=self.id, **kwargs)
        except errors.DriverTimeout as exc:
            if records.is_transitional({'status': self.status}, self.KIND):
                self.error_message = str(exc)
                self._save()
            raise

    def _busy_elsewhere(self):
        """Who else works on this resource right now, if anyone."""
        owner = self._owner or {}
        if not records.is_transitional({'status': self.status}, self.KIND):
            return None
        if records.owner_alive(owner) or (
                records.owner_is_this_process(owner) and
                bounded_calls.running_on(self.id)):
            return records.describe_owner(owner, self.status)
        return None

    def _check_not_busy(self, doing):
        busy = self._busy_elsewhere()
        if busy:
            raise errors.InvalidInput(
                '%s %s is in status %s, worked on by %s; %s it only once that '
                'has finished (run again later)' % (
                    self.KIND, self.id, self.status, busy, doing))

    def reconcile(self):
        """Settle a record that a killed or timed-out run left in a
        transitional status, from what the backend has: finish or undo the
        interrupted work.  Returns the resource, or None when the record is
        gone (an interrupted creation is undone: create it again).  Refused
        while another live process works on it.
        """
        try:
            self.refresh()
        except errors.NotFound:
            return None
        record = self._record()
        if not records.needs_settling(record, self.KIND):
            return self
        self._check_not_busy('reconcile')
        return self._settle(records.interrupted(record),
                            dict(record['data'].get('failed') or
                                 self._owner or {}))

    def _settle(self, status, owner):
        raise NotImplementedError()

    def _record(self):
        """What persistence stores, and serialization writes."""
        raise NotImplementedError()

    def _save(self):
        getattr(library_state.persistence(), 'set_' + self.KIND)(self._record())
        self._in_persistence = True

    def _forget(self):
        """Drop the record and the live entry."""
        getattr(library_state.persistence(), 'delete_' + self.KIND)(self.id)
        type(self)._live.pop(self.id, None)

    def _ended(self):
        """Deleted or unmanaged: forgotten, and no longer usable."""
        self._forget()
        self._ovo.status = 'deleted'
        self._ovo.deleted = True
        self._ovo.deleted_at = now()
        self._untrack()

    def _untrack(self):
        """Leave the list of the object that holds this one."""

    # Creation --------------------------------------------------------------
    DELETE_CALL = None          # the driver method that deletes one

    def _create_on_backend(self, create):
        """Save, then run ``create()`` (the driver call); a failure is
        undone on the backend, or the resource kept in status error when
        that fails too.  Returns the driver's model update."""
        self._save()
        try:
            return create()
        except errors.DriverTimeout:
            raise
        except Exception as exc:
            self._creation_failed(exc)

    def _creation_failed(self, exc):
        """Undo what the driver may have done, then report its failure."""
        message = driver_calls.message(exc, self.backend)
        try:
            self._call('cleaning up the failed creation of',
                       getattr(self.backend.driver, self.DELETE_CALL),
                       self._ovo)
        except Exception as cleanup_exc:
            self._set_status('error', message, operation='creating')
            raise errors.BackendError(
                '%s %s: creation failed: %s; cleaning up on the backend '
                'failed too (%s), so it is kept in status error' % (
                    self.KIND, self.id, message,
                    driver_calls.message(cleanup_exc)))
        self._forget()
        raise errors.BackendError('%s %s: creation failed: %s' % (
            self.KIND, self.id, message))

    def _manage(self, existing_ref, get_size, manage, size_field):
        """Bring a storage object under management as this resource.

        The record is saved only once the driver knows the object, and
        removed if managing it fails.
        """
        feature = 'managing existing %ss' % self.KIND
        try:
            with self._manage_errors(feature, 'managing %r' % existing_ref):
                size = self._call('managing', get_size, self._ovo,
                                  existing_ref)
            setattr(self._ovo, size_field, validation.size_gib(
                size, 'the size the driver reports for %r' % existing_ref))
            self._save()
            with self._manage_errors(feature, 'managing %r' % existing_ref):
                update = self._call('managing', manage, self._ovo,
                                    existing_ref)
        except Exception:
            self._forget()
            raise
        if update:
            self._update_fields(update, save=False)

    @property
    def _subject(self):
        return '%s %s' % (self.KIND, self.id)

    def _driver_call(self, action, status_on_error, busy_status=None):
        """Around driver calls: on failure set the status, raise ours.

        Timeouts (DriverTimeout) pass through: the call's outcome is
        unknown, so the transitional status stays (see _call).  A busy
        driver, or one that does not implement the call, did nothing: the
        status goes back to ``busy_status``.
        """
        return driver_calls.mapped_errors(
            self._subject, action, self.backend.driver, backend=self.backend,
            on_error=(lambda message: self._set_status(status_on_error,
                                                       message))
            if status_on_error else None,
            on_busy=(lambda: self._set_status(busy_status))
            if busy_status else None)

    def _manage_errors(self, feature, action):
        """Around manage/unmanage driver calls: the driver's verdict on a
        reference is InvalidInput."""
        return driver_calls.mapped_errors(
            self._subject, action, self.backend.driver, feature=feature,
            user_error=driver_calls.is_manage_refusal)
