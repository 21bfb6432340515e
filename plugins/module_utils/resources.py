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
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import contextlib
import uuid
import weakref

from ansible_collections.openstack.cinderlib.plugins.module_utils import errors
from ansible_collections.openstack.cinderlib.plugins.module_utils import serialization
from ansible_collections.openstack.cinderlib.plugins.module_utils import backend as backend_mod

# Keys of conn_info['data'] that are secrets the driver can hand out again:
# kept out of persistence, fetched from the driver when an attach needs them.
UNSAVED_CONNECTION_SECRETS = ('keyring',)


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


class Resource(object):
    """What volumes, snapshots and connections share."""

    OVO_CLASS = None            # name of the Cinder object class
    _live = None                # id -> resource, per subclass

    def __init__(self, backend, ovo, error_message=None):
        self.backend = backend
        self._ovo = ovo
        self.error_message = error_message
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
    def status(self):
        return self._ovo.status

    @classmethod
    def get_by_id(cls, resource_id):
        """The live object with this id, else the one in persistence."""
        live = cls._live.get(resource_id)
        if live is not None:
            return live
        found = cls._query(resource_id)
        if not found:
            raise errors.NotFound('%s %s not found in persistence (%s)' % (
                cls.__name__.lower(), resource_id,
                _persistence().describe()))
        return found[0]

    @classmethod
    def _query(cls, resource_id):
        raise NotImplementedError()

    @staticmethod
    def _backend_for(record):
        return backend_mod.Backend.for_record(record)

    def _update_fields(self, values, save=True):
        serialization.update_ovo(self._ovo, values)
        if save:
            self._save()

    def _set_status(self, status, error_message=None, save=True):
        self._ovo.status = status
        self.error_message = error_message
        if save:
            self._save()

    def _data(self):
        data = {'fields': serialization.ovo_to_dict(self._ovo)}
        if self.error_message:
            data['error_message'] = self.error_message
        return data

    def _save(self):
        raise NotImplementedError()

    @contextlib.contextmanager
    def _driver_call(self, action, status_on_error, busy_status=None):
        """Run a driver call; on failure set the status and raise ours."""
        try:
            yield
        except errors.CinderlibError:
            raise
        except Exception as exc:
            message = _driver_message(exc)
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


def _driver_message(exc):
    message = str(exc).strip() or type(exc).__name__
    return '%s (%s)' % (message, type(exc).__name__)


