# -*- coding: utf-8 -*-
# Copyright: contributors to the openstack.cinderlib collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Volumes, snapshots and connections: Cinder objects a driver acts on.

Each resource wraps the Cinder versioned object (OVO) its driver expects,
keeps it in persistence, and moves through Cinder's statuses.  A driver
failure never leaves a silent half state: creation failures are cleaned up
on the backend (or, if that fails too, kept in ``error`` with the driver's
message); other failures leave the resource in Cinder's error status for
the operation, except refusals (busy) that change nothing.

Resources serialize (``json``, ``dump``...) as their persistence records, so
what a file holds is exactly what persistence holds; existing storage
objects are brought under management with ``Backend.manage_volume`` and
``Volume.manage_snapshot``.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import contextlib
import uuid
import weakref

from ansible_collections.openstack.cinderlib.plugins.module_utils import driver_checks
from ansible_collections.openstack.cinderlib.plugins.module_utils import errors
from ansible_collections.openstack.cinderlib.plugins.module_utils import records
from ansible_collections.openstack.cinderlib.plugins.module_utils import serialization
from ansible_collections.openstack.cinderlib.plugins.module_utils import volume_day2
from ansible_collections.openstack.cinderlib.plugins.module_utils import backend as backend_mod

# Keys of conn_info['data'] that are secrets the driver can hand out again:
# kept out of persistence, fetched from the driver when an attach needs them.
UNSAVED_CONNECTION_SECRETS = records.SECRET_CONN_INFO_KEYS

# How Cinder's API names an existing storage object to manage; drivers read
# one of these keys.
REFERENCE_KEYS = ('source-name', 'source-id')
# What Cinder's API accepts to sort manageable listings by.
SORT_KEYS = ('reference', 'size')
SORT_DIRS = ('asc', 'desc')
MANAGEABLE_VOLUME_KEYS = ('reference', 'size', 'safe_to_manage',
                          'reason_not_safe', 'cinder_id', 'extra_info')
MANAGEABLE_SNAPSHOT_KEYS = MANAGEABLE_VOLUME_KEYS + ('source_reference',)


def _now():
    from oslo_utils import timeutils
    return timeutils.utcnow(with_timezone=True)


def _runtime():
    return backend_mod.runtime()


def _persistence():
    return backend_mod.Backend.persistence


def validate_id(value, what):
    """A resource id: a UUID unless non_uuid_ids was set."""
    if value is None:
        return str(uuid.uuid4())
    value = str(value)
    if backend_mod.Backend.settings().non_uuid_ids:
        if not value or len(value) > 255:
            raise errors.InvalidInput('%s id must be 1 to 255 characters'
                                      % what)
        return value
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise errors.InvalidInput(
            '%s id %r is not a UUID; pass a UUID, or call setup('
            'non_uuid_ids=True) if your driver accepts other ids' % (
                what, value))


def validate_size(size, what='size', minimum=1):
    if isinstance(size, bool):
        size = None
    try:
        size_int = int(size)
        valid = size_int == size or str(size_int) == str(size).strip()
    except (TypeError, ValueError):
        valid = False
    if not valid or size_int < minimum:
        raise errors.InvalidInput(
            '%s must be a whole number of GiB, at least %s; got %r' % (
                what, minimum, size))
    return size_int


def new_id(resource_cls, value, what):
    """A valid id for a new resource; a given one must not be in use.

    Reusing an id would overwrite the other resource's record, and the
    cleanup of the driver's failure to create it would delete the other
    resource's storage.
    """
    resource_id = validate_id(value, what)
    if value is not None and (resource_cls._live.get(resource_id) is not None
                              or resource_cls._records(resource_id)):
        raise errors.InvalidInput(
            '%s id %s is already in use; choose another id or leave it out'
            % (what, resource_id))
    return resource_id


def check_reference(existing_ref, what):
    """existing_ref as Cinder's manage API takes it."""
    if not (isinstance(existing_ref, dict) and any(
            isinstance(existing_ref.get(key), str) and existing_ref[key]
            for key in REFERENCE_KEYS)):
        raise errors.InvalidInput(
            'existing_ref must name the %s on the backend as '
            '{"source-name": <name>} or {"source-id": <id>}; got %r' % (
                what, existing_ref))
    return dict(existing_ref)


@contextlib.contextmanager
def manage_call(driver, feature, context):
    """Run a manage/unmanage/listing driver call, raising our errors."""
    try:
        yield
    except errors.CinderlibError:
        raise
    except NotImplementedError:
        raise errors.NotSupported('%s: %s is not supported by %s' % (
            context, feature, type(driver).__name__))
    except Exception as exc:
        # The driver's verdict on the reference (or marker): the user's to fix.
        name = type(exc).__name__
        if name.startswith('ManageExisting') or name == 'InvalidInput':
            raise errors.InvalidInput('%s: %s' % (context,
                                                  _driver_message(exc)))
        raise errors.BackendError('%s failed: %s' % (context,
                                                     _driver_message(exc)))


def find_managed(reference, resources):
    """The resource among ``resources`` that ``reference`` names, if any."""
    for resource in resources:
        known = {'source-name': resource.name_in_storage,
                 'source-id': resource._ovo.provider_id}
        if any(value and reference.get(key) == value
               for key, value in known.items()):
            return resource
    return None


