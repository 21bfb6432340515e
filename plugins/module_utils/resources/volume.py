# -*- coding: utf-8 -*-
# Copyright: contributors to the openstack.cinderlib collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Volumes: built by Backend.create_volume, clone, a snapshot's
create_volume, or Backend.manage_volume."""

from ansible_collections.openstack.cinderlib.plugins.module_utils import errors
from ansible_collections.openstack.cinderlib.plugins.module_utils import library_state
from ansible_collections.openstack.cinderlib.plugins.module_utils import records
from ansible_collections.openstack.cinderlib.plugins.module_utils import serialization
from ansible_collections.openstack.cinderlib.plugins.module_utils import validation
from ansible_collections.openstack.cinderlib.plugins.module_utils.cinder_service import driver_checks
from ansible_collections.openstack.cinderlib.plugins.module_utils.resources import base
from ansible_collections.openstack.cinderlib.plugins.module_utils.resources import volume_day2
from ansible_collections.openstack.cinderlib.plugins.module_utils.resources.connection import Connection
from ansible_collections.openstack.cinderlib.plugins.module_utils.resources.snapshot import Snapshot


class Volume(volume_day2.Day2Operations, base.NamedResource, base.Resource):
    """A volume on a backend; built by Backend.create_volume, clone, a
    snapshot's create_volume, or Backend.manage_volume."""

    KIND = 'volume'
    DELETE_CALL = 'delete_volume'

    def __init__(self, backend_or_vol, pool_name=None, **kwargs):
        if isinstance(backend_or_vol, Volume):
            source = backend_or_vol
            backend = source.backend
            kwargs.setdefault('size', source.size)
            volume_day2.inherit_type(source, kwargs)
            if pool_name is None:
                pool_name = source.pool_name
        else:
            backend = backend_or_vol
        kwargs = volume_day2.typed_kwargs(backend, pool_name, kwargs)
        volume_id = base.new_id(Volume, kwargs.pop('id', None), 'volume')
        size = validation.size_gib(kwargs.pop('size', None))
        self.extra_specs = dict(kwargs.pop('extra_specs', None) or {})
        self.qos_specs = dict(kwargs.pop('qos_specs', None) or {})
        name = kwargs.pop('name', kwargs.pop('display_name', None))
        description = kwargs.pop('description',
                                 kwargs.pop('display_description', None))
        # A named type's id, else a type of its own when it has specs.
        type_id = kwargs.pop('volume_type_id', None) or (
            volume_id if self.extra_specs or self.qos_specs else None)
        ovo = base.new_ovo('Volume', dict(
            id=volume_id, size=size, display_name=name,
            display_description=description,
            host=backend.host_for(pool_name), availability_zone=backend.id,
            user_id=library_state.settings().user_id,
            project_id=library_state.settings().project_id,
            volume_type_id=type_id), kwargs,
            'name, description, size, id, extra_specs, qos_specs, '
            'volume_type, multiattach')
        ovo.volume_type = self._volume_type_ovo(ovo)
        self._start(backend, ovo)

    def _start(self, backend, ovo):
        ovo.volume_attachment = library_state.cinder().objects.VolumeAttachmentList(
            objects=[])
        ovo.obj_reset_changes()
        self._snapshots = None
        self._connections = None
        self.local_attach = None
        super().__init__(backend, ovo)

    # Loading and saving -------------------------------------------------
    @classmethod
    def _build(cls, record, backend=None):
        backend = backend or library_state.backend_by_name(record['backend'])
        cinder = library_state.cinder()
        self = cls.__new__(cls)
        self._start(backend, cinder.objects.Volume(context=cinder.context,
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
        # For readers without Cinder (records.volume_view).
        data['name_in_storage'] = self.name_in_storage
        data['volume_type'] = self.volume_type_name
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
        backend = loading.backend(data['backend'])
        volume = cls._from_body(data, backend, loading)
        backend._track(volume)
        return volume

    # Documented attributes ---------------------------------------------
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
                library_state.persistence().get_snapshots(volume_id=self.id)]
        return self._snapshots

    @property
    def connections(self):
        """The volume's connections, loaded on first use (see refresh)."""
        if self._connections is None:
            self._set_connections([
                Connection._from_record(record, volume=self) for record in
                library_state.persistence().get_connections(volume_id=self.id)])
        return self._connections

    def _set_connections(self, connections):
        self._connections = connections
        self._ovo.volume_attachment = library_state.cinder().objects.VolumeAttachmentList(
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
        super().refresh()
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

        def create():
            if self._ovo.snapshot_id:
                source = Snapshot.get_by_id(self._ovo.snapshot_id)
                return self._call('creating',
                                  driver.create_volume_from_snapshot,
                                  self._ovo, source._ovo)
            if self._ovo.source_volid:
                source = Volume.get_by_id(self._ovo.source_volid)
                return self._call('creating', driver.create_cloned_volume,
                                  self._ovo, source._ovo)
            return self._call('creating', driver.create_volume, self._ovo)
        update = self._create_on_backend(create)
        if update:
            self._update_fields(update, save=False)
        self._ovo.launched_at = base.now()
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
        existing_ref = validation.existing_reference(existing_ref, 'volume')
        owner = base.find_managed(existing_ref, backend._fresh_volumes())
        if owner is not None:
            raise errors.InvalidInput(
                'backend %s: %r is volume %s, which is already managed'
                % (backend.id, existing_ref, owner.id))
        # size is a placeholder until the driver reports the real one.
        volume = cls(backend, size=1, status='managing', **kwargs)
        driver = backend.driver
        volume._manage(existing_ref, driver.manage_existing_get_size,
                       driver.manage_existing, 'size')
        volume._ovo.launched_at = base.now()
        volume._set_status('available')
        volume._new_lists()
        backend._track(volume)
        return volume

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
                 getattr(library_state.persistence(), 'get_%ss' % kind.KIND)(
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
        # The checks ask the storage too: bounded and mapped like the
        # driver's own calls (an outage raises rados/rbd errors there).
        with self._driver_call('check before deleting', None):
            checked = self._call('checking before deleting',
                                 driver_checks.check_deletable, driver,
                                 self._ovo)
        previous = self.status
        self._ovo.terminated_at = base.now()
        self._set_status('deleting')
        try:
            with self._driver_call('delete', 'error_deleting',
                                   busy_status=previous):
                self._call('deleting', driver.delete_volume, self._ovo)
        except errors.InvalidInput:
            # driver_checks refused from the driver's own look at the
            # storage, before it changed anything.
            self._ovo.terminated_at = None
            self._set_status(previous)
            raise
        # Failing to look is not a verdict: the deletion's outcome is then
        # unknown, as when the delete itself fails.
        with self._driver_call('check the deletion', 'error_deleting'):
            kept = self._call('checking the deletion of',
                              driver_checks.check_deleted, driver, self._ovo,
                              checked)
        if kept is not None:
            self._ovo.terminated_at = None
            self._set_status(previous, str(kept))
            raise kept
        self._ended()

    def unmanage(self):
        """Stop managing the volume; its storage stays as it is.

        Refused while it has snapshots or connections.  Drivers that rename
        what they manage (RBD: volume-<id>) leave that name in place.
        """
        self._check_unused('unmanaging', 'delete or unmanage')
        driver = self.backend.driver
        with self._manage_errors('unmanaging volumes', 'unmanage'):
            self._call('unmanaging', driver.unmanage, self._ovo)
        self._ended()

    def extend(self, new_size):
        """Grow the volume to ``new_size`` GiB."""
        self._check_exists()
        new_size = validation.size_gib(new_size, 'new_size')
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
        if status in ('reverting', 'retyping'):
            return self._settle_day2(status, owner, previous)
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
        size = self.size if size is None else validation.size_gib(size)
        if size < self.size:
            raise errors.InvalidInput(
                'clone of volume %s: size %s GiB is smaller than the source '
                '(%s GiB)' % (self.id, size, self.size))
        new = Volume(self, size=size, source_volid=self.id, **kwargs)
        return new.create()

    def create_snapshot(self, name=None, description=None, id=None, **kwargs):
        self._check_exists()
        new = Snapshot(self, name=name, description=description, id=id,
                       **kwargs)
        new.create()
        self._track_child(new)
        return new

    def manage_snapshot(self, existing_ref, name=None, description=None,
                        id=None):
        """Manage a snapshot of this volume that exists on the storage.

        ``existing_ref`` is {'source-name': <name>} or {'source-id': <id>}
        (which one the driver reads).  Drivers may rename it (RBD:
        snapshot-<id>).  On failure nothing is kept and the error says why.
        """
        self._check_exists()
        existing_ref = validation.existing_reference(existing_ref, 'snapshot')
        self._snapshots = None
        owner = base.find_managed(existing_ref, self.snapshots)
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
            library_state.cinder().root_helper,
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
        """The volume as users see it (records.volume_view)."""
        return records.volume_view(self._record())