class Volume(Resource):
    """A volume on a backend; built by Backend.create_volume, clone, or a
    snapshot's create_volume."""

    _live = weakref.WeakValueDictionary()

    def __init__(self, backend_or_vol, pool_name=None, **kwargs):
        if isinstance(backend_or_vol, Volume):
            source = backend_or_vol
            backend = source.backend
            kwargs.setdefault('size', source.size)
            kwargs.setdefault('extra_specs', source.extra_specs)
            kwargs.setdefault('qos_specs', source.qos_specs)
            if pool_name is None:
                pool_name = source.pool_name
        else:
            backend = backend_or_vol
        runtime = _runtime()
        volume_id = validate_id(kwargs.pop('id', None), 'volume')
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
        self._finish_ovo(ovo)
        self._snapshots = None
        self._connections = None
        self.local_attach = None
        super(Volume, self).__init__(backend, ovo)

    def _finish_ovo(self, ovo):
        objects = _runtime().objects
        ovo.volume_attachment = objects.VolumeAttachmentList(objects=[])
        ovo.volume_type = self._volume_type_ovo(ovo)
        ovo.obj_reset_changes()

    def _volume_type_ovo(self, ovo):
        if not ovo.volume_type_id:
            return None
        objects = _runtime().objects
        vtype = objects.VolumeType(
            context=ovo._context, id=ovo.volume_type_id,
            name='cinderlib-%s' % ovo.id, description=None, is_public=True,
            extra_specs=dict(self.extra_specs),
            qos_specs_id=ovo.id if self.qos_specs else None)
        if self.qos_specs:
            vtype.qos_specs = objects.QualityOfServiceSpecs(
                context=ovo._context, id=ovo.id, name='cinderlib-%s' % ovo.id,
                consumer='back-end', specs=dict(self.qos_specs))
        return vtype

    def _volume_type_dict(self):
        return {'id': self.id, 'name': 'cinderlib-%s' % self.id,
                'description': None, 'is_public': True, 'deleted': False,
                'extra_specs': dict(self.extra_specs),
                'qos_specs_id': self.id if self.qos_specs else None,
                'qos_specs': self._qos_specs_dict(), 'projects': [],
                'created_at': None, 'updated_at': None, 'deleted_at': None}

    def _qos_specs_dict(self):
        if not self.qos_specs:
            return None
        return {'id': self.id, 'name': 'cinderlib-%s' % self.id,
                'consumer': 'back-end', 'specs': dict(self.qos_specs)}

    # Loading and saving -------------------------------------------------
    @classmethod
    def _query(cls, resource_id):
        return [cls._from_record(record) for record in
                _persistence().get_volumes(volume_id=resource_id)]

    @classmethod
    def _from_record(cls, record, backend=None):
        """A Volume from its persistence record (the live one if there)."""
        live = cls._live.get(record['id'])
        if live is not None:
            return live
        backend = backend or cls._backend_for(record)
        data = record['data']
        self = cls.__new__(cls)
        self.extra_specs = dict(data.get('extra_specs') or {})
        self.qos_specs = dict(data.get('qos_specs') or {})
        runtime = _runtime()
        ovo = runtime.objects.Volume(context=runtime.context)
        serialization.update_ovo(ovo, data['fields'])
        self._finish_ovo(ovo)
        self._snapshots = None
        self._connections = None
        self.local_attach = None
        Resource.__init__(self, backend, ovo, data.get('error_message'))
        return self

    def _save(self):
        data = self._data()
        data['extra_specs'] = self.extra_specs
        data['qos_specs'] = self.qos_specs
        _persistence().set_volume({
            'id': self.id, 'backend': self.backend.id, 'name': self.name,
            'status': self.status, 'size': self.size, 'data': data})

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
        if self._snapshots is None:
            self._snapshots = [
                Snapshot._from_record(record, volume=self) for record in
                _persistence().get_snapshots(volume_id=self.id)]
        return self._snapshots

    @property
    def connections(self):
        if self._connections is None:
            self._connections = [
                Connection._from_record(record, volume=self) for record in
                _persistence().get_connections(volume_id=self.id)]
            self._ovo.volume_attachment = _runtime().objects.\
                VolumeAttachmentList(objects=[c._ovo for c in
                                              self._connections])
            self._ovo.obj_reset_changes(['volume_attachment'])
        return self._connections

    def refresh(self):
        """Reload from persistence, and lazy lists already loaded."""
        records = _persistence().get_volumes(volume_id=self.id)
        if not records:
            raise errors.NotFound('volume %s no longer exists in persistence'
                                  % self.id)
        data = records[0]['data']
        serialization.update_ovo(self._ovo, data['fields'])
        self._ovo.obj_reset_changes()
        self.error_message = data.get('error_message')
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
                update = driver.create_volume_from_snapshot(self._ovo,
                                                            snapshot._ovo)
            elif self._ovo.source_volid:
                source = Volume.get_by_id(self._ovo.source_volid)
                update = driver.create_cloned_volume(self._ovo, source._ovo)
            else:
                update = driver.create_volume(self._ovo)
        except Exception as exc:
            self._creation_failed(exc)
        if update:
            self._update_fields(update, save=False)
        self._ovo.launched_at = _now()
        self._set_status('available')
        self.backend._volume_created(self)
        return self

    def _creation_failed(self, exc):
        """Undo what the driver may have done, then report its failure."""
        message = _driver_message(exc)
        try:
            self.backend.driver.delete_volume(self._ovo)
        except Exception as cleanup_exc:
            self._set_status('error', message)
            raise errors.BackendError(
                'volume %s: creation failed: %s; cleaning up on the backend '
                'failed too (%s), so it is kept in status error' % (
                    self.id, message, _driver_message(cleanup_exc)))
        _persistence().delete_volume(self.id)
        type(self)._live.pop(self.id, None)
        raise errors.BackendError('volume %s: creation failed: %s' % (
            self.id, message))

    def delete(self):
        """Delete the volume on the backend and forget it.

        Refused while it has snapshots or connections, as Cinder's API
        refuses it: drivers differ (RBD moves such a volume to its trash and
        reports success), and the snapshots' records would be orphaned.
        """
        if self.connections:
            raise errors.InvalidInput(
                'volume %s has %d connection(s); disconnect them before '
                'deleting it' % (self.id, len(self.connections)))
        if self.snapshots:
            raise errors.InvalidInput(
                'volume %s has %d snapshot(s); delete them before deleting '
                'the volume' % (self.id, len(self.snapshots)))
        previous = self.status
        self._set_status('deleting')
        with self._driver_call('delete', 'error_deleting',
                               busy_status=previous):
            self.backend.driver.delete_volume(self._ovo)
        _persistence().delete_volume(self.id)
        type(self)._live.pop(self.id, None)
        self._ovo.status = 'deleted'
        self._ovo.deleted = True
        self._ovo.deleted_at = _now()
        self.backend._volume_removed(self)

    def extend(self, new_size):
        """Grow the volume to ``new_size`` GiB."""
        new_size = validate_size(new_size, 'new_size')
        if new_size <= self.size:
            raise errors.InvalidInput(
                'volume %s: new size %s GiB must be larger than its current '
                '%s GiB (volumes cannot shrink)' % (self.id, new_size,
                                                    self.size))
        previous = self.status
        self._set_status('extending')
        with self._driver_call('extend', 'error_extending'):
            self.backend.driver.extend_volume(self._ovo, new_size)
        self._ovo.size = new_size
        self._set_status(previous)
        if self.local_attach:
            self.local_attach.extend()
        return self

    def clone(self, size=None, **kwargs):
        """A new volume with this one's data, optionally larger."""
        size = self.size if size is None else validate_size(size)
        if size < self.size:
            raise errors.InvalidInput(
                'clone of volume %s: size %s GiB is smaller than the source '
                '(%s GiB)' % (self.id, size, self.size))
        new = Volume(self, size=size, source_volid=self.id, **kwargs)
        return new.create()

    def create_snapshot(self, name=None, description=None, id=None, **kwargs):
        snapshot = Snapshot(self, name=name, description=description, id=id,
                            **kwargs)
        snapshot.create()
        if self._snapshots is not None:
            self._snapshots.append(snapshot)
        return snapshot

    def connect(self, connector_dict, **kwargs):
        """Export the volume and connect it for the host of the connector."""
        connection = Connection.connect(self, connector_dict, **kwargs)
        if self._connections is not None:
            self._connections.append(connection)
        return connection

    def _disconnected(self, connection):
        if self._connections is not None:
            self._connections = [c for c in self._connections
                                 if c.id != connection.id]
        self._ovo.volume_attachment = _runtime().objects.VolumeAttachmentList(
            objects=[c._ovo for c in self.connections])
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
    """A snapshot of a volume; built by Volume.create_snapshot."""

    _live = weakref.WeakValueDictionary()

    def __init__(self, volume, name=None, description=None, id=None,
                 **kwargs):
        runtime = _runtime()
        objects = runtime.objects
        fields = dict(
            id=validate_id(id, 'snapshot'), volume_id=volume.id,
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
    def _query(cls, resource_id):
        return [cls._from_record(record) for record in
                _persistence().get_snapshots(snapshot_id=resource_id)]

    @classmethod
    def _from_record(cls, record, volume=None):
        live = cls._live.get(record['id'])
        if live is not None:
            return live
        volume = volume or Volume.get_by_id(record['volume_id'])
        self = cls.__new__(cls)
        runtime = _runtime()
        ovo = runtime.objects.Snapshot(context=runtime.context)
        serialization.update_ovo(ovo, record['data']['fields'])
        self._attach_volume(ovo, volume)
        Resource.__init__(self, volume.backend, ovo,
                          record['data'].get('error_message'))
        return self

    def _save(self):
        _persistence().set_snapshot({
            'id': self.id, 'backend': self.backend.id, 'name': self.name,
            'status': self.status, 'size': self._ovo.volume_size,
            'volume_id': self._ovo.volume_id, 'data': self._data()})

    @property
    def name(self):
        return self._ovo.display_name

    @property
    def description(self):
        return self._ovo.display_description

    @property
    def volume(self):
        return self._volume

    def refresh(self):
        records = _persistence().get_snapshots(snapshot_id=self.id)
        if not records:
            raise errors.NotFound('snapshot %s no longer exists in '
                                  'persistence' % self.id)
        serialization.update_ovo(self._ovo, records[0]['data']['fields'])
        self._ovo.obj_reset_changes()
        self.error_message = records[0]['data'].get('error_message')

    def create(self):
        driver = self.backend.driver
        self._save()
        try:
            update = driver.create_snapshot(self._ovo)
        except Exception as exc:
            message = _driver_message(exc)
            try:
                driver.delete_snapshot(self._ovo)
            except Exception:
                self._set_status('error', message)
                raise errors.BackendError(
                    'snapshot %s: creation failed: %s; kept in status error '
                    'because cleaning up on the backend failed too' % (
                        self.id, message))
            _persistence().delete_snapshot(self.id)
            type(self)._live.pop(self.id, None)
            raise errors.BackendError('snapshot %s: creation failed: %s' % (
                self.id, message))
        if update:
            self._update_fields(update, save=False)
        self._ovo.progress = '100%'
        self._set_status('available')
        return self

    def delete(self):
        previous = self.status
        self._set_status('deleting')
        with self._driver_call('delete', 'error_deleting',
                               busy_status=previous):
            self.backend.driver.delete_snapshot(self._ovo)
        _persistence().delete_snapshot(self.id)
        type(self)._live.pop(self.id, None)
        self._ovo.status = 'deleted'
        self._ovo.deleted = True
        volume = self._volume
        if volume._snapshots is not None:
            volume._snapshots = [s for s in volume._snapshots
                                 if s.id != self.id]

    def create_volume(self, size=None, **kwargs):
        """A new volume with this snapshot's data, optionally larger."""
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

    _live = weakref.WeakValueDictionary()

    def __init__(self, volume, ovo, device=None):
        self._volume = volume
        self.device = device
        self._connector = None
        super(Connection, self).__init__(volume.backend, ovo)

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
        connection_id = validate_id(kwargs.pop('id', None), 'connection')
        had_connections = bool(volume.connections)
        with volume._driver_call('validate the connector', None):
            driver.validate_connector(connector_dict)
        with volume._driver_call('export', None):
            update = driver.create_export(ctxt, vol_ovo, connector_dict)
            if update:
                volume._update_fields(update)
        try:
            with volume._driver_call('initialize the connection', None):
                conn_info = driver.initialize_connection(vol_ovo,
                                                         connector_dict)
        except errors.BackendError:
            if not had_connections:
                try:
                    driver.remove_export(ctxt, vol_ovo)
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
        ovo.volume = vol_ovo
        ovo.obj_reset_changes()
        connection = cls(volume, ovo)
        connection._save()
        vol_ovo.volume_attachment.objects.append(ovo)
        vol_ovo.attach_status = 'attached'
        volume._set_status('in-use')
        return connection

    @classmethod
    def _query(cls, resource_id):
        return [cls._from_record(record) for record in
                _persistence().get_connections(connection_id=resource_id)]

    @classmethod
    def _from_record(cls, record, volume=None):
        live = cls._live.get(record['id'])
        if live is not None:
            return live
        volume = volume or Volume.get_by_id(record['volume_id'])
        runtime = _runtime()
        ovo = runtime.objects.VolumeAttachment(context=runtime.context)
        serialization.update_ovo(ovo, record['data']['fields'])
        ovo.volume = volume._ovo
        ovo.obj_reset_changes()
        return cls(volume, ovo, device=record['data'].get('device'))

    def _save(self):
        data = self._data()
        info = data['fields'].get('connection_info') or {}
        for key in UNSAVED_CONNECTION_SECRETS:
            info.get('data', {}).pop(key, None)
        if self.device:
            data['device'] = serialization.jsonable(self.device)
        _persistence().set_connection({
            'id': self.id, 'backend': self.backend.id, 'name': None,
            'status': self._ovo.attach_status, 'volume_id': self.volume_id,
            'data': data})

    @property
    def status(self):
        return self._ovo.attach_status

    @property
    def volume(self):
        return self._volume

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

    def _full_conn_info(self):
        """conn_info with the secrets we keep out of persistence."""
        info = self.conn_info
        data = info.get('data', {})
        if any(key not in data for key in UNSAVED_CONNECTION_SECRETS) and \
                hasattr(self.backend, 'driver'):
            fresh = self.backend.driver.initialize_connection(
                self._volume._ovo, self.connector_info)
            for key in UNSAVED_CONNECTION_SECRETS:
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
        info = self._full_conn_info()
        self.device = self._brick_connector().connect_volume(info['data'])
        self._volume.local_attach = self
        self._save()
        return self

    def detach(self, force=False, ignore_errors=False):
        """Detach from this host (local step only; stays connected)."""
        if not self.device:
            return
        self._brick_connector().disconnect_volume(
            self._full_conn_info()['data'], self.device, force=force,
            ignore_errors=ignore_errors)
        self.device = None
        if self._volume.local_attach is self:
            self._volume.local_attach = None
        self._save()

    def extend(self):
        """Make the attached device see the volume's new size."""
        if self.device:
            return self._brick_connector().extend_volume(
                self._full_conn_info()['data'])

    def disconnect(self, force=False):
        """Terminate this connection on the backend (and its export)."""
        volume = self._volume
        driver = self.backend.driver
        with volume._driver_call('terminate the connection', None):
            driver.terminate_connection(volume._ovo, self.connector_info,
                                        force=force)
            if not [c for c in volume.connections if c.id != self.id]:
                driver.remove_export(_runtime().context, volume._ovo)
        _persistence().delete_connection(self.id)
        type(self)._live.pop(self.id, None)
        self._ovo.attach_status = 'detached'
        self._ovo.detach_time = _now()
        volume._disconnected(self)

    def to_dict(self):
        return {'id': self.id, 'backend': self.backend.id,
                'volume_id': self.volume_id, 'status': self.status,
                'protocol': self.protocol, 'connector': self.connector_info,
                'conn_info': self.conn_info, 'path': serialization.jsonable(
                    self.path) if isinstance(self.path, str) else None,
                'attached': self.attached}