class Resource(serialization.Serializable):
    """What volumes, snapshots and connections share."""

    KIND = None                 # volume, snapshot, connection: names the
    #                             persistence calls (get_volumes, ...)
    _live = None                # id -> resource, per subclass
    # False for what was loaded from JSON without save=True and not saved
    # since: persistence may not know it, this process does.
    _in_persistence = True

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
                cls.KIND, resource_id, _persistence().describe()))
        return cls._from_record(records[0])

    @classmethod
    def _records(cls, resource_id):
        return getattr(_persistence(), 'get_%ss' % cls.KIND)(
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
                        backend_mod.DEFAULT_DRIVER_TIMEOUT),
                    **self._owner_details)
            data['owner'] = self._owner
        else:
            self._owner = None
        return data

    # Bounded driver calls and crash recovery -----------------------------
    def _call(self, doing, func, *args, **kwargs):
        """A driver call, bounded by the backend's driver_timeout.

        On expiry the record keeps its transitional status, with a note:
        the call may still finish on the storage, and whatever it did is
        reconciled by the next run (reconcile()).
        """
        try:
            return self.backend.bounded('%s %s %s' % (doing, self.KIND,
                                                      self.id),
                                        func, *args, resource_id=self.id,
                                        **kwargs)
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
                backend_mod.call_running(self.id)):
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
        getattr(_persistence(), 'set_' + self.KIND)(self._record())
        self._in_persistence = True

    def _forget(self):
        """Drop the record and the live entry."""
        getattr(_persistence(), 'delete_' + self.KIND)(self.id)
        type(self)._live.pop(self.id, None)

    def _ended(self):
        """Deleted or unmanaged: forgotten, and no longer usable."""
        self._forget()
        self._ovo.status = 'deleted'
        self._ovo.deleted = True
        self._ovo.deleted_at = _now()
        self._untrack()

    def _untrack(self):
        """Leave the list of the object that holds this one."""

    def _manage(self, existing_ref, get_size, manage, size_field):
        """Bring a storage object under management as this resource.

        The record is saved only once the driver knows the object, and
        removed if managing it fails.
        """
        driver = self.backend.driver
        feature = 'managing existing %ss' % self.KIND
        context = '%s %s: managing %r' % (self.KIND, self.id, existing_ref)
        try:
            with manage_call(driver, feature, context):
                size = self._call('managing', get_size, self._ovo,
                                  existing_ref)
            setattr(self._ovo, size_field, validate_size(
                size, 'the size the driver reports for %r' % existing_ref))
            self._save()
            with manage_call(driver, feature, context):
                update = self._call('managing', manage, self._ovo,
                                    existing_ref)
        except Exception:
            self._forget()
            raise
        if update:
            self._update_fields(update, save=False)

    def _to_json(self, load_lazy):
        # A snapshot or a connection, with its volume (and the volume's
        # lists, which hold records, not objects: no cycles).
        return serialization.envelope(
            type(self).__name__, self.backend, record=self._record(),
            volume=self._volume._body(load_lazy))

    @classmethod
    def _from_json(cls, data, loading):
        backend = backend_mod.Backend.from_config(data['backend'])
        volume = Volume._from_body(data['volume'], backend, loading)
        backend._track(volume)
        resource = cls._from_record(data['record'], volume=volume)
        loading.add(resource)
        volume._track_child(resource)
        return resource

    @contextlib.contextmanager
    def _driver_call(self, action, status_on_error, busy_status=None):
        """Run a driver call; on failure set the status and raise ours.

        Timeouts (DriverTimeout) pass through: the call's outcome is
        unknown, so the transitional status stays (see _call).
        """
        try:
            yield
        except errors.CinderlibError:
            raise
        except NotImplementedError as exc:
            # Documented: "If the Cinder driver doesn't implement the extend
            # operation it will raise a NotImplementedError".  Nothing was
            # done: the status is what it was.
            if busy_status:
                self._set_status(busy_status)
            raise errors.NotSupported('%s %s: cannot %s: the driver %s does '
                                      'not implement it (%s)' % (
                                          type(self).__name__.lower(),
                                          self.id, action,
                                          type(self.backend.driver).__name__,
                                          _driver_message(exc)))
        except Exception as exc:
            message = _driver_message(exc, self.backend)
            busy = type(exc).__name__ in ('VolumeIsBusy', 'SnapshotIsBusy')
            if busy and busy_status:
                self._set_status(busy_status)
                raise errors.BackendError(
                    '%s %s: the driver refused to %s: %s' % (
                        type(self).__name__.lower(), self.id, action,
                        message))
            if status_on_error:
                self._set_status(status_on_error, message)
            raise errors.BackendError('%s %s: %s failed: %s' % (
                type(self).__name__.lower(), self.id, action, message))


def _driver_message(exc, backend=None):
    message = errors.describe(exc)
    if backend is not None:
        from ansible_collections.openstack.cinderlib.plugins.module_utils import driver_tuning
        message += driver_tuning.timeout_hint(backend, exc)
    return message


class Volume(volume_day2.Day2Operations, Resource):
    """A volume on a backend; built by Backend.create_volume, clone, a
    snapshot's create_volume, or Backend.manage_volume."""

    KIND = 'volume'
    _live = weakref.WeakValueDictionary()

    def __init__(self, backend_or_vol, pool_name=None, **kwargs):
        if isinstance(backend_or_vol, Volume):
            source = backend_or_vol
            backend = source.backend
            kwargs.setdefault('size', source.size)
            self._inherit_type(source, kwargs)
            if pool_name is None:
                pool_name = source.pool_name
        else:
            backend = backend_or_vol
        kwargs = self._typed_kwargs(backend, kwargs)
        runtime = _runtime()
        volume_id = new_id(Volume, kwargs.pop('id', None), 'volume')
        size = validate_size(kwargs.pop('size', None))
        self.extra_specs = dict(kwargs.pop('extra_specs', None) or {})
        self.qos_specs = dict(kwargs.pop('qos_specs', None) or {})
        name = kwargs.pop('name', kwargs.pop('display_name', None))
        description = kwargs.pop('description',
                                 kwargs.pop('display_description', None))
        objects = runtime.objects
        typed = bool(self.extra_specs or self.qos_specs)
        fields = dict(
            id=volume_id, size=size, display_name=name,
            display_description=description, status='creating',
            attach_status='detached', host=backend.host_for(pool_name),
            availability_zone=backend.id, cluster_name=None,
            user_id=backend_mod.Backend.settings().user_id,
            project_id=backend_mod.Backend.settings().project_id,
            _name_id=None, use_quota=True, encryption_key_id=None,
            volume_type_id=volume_id if typed else None,
            snapshot_id=None, source_volid=None, metadata={},
            admin_metadata={}, multiattach=False, bootable=False,
            deleted=False, provider_location=None, provider_auth=None,
            provider_id=None, provider_geometry=None, replication_status=None,
            consistencygroup_id=None, group_id=None, migration_status=None,
            previous_status=None, shared_targets=True, service_uuid=None,
            created_at=_now(), updated_at=None, launched_at=None,
            terminated_at=None, deleted_at=None, scheduled_at=None)
        for key, value in kwargs.items():
            if key not in objects.Volume.fields:
                raise errors.InvalidInput(
                    'unknown volume field %r; use name, description, size, '
                    'id, extra_specs, qos_specs or a field of Cinder\'s '
                    'Volume object' % key)
            fields[key] = value
        ovo = objects.Volume(context=runtime.context, **fields)
        ovo.volume_type = self._volume_type_ovo(ovo)
        self._start(backend, ovo)

    def _start(self, backend, ovo):
        ovo.volume_attachment = _runtime().objects.VolumeAttachmentList(
            objects=[])
        ovo.obj_reset_changes()
        self._snapshots = None
        self._connections = None
        self.local_attach = None
        super(Volume, self).__init__(backend, ovo)

    def _volume_type_ovo(self, ovo):
        if not ovo.volume_type_id:
            return None
        return volume_day2.type_ovo(ovo._context, ovo.volume_type_id,
                                    self._type_label(ovo)[0], self.extra_specs,
                                    self.qos_specs)

    def _volume_type_dict(self):
        name, description = self._type_label()
        return volume_day2.build_type_dict(self._ovo.volume_type_id or self.id,
                                     name, self.extra_specs, self.qos_specs,
                                     description)

    def _qos_specs_dict(self):
        return volume_day2.build_qos_dict(self._ovo.volume_type_id or self.id,
                                    self._type_label()[0], self.qos_specs)

    # Loading and saving -------------------------------------------------
    @classmethod
    def _build(cls, record, backend=None):
        backend = backend or backend_mod.Backend.by_name(record['backend'])
        runtime = _runtime()
        self = cls.__new__(cls)
        self._start(backend, runtime.objects.Volume(context=runtime.context,
                                                    id=record['id']))
        self._reload(record)
        backend._track(self)
        return self

    def _reloaded(self, data):
        self.extra_specs = dict(data.get('extra_specs') or {})
        self.qos_specs = dict(data.get('qos_specs') or {})
        self._ovo.volume_type = self._volume_type_ovo(self._ovo)

    def _record(self):
        data = self._data()
        data['extra_specs'] = self.extra_specs
        data['qos_specs'] = self.qos_specs
        return {'id': self.id, 'backend': self.backend.id, 'name': self.name,
                'status': self.status, 'size': self.size, 'data': data}

    def _body(self, load_lazy):
        """This volume's record and its lists (if loaded, or load_lazy)."""
        body = {'record': self._record()}
        if load_lazy or self._snapshots is not None:
            body['snapshots'] = [s._record() for s in self.snapshots]
        if load_lazy or self._connections is not None:
            body['connections'] = [c._record() for c in self.connections]
        return body

    def _to_json(self, load_lazy):
        return serialization.envelope('Volume', self.backend,
                                      **self._body(load_lazy))

    @classmethod
    def _from_body(cls, body, backend, loading):
        volume = cls._from_record(body['record'], backend=backend)
        loading.add(volume)
        if 'snapshots' in body:
            volume._snapshots = [Snapshot._from_record(r, volume=volume)
                                 for r in body['snapshots']]
            loading.add(*volume._snapshots)
        if 'connections' in body:
            volume._set_connections([Connection._from_record(r, volume=volume)
                                     for r in body['connections']])
            loading.add(*volume._connections)
        return volume

    @classmethod
    def _from_json(cls, data, loading):
        backend = backend_mod.Backend.from_config(data['backend'])
        volume = cls._from_body(data, backend, loading)
        backend._track(volume)
        return volume

    # Documented attributes ---------------------------------------------
    @property
    def name(self):
        return self._ovo.display_name

    @property
    def description(self):
        return self._ovo.display_description

    @property
    def name_in_storage(self):
        """What the driver calls it on the backend (volume-<id>)."""
        return self._ovo.name

    @property
    def pool_name(self):
        host = self._ovo.host or ''
        return host.partition('#')[2] or None

    @property
    def snapshots(self):
        """The volume's snapshots, loaded on first use (see refresh)."""
        if self._snapshots is None:
            self._snapshots = [
                Snapshot._from_record(record, volume=self) for record in
                _persistence().get_snapshots(volume_id=self.id)]
        return self._snapshots

    @property
    def connections(self):
        """The volume's connections, loaded on first use (see refresh)."""
        if self._connections is None:
            self._set_connections([
                Connection._from_record(record, volume=self) for record in
                _persistence().get_connections(volume_id=self.id)])
        return self._connections

    def _set_connections(self, connections):
        self._connections = connections
        self._ovo.volume_attachment = _runtime().objects.VolumeAttachmentList(
            objects=[c._ovo for c in connections])
        self._ovo.obj_reset_changes(['volume_attachment'])

    def _track_child(self, child):
        """Add a new or loaded snapshot or connection to a loaded list."""
        if isinstance(child, Snapshot):
            if self._snapshots is not None and child not in self._snapshots:
                self._snapshots.append(child)
        elif self._connections is not None and child not in self._connections:
            self._set_connections(self._connections + [child])

    def refresh(self):
        """Reload from persistence, and the lazy lists already loaded."""
        super(Volume, self).refresh()
        if self._snapshots is not None:
            self._snapshots = None
            self.snapshots
        if self._connections is not None:
            self._connections = None
            self.connections

    # Operations --------------------------------------------------------
    def create(self):
        """Create this volume on the backend (from its source, if any)."""
        driver = self.backend.driver
        self._save()
        try:
            if self._ovo.snapshot_id:
                snapshot = Snapshot.get_by_id(self._ovo.snapshot_id)
                update = self._call('creating', driver.create_volume_from_snapshot,
                                    self._ovo, snapshot._ovo)
            elif self._ovo.source_volid:
                source = Volume.get_by_id(self._ovo.source_volid)
                update = self._call('creating', driver.create_cloned_volume,
                                    self._ovo, source._ovo)
            else:
                update = self._call('creating', driver.create_volume,
                                    self._ovo)
        except errors.DriverTimeout:
            raise
        except Exception as exc:
            self._creation_failed(exc)
        if update:
            self._update_fields(update, save=False)
        self._ovo.launched_at = _now()
        self._set_status('available')
        self._new_lists()
        self.backend._track(self)
        return self

    def _new_lists(self):
        # Made here a moment ago: no snapshot or connection anywhere yet, so
        # the lists are known (json lists what this process adds to them).
        if self._snapshots is None:
            self._snapshots = []
        if self._connections is None:
            self._set_connections([])

    @classmethod
    def manage(cls, backend, existing_ref, **kwargs):
        """Backend.manage_volume (documented there)."""
        existing_ref = check_reference(existing_ref, 'volume')
        owner = find_managed(existing_ref, backend._fresh_volumes())
        if owner is not None:
            raise errors.InvalidInput(
                'backend %s: %r is volume %s, which is already managed'
                % (backend.id, existing_ref, owner.id))
        # size is a placeholder until the driver reports the real one.
        volume = cls(backend, size=1, status='managing', **kwargs)
        driver = backend.driver
        volume._manage(existing_ref, driver.manage_existing_get_size,
                       driver.manage_existing, 'size')
        volume._ovo.launched_at = _now()
        volume._set_status('available')
        volume._new_lists()
        backend._track(volume)
        return volume

    def _creation_failed(self, exc):
        """Undo what the driver may have done, then report its failure."""
        message = _driver_message(exc, self.backend)
        try:
            self._call('cleaning up the failed creation of',
                       self.backend.driver.delete_volume, self._ovo)
        except Exception as cleanup_exc:
            self._set_status('error', message, operation='creating')
            raise errors.BackendError(
                'volume %s: creation failed: %s; cleaning up on the backend '
                'failed too (%s), so it is kept in status error' % (
                    self.id, message, _driver_message(cleanup_exc)))
        self._forget()
        raise errors.BackendError('volume %s: creation failed: %s' % (
            self.id, message))

    def _check_unused(self, doing, snapshot_fix):
        # As Cinder's API: drivers differ (RBD moves a volume with snapshots
        # to its trash and reports success), and the snapshots' records
        # would be orphaned.  Read afresh: another process may have added
        # some since the lists were loaded.
        self._check_exists()
        connections = self._current(Connection)
        if connections:
            raise errors.InvalidInput(
                'volume %s has %d connection(s); disconnect them before '
                '%s it' % (self.id, len(connections), doing))
        snapshots = self._current(Snapshot)
        if snapshots:
            raise errors.InvalidInput(
                'volume %s has %d snapshot(s) (%s); %s them before %s the '
                'volume' % (self.id, len(snapshots),
                            ', '.join(s.id for s in snapshots), snapshot_fix,
                            doing))

    def _current(self, kind):
        """The volume's snapshots or connections as persistence has them
        now, with those this process holds that persistence does not know
        (loaded without save); the list is updated with them."""
        cached = (self._snapshots if kind is Snapshot
                  else self._connections) or ()
        fresh = [kind._from_record(record, volume=self) for record in
                 getattr(_persistence(), 'get_%ss' % kind.KIND)(
                     volume_id=self.id)]
        known = set(resource.id for resource in fresh)
        current = fresh + [resource for resource in cached
                           if resource.id not in known and
                           not resource._in_persistence]
        if kind is Snapshot:
            self._snapshots = current
        else:
            self._set_connections(current)
        return current

    def _untrack(self):
        self.backend._untrack(self)

    def delete(self):
        """Delete the volume on the backend and forget it.

        Refused while it has snapshots or connections.
        """
        self._check_unused('deleting', 'delete')
        driver = self.backend.driver
        self._check_not_busy('delete')
        checked = self.backend.bounded(
            'checking before deleting volume %s' % self.id,
            driver_checks.check_deletable, driver, self._ovo)
        previous = self.status
        self._ovo.terminated_at = _now()
        self._set_status('deleting')
        with self._driver_call('delete', 'error_deleting',
                               busy_status=previous):
            self._call('deleting', driver.delete_volume, self._ovo)
        try:
            self.backend.bounded(
                'checking the deletion of volume %s' % self.id,
                driver_checks.check_deleted, driver, self._ovo, checked)
        except errors.BackendError as exc:
            self._ovo.terminated_at = None
            self._set_status(previous, str(exc))
            raise
        self._ended()

    def unmanage(self):
        """Stop managing the volume; its storage stays as it is.

        Refused while it has snapshots or connections.  Drivers that rename
        what they manage (RBD: volume-<id>) leave that name in place.
        """
        self._check_unused('unmanaging', 'delete or unmanage')
        driver = self.backend.driver
        with manage_call(driver, 'unmanaging volumes',
                         'volume %s: unmanage' % self.id):
            self._call('unmanaging', driver.unmanage, self._ovo)
        self._ended()

    def extend(self, new_size):
        """Grow the volume to ``new_size`` GiB."""
        self._check_exists()
        new_size = validate_size(new_size, 'new_size')
        if new_size <= self.size:
            raise errors.InvalidInput(
                'volume %s: new size %s GiB must be larger than its current '
                '%s GiB (volumes cannot shrink)' % (self.id, new_size,
                                                    self.size))
        self._check_extend_allowed()
        previous = self.status
        self._set_status('extending', size=new_size, previous=previous)
        self._extend_to(new_size, previous)
        if self.local_attach:
            self.local_attach.extend()
        return self

    def _extend_to(self, new_size, previous):
        try:
            with self._driver_call('extend', 'error_extending',
                                   busy_status=previous):
                self._driver_extend(new_size)
        except errors.DriverTimeout:
            raise
        except errors.BackendError:
            # The next run extends again (the storage may have been away).
            self._set_status('error_extending', self.error_message,
                             operation='extending', size=new_size,
                             previous=previous)
            raise
        self._ovo.size = new_size
        self._set_status(previous)

    def _settle(self, status, owner):
        driver = self.backend.driver
        previous = owner.get('previous') or 'available'
        if status == 'extending' and owner.get('size'):
            # Finish it: extending to the size asked for is idempotent, and
            # the record must not stay below the image's real size (a later
            # "extend" to a size in between would shrink the image).
            self._set_status('extending', size=owner['size'],
                             previous=previous)
            self._extend_to(owner['size'], previous)
            return self
        if status == 'extending':
            self._set_status(previous)
            return self
        if status == 'managing':
            self._set_status('error', 'managing it was interrupted; the '
                             'storage object may have been renamed (RBD: %s): '
                             'remove this record with state=absent and '
                             'keep_on_backend=true, then manage it again'
                             % self.name_in_storage)
            return self
        # An interrupted creation is undone (nothing but the caller ever saw
        # the volume, so no data is lost: create it again); an interrupted
        # deletion is finished.  Both are idempotent on the driver's side.
        self._set_status('deleting')
        with self._driver_call('remove what the interrupted %s left'
                               % ('creation' if status == 'creating'
                                  else 'deletion'), 'error_deleting'):
            self._call('deleting', driver.delete_volume, self._ovo)
        self._ended()
        return None

    def clone(self, size=None, **kwargs):
        """A new volume with this one's data, optionally larger."""
        self._check_exists()
        size = self.size if size is None else validate_size(size)
        if size < self.size:
            raise errors.InvalidInput(
                'clone of volume %s: size %s GiB is smaller than the source '
                '(%s GiB)' % (self.id, size, self.size))
        new = Volume(self, size=size, source_volid=self.id, **kwargs)
        return new.create()

    def create_snapshot(self, name=None, description=None, id=None, **kwargs):
        self._check_exists()
        snapshot = Snapshot(self, name=name, description=description, id=id,
                            **kwargs)
        snapshot.create()
        self._track_child(snapshot)
        return snapshot

    def manage_snapshot(self, existing_ref, name=None, description=None,
                        id=None):
        """Manage a snapshot of this volume that exists on the storage.

        ``existing_ref`` is {'source-name': <name>} or {'source-id': <id>}
        (which one the driver reads).  Drivers may rename it (RBD:
        snapshot-<id>).  On failure nothing is kept and the error says why.
        """
        self._check_exists()
        existing_ref = check_reference(existing_ref, 'snapshot')
        self._snapshots = None
        owner = find_managed(existing_ref, self.snapshots)
        if owner is not None:
            raise errors.InvalidInput(
                'volume %s: %r is snapshot %s, which is already managed'
                % (self.id, existing_ref, owner.id))
        # Status creating while managed, as Cinder (snapshots have no
        # 'managing' status).
        snapshot = Snapshot(self, name=name, description=description, id=id)
        driver = self.backend.driver
        snapshot._manage(existing_ref,
                         driver.manage_existing_snapshot_get_size,
                         driver.manage_existing_snapshot, 'volume_size')
        snapshot._ovo.progress = '100%'
        snapshot._set_status('available')
        self._track_child(snapshot)
        return snapshot

    def connect(self, connector_dict, **kwargs):
        """Export the volume and connect it for the host of the connector."""
        self._check_exists()
        connection = Connection.connect(self, connector_dict, **kwargs)
        self._track_child(connection)
        return connection

    def _disconnected(self, connection):
        self._set_connections([c for c in self.connections
                               if c.id != connection.id])
        if self.local_attach is connection:
            self.local_attach = None
        if not self.connections:
            self._ovo.attach_status = 'detached'
            self._set_status('available')

    def disconnect(self, connection, force=False):
        connection.disconnect(force=force)

    def attach(self):
        """Connect the volume to this host and attach it (a local device)."""
        from ansible_collections.openstack.cinderlib.plugins.module_utils import attach as attach_mod
        connector = attach_mod.connector_properties(
            _runtime().root_helper,
            multipath=bool(self.backend.driver.configuration.safe_get(
                'use_multipath_for_image_xfer')),
            enforce_multipath=bool(self.backend.driver.configuration.safe_get(
                'enforce_multipath_for_image_xfer')))
        connection = self.connect(connector)
        try:
            connection.attach()
        except Exception:
            connection.disconnect()
            raise
        return connection

    def detach(self, force=False, ignore_errors=False):
        """Undo attach(): local detach, disconnect, remove the export."""
        if not self.local_attach:
            raise errors.InvalidInput('volume %s is not attached locally'
                                      % self.id)
        connection = self.local_attach
        connection.detach(force=force, ignore_errors=ignore_errors)
        connection.disconnect(force=force)

    def to_dict(self):
        return {'id': self.id, 'backend': self.backend.id, 'name': self.name,
                'description': self.description, 'size': self.size,
                'status': self.status, 'attach_status': self.attach_status,
                'pool_name': self.pool_name, 'snapshot_id': self.snapshot_id,
                'source_volid': self.source_volid,
                'name_in_storage': self.name_in_storage,
                'extra_specs': dict(self.extra_specs),
                'qos_specs': dict(self.qos_specs),
                'metadata': dict(self._ovo.metadata or {}),
                'created_at': serialization.jsonable(self._ovo.created_at),
                'error_message': self.error_message}


class Snapshot(Resource):
    """A snapshot of a volume; built by Volume.create_snapshot or
    Volume.manage_snapshot."""

    KIND = 'snapshot'
    _live = weakref.WeakValueDictionary()

    def __init__(self, volume, name=None, description=None, id=None,
                 **kwargs):
        runtime = _runtime()
        objects = runtime.objects
        fields = dict(
            id=new_id(Snapshot, id, 'snapshot'), volume_id=volume.id,
            volume_size=volume.size, display_name=name,
            display_description=description, status='creating',
            progress='0%', user_id=volume._ovo.user_id,
            project_id=volume._ovo.project_id, metadata={},
            volume_type_id=volume._ovo.volume_type_id,
            encryption_key_id=None, use_quota=True, provider_location=None,
            provider_id=None, provider_auth=None, group_snapshot_id=None,
            cgsnapshot_id=None, deleted=False, created_at=_now(),
            updated_at=None, deleted_at=None)
        for key, value in kwargs.items():
            if key not in objects.Snapshot.fields:
                raise errors.InvalidInput(
                    'unknown snapshot field %r; use name, description, id '
                    'or a field of Cinder\'s Snapshot object' % key)
            fields[key] = value
        ovo = objects.Snapshot(context=runtime.context, **fields)
        self._attach_volume(ovo, volume)
        super(Snapshot, self).__init__(volume.backend, ovo)

    def _attach_volume(self, ovo, volume):
        self._volume = volume
        ovo.volume = volume._ovo
        ovo.obj_reset_changes()

    @classmethod
    def _build(cls, record, volume=None):
        volume = volume or Volume.get_by_id(record['volume_id'])
        self = cls.__new__(cls)
        runtime = _runtime()
        ovo = runtime.objects.Snapshot(context=runtime.context,
                                       id=record['id'])
        self._attach_volume(ovo, volume)
        Resource.__init__(self, volume.backend, ovo)
        self._reload(record)
        return self

    def _record(self):
        return {'id': self.id, 'backend': self.backend.id, 'name': self.name,
                'status': self.status, 'size': self._ovo.volume_size,
                'volume_id': self._ovo.volume_id, 'data': self._data()}

    @property
    def name(self):
        return self._ovo.display_name

    @property
    def description(self):
        return self._ovo.display_description

    @property
    def volume(self):
        return self._volume

    @property
    def backend(self):
        # The volume's, also once a backend set up later replaced the
        # placeholder it was loaded with.
        return self._volume.backend

    @property
    def name_in_storage(self):
        """What the driver calls it on the backend (snapshot-<id>)."""
        return self._ovo.name

    def create(self):
        driver = self.backend.driver
        self._save()
        try:
            update = self._call('creating', driver.create_snapshot, self._ovo)
        except errors.DriverTimeout:
            raise
        except Exception as exc:
            message = _driver_message(exc, self.backend)
            try:
                self._call('cleaning up the failed creation of',
                           driver.delete_snapshot, self._ovo)
            except Exception:
                self._set_status('error', message, operation='creating')
                raise errors.BackendError(
                    'snapshot %s: creation failed: %s; kept in status error '
                    'because cleaning up on the backend failed too' % (
                        self.id, message))
            self._forget()
            raise errors.BackendError('snapshot %s: creation failed: %s' % (
                self.id, message))
        if update:
            self._update_fields(update, save=False)
        self._ovo.progress = '100%'
        self._set_status('available')
        return self

    def _untrack(self):
        volume = self._volume
        if volume._snapshots is not None:
            volume._snapshots = [s for s in volume._snapshots
                                 if s.id != self.id]

    def delete(self):
        self._check_exists()
        self._check_not_busy('delete')
        previous = self.status
        self._set_status('deleting')
        self._delete_on_backend(previous)

    def _delete_on_backend(self, previous):
        with self._driver_call('delete', 'error_deleting',
                               busy_status=previous):
            self._call('deleting', self.backend.driver.delete_snapshot,
                       self._ovo)
        self._ended()

    def _settle(self, status, owner):
        # As for volumes: an interrupted creation is undone, an interrupted
        # deletion finished; the driver's delete_snapshot is idempotent.
        self._set_status('deleting')
        self._delete_on_backend('error_deleting')
        return None

    def unmanage(self):
        """Stop managing the snapshot; it stays on the storage as it is."""
        self._check_exists()
        driver = self.backend.driver
        with manage_call(driver, 'unmanaging snapshots',
                         'snapshot %s: unmanage' % self.id):
            self._call('unmanaging', driver.unmanage_snapshot, self._ovo)
        self._ended()

    def create_volume(self, size=None, **kwargs):
        """A new volume with this snapshot's data, optionally larger."""
        self._check_exists()
        source_size = self._ovo.volume_size
        size = source_size if size is None else validate_size(size)
        if size < source_size:
            raise errors.InvalidInput(
                'volume from snapshot %s: size %s GiB is smaller than the '
                'snapshot (%s GiB)' % (self.id, size, source_size))
        new = Volume(self._volume, size=size, snapshot_id=self.id, **kwargs)
        return new.create()

    def to_dict(self):
        return {'id': self.id, 'backend': self.backend.id, 'name': self.name,
                'description': self.description, 'status': self.status,
                'volume_id': self._ovo.volume_id,
                'volume_size': self._ovo.volume_size,
                'created_at': serialization.jsonable(self._ovo.created_at),
                'error_message': self.error_message}


class Connection(Resource):
    """A volume exported and connected for one host (a Cinder attachment).

    ``attach``/``detach`` do only the local step on this host; ``disconnect``
    terminates the connection on the backend.
    """

    KIND = 'connection'
    _live = weakref.WeakValueDictionary()

    def __init__(self, volume, ovo, device=None):
        self._volume = volume
        self.device = device
        self._connector = None
        self._unsaved_secrets = set()
        super(Connection, self).__init__(volume.backend, ovo)

    def _reloaded(self, data):
        self._unsaved_secrets = set(data.get('unsaved_secrets') or ())

    @classmethod
    def connect(cls, volume, connector_dict, **kwargs):
        if not isinstance(connector_dict, dict):
            raise errors.InvalidInput(
                'connector must be a dict of the attaching host\'s facts '
                '(os-brick get_connector_properties), got %s'
                % type(connector_dict).__name__)
        runtime = _runtime()
        driver = volume.backend.driver
        ctxt = runtime.context
        vol_ovo = volume._ovo
        connection_id = new_id(cls, kwargs.pop('id', None), 'connection')
        # Afresh: another host's connection needs the export kept.
        had_connections = bool(volume._current(Connection))
        with volume._driver_call('validate the connector', None):
            volume._call('validating a connector for',
                         driver.validate_connector, connector_dict)
        with volume._driver_call('export', None):
            update = volume._call('exporting', driver.create_export, ctxt,
                                  vol_ovo, connector_dict)
            if update:
                volume._update_fields(update)
        try:
            with volume._driver_call('initialize the connection', None):
                conn_info = volume._call('connecting',
                                         driver.initialize_connection,
                                         vol_ovo, connector_dict)
        except errors.BackendError:
            if not had_connections:
                try:
                    volume._call('removing the export of',
                                 driver.remove_export, ctxt, vol_ovo)
                except Exception:
                    pass
            raise
        conn_info.setdefault('data', {}).setdefault('access_mode', 'rw')
        ovo = runtime.objects.VolumeAttachment(
            context=ctxt, id=connection_id, volume_id=volume.id,
            instance_uuid=kwargs.pop('instance_uuid', None),
            attached_host=connector_dict.get('host'),
            mountpoint=kwargs.pop('mountpoint', None), attach_time=_now(),
            detach_time=None, attach_status='attached', attach_mode='rw',
            connector=connector_dict, connection_info=conn_info,
            deleted=False)
        # No ovo.volume: the volume lists this attachment, and a cycle makes
        # the volume's save() (obj_what_changed) recurse forever.  Drivers
        # that read it get the live volume through the lazy load.
        ovo.obj_reset_changes()
        connection = cls(volume, ovo)
        connection._save()
        vol_ovo.volume_attachment.objects.append(ovo)
        vol_ovo.attach_status = 'attached'
        volume._set_status('in-use')
        return connection

    @classmethod
    def _build(cls, record, volume=None):
        volume = volume or Volume.get_by_id(record['volume_id'])
        runtime = _runtime()
        ovo = runtime.objects.VolumeAttachment(context=runtime.context,
                                               id=record['id'])
        connection = cls(volume, ovo, device=record['data'].get('device'))
        connection._reload(record)
        return connection

    def _record(self):
        data = self._data()
        info = data['fields'].get('connection_info') or {}
        # Which secrets were there, so readers show them as masked.
        self._unsaved_secrets.update(
            key for key in UNSAVED_CONNECTION_SECRETS
            if info.get('data', {}).pop(key, None) is not None)
        if self._unsaved_secrets:
            data['unsaved_secrets'] = sorted(self._unsaved_secrets)
        if self.device:
            data['device'] = serialization.jsonable(self.device)
        return {'id': self.id, 'backend': self.backend.id, 'name': None,
                'status': self._ovo.attach_status,
                'volume_id': self.volume_id, 'data': data}

    @property
    def status(self):
        return self._ovo.attach_status

    @property
    def volume(self):
        return self._volume

    @property
    def backend(self):
        return self._volume.backend

    @property
    def connected(self):
        return self._ovo.attach_status == 'attached'

    @property
    def connector_info(self):
        return self._ovo.connector

    @property
    def conn_info(self):
        return self._ovo.connection_info

    @property
    def protocol(self):
        return (self.conn_info or {}).get('driver_volume_type')

    @property
    def path(self):
        return (self.device or {}).get('path')

    @property
    def attached(self):
        return bool(self.device)

    def conn_info_with_secrets(self):
        """conn_info with the secrets kept out of persistence (from the
        driver), as an attach needs it."""
        info = self.conn_info
        data = info.get('data', {})
        # Ask the driver only for secrets this connection had and lost to
        # persistence; records written before that was noted may lack any.
        missing = [key for key in (self._unsaved_secrets or
                                   UNSAVED_CONNECTION_SECRETS)
                   if key not in data]
        if missing and hasattr(self.backend, 'driver'):
            fresh = self._volume._call(
                'fetching connection credentials for',
                self.backend.driver.initialize_connection,
                self._volume._ovo, self.connector_info)
            for key in missing:
                if key in fresh.get('data', {}):
                    data[key] = fresh['data'][key]
        return info

    def _brick_connector(self):
        if self._connector is None:
            from ansible_collections.openstack.cinderlib.plugins.module_utils import attach as attach_mod
            self._connector = attach_mod.brick_connector(
                self.protocol, _runtime().root_helper,
                use_multipath=bool(self.connector_info.get('multipath')))
        return self._connector

    def attach(self):
        """Attach the connected volume on this host (local step only)."""
        if self.device:
            return self
        info = self.conn_info_with_secrets()
        self.device = self._brick_connector().connect_volume(info['data'])
        self._volume.local_attach = self
        self._save()
        return self

    def device_attached(self, device):
        """Record the device another node attached (os-brick's
        connect_volume result), so the connection shows its path."""
        if not isinstance(device, dict):
            raise errors.InvalidInput(
                'device must be the dict os-brick connect_volume returned '
                '(with "path"), got %s' % type(device).__name__)
        self.device = device
        self._save()
        return self

    def detach(self, force=False, ignore_errors=False):
        """Detach from this host (local step only; stays connected)."""
        if not self.device:
            return
        self._brick_connector().disconnect_volume(
            self.conn_info_with_secrets()['data'], self.device, force=force,
            ignore_errors=ignore_errors)
        self.device = None
        if self._volume.local_attach is self:
            self._volume.local_attach = None
        self._save()

    def extend(self):
        """Make the attached device see the volume's new size."""
        if self.device:
            return self._brick_connector().extend_volume(
                self.conn_info_with_secrets()['data'])

    def disconnect(self, force=False):
        """Terminate this connection on the backend (and its export)."""
        volume = self._volume
        driver = self.backend.driver
        with volume._driver_call('terminate the connection', None):
            volume._call('disconnecting', driver.terminate_connection,
                         volume._ovo, self.connector_info, force=force)
            # Afresh: removing the export under another host's connection
            # cuts it off.
            if not [c for c in volume._current(Connection)
                    if c.id != self.id]:
                volume._call('removing the export of', driver.remove_export,
                             _runtime().context, volume._ovo)
        self._forget()
        self._ovo.attach_status = 'detached'
        self._ovo.detach_time = _now()
        volume._disconnected(self)

    def to_dict(self):
        """A plain dict for logs and return values (secrets masked)."""
        path = self.path
        return {'id': self.id, 'backend': self.backend.id,
                'volume_id': self.volume_id, 'status': self.status,
                'protocol': self.protocol, 'connector': self.connector_info,
                'conn_info': records.masked_conn_info(self.conn_info or {}),
                'path': path if isinstance(path, str) else None,
                'attached': self.attached}


def list_manageable(backend, kind, marker, limit, offset, sort_keys,
                    sort_dirs):
    """Backend.list_manageable_volumes / _snapshots (documented there)."""
    keys = _str_list(sort_keys, 'sort_keys', SORT_KEYS) or ['reference']
    dirs = _str_list(sort_dirs, 'sort_dirs', SORT_DIRS)
    if len(dirs) > len(keys):
        raise errors.InvalidInput(
            'sort_dirs has %d entries but sort_keys only %d; give one '
            'direction per key' % (len(dirs), len(keys)))
    dirs += ['asc'] * (len(keys) - len(dirs))
    for what, value in (('limit', limit), ('offset', offset)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise errors.InvalidInput('%s must be a whole number, at least '
                                      '0; got %r' % (what, value))
    if marker is not None and not isinstance(marker, (dict, str)):
        raise errors.InvalidInput(
            'marker must be the reference dict of the last entry of the '
            'previous page (or its JSON), got %s' % type(marker).__name__)
    volumes = backend._fresh_volumes()
    driver = backend.driver
    if kind == 'volumes':
        ours, fields = volumes, MANAGEABLE_VOLUME_KEYS
        get_manageable = driver.get_manageable_volumes
    else:
        by_id = {volume.id: volume for volume in volumes}
        ours = [Snapshot._from_record(record, volume=by_id[
            record['volume_id']]) for record in _persistence().get_snapshots()
            if record['volume_id'] in by_id]
        fields = MANAGEABLE_SNAPSHOT_KEYS
        get_manageable = driver.get_manageable_snapshots
    context = 'backend %s: listing manageable %s' % (backend.id, kind)
    # Ours go to the driver so that it reports them as already managed.
    with manage_call(driver, 'listing manageable %s' % kind, context):
        entries = backend.bounded('listing manageable %s' % kind,
                                  get_manageable, [r._ovo for r in ours],
                                  marker, limit, offset, keys, dirs)
    listed = []
    for entry in entries:
        entry = {key: serialization.jsonable(entry.get(key))
                 for key in fields}
        reference = entry['reference']
        owner = find_managed(reference, ours) if isinstance(
            reference, dict) else None
        if owner is not None:
            # Also for drivers that do not compare ids as RBD does.
            entry.update(safe_to_manage=False, cinder_id=owner.id,
                         reason_not_safe=entry['reason_not_safe'] or
                         'already managed')
        listed.append(entry)
    return listed


def _str_list(value, what, allowed):
    """A list of allowed strings from None, one string or a list."""
    if value is None or isinstance(value, str):
        values = [value] if value else []
    elif isinstance(value, (list, tuple)):
        values = list(value)
    else:
        values = [value]
    wrong = [v for v in values if v not in allowed]
    if wrong:
        raise errors.InvalidInput('%s: %s not valid; use %s' % (
            what, ', '.join(repr(v) for v in wrong), ' or '.join(allowed)))
    return values
