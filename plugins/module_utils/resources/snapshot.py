# -*- coding: utf-8 -*-
# Copyright: contributors to the openstack.cinderlib collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Snapshots of volumes: built by Volume.create_snapshot or
Volume.manage_snapshot."""

from ansible_collections.openstack.cinderlib.plugins.module_utils import errors
from ansible_collections.openstack.cinderlib.plugins.module_utils import library_state
from ansible_collections.openstack.cinderlib.plugins.module_utils import records
from ansible_collections.openstack.cinderlib.plugins.module_utils import validation
from ansible_collections.openstack.cinderlib.plugins.module_utils.resources import base


class Snapshot(base.NamedResource, base.VolumeChild, base.Resource):
    """A snapshot of a volume; built by Volume.create_snapshot or
    Volume.manage_snapshot."""

    KIND = 'snapshot'
    DELETE_CALL = 'delete_snapshot'

    def __init__(self, volume, name=None, description=None, id=None,
                 **kwargs):
        ovo = base.new_ovo('Snapshot', dict(
            id=base.new_id(Snapshot, id, 'snapshot'), volume_id=volume.id,
            volume_size=volume.size, display_name=name,
            display_description=description, user_id=volume._ovo.user_id,
            project_id=volume._ovo.project_id,
            volume_type_id=volume._ovo.volume_type_id), kwargs,
            'name, description, id')
        self._attach_volume(ovo, volume)
        super().__init__(volume.backend, ovo)

    def _attach_volume(self, ovo, volume):
        self._volume = volume
        ovo.volume = volume._ovo
        ovo.obj_reset_changes()

    @classmethod
    def _build(cls, record, volume=None):
        volume = volume or base.resource_class('volume').get_by_id(
            record['volume_id'])
        self = cls.__new__(cls)
        cinder = library_state.cinder()
        ovo = cinder.objects.Snapshot(context=cinder.context,
                                      id=record['id'])
        self._attach_volume(ovo, volume)
        base.Resource.__init__(self, volume.backend, ovo)
        self._reload(record)
        return self

    def _record(self):
        return {'id': self.id, 'backend': self.backend.id, 'name': self.name,
                'status': self.status, 'size': self._ovo.volume_size,
                'volume_id': self._ovo.volume_id, 'data': self._data()}

    def create(self):
        driver = self.backend.driver
        update = self._create_on_backend(
            lambda: self._call('creating', driver.create_snapshot, self._ovo))
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
        if status == 'restoring':
            # A revert to it was interrupted (its volume settles the
            # revert); the snapshot itself was only read.
            self._set_status('available')
            return self
        # As for volumes: an interrupted creation is undone, an interrupted
        # deletion finished; the driver's delete_snapshot is idempotent, but
        # may not see what an interrupted removal left (driver_tuning).
        self._set_status('deleting')
        finish = getattr(self.backend.driver,
                         '_cinderlib_finish_snapshot_removal', None)
        if finish is not None:
            with self._driver_call('delete', 'error_deleting'):
                self._call('finishing the deletion of', finish, self._ovo)
        self._delete_on_backend('error_deleting')
        return None

    def unmanage(self):
        """Stop managing the snapshot; it stays on the storage as it is."""
        self._check_exists()
        driver = self.backend.driver
        with self._manage_errors('unmanaging snapshots', 'unmanage'):
            self._call('unmanaging', driver.unmanage_snapshot, self._ovo)
        self._ended()

    def create_volume(self, size=None, **kwargs):
        """A new volume with this snapshot's data, optionally larger."""
        self._check_exists()
        source_size = self._ovo.volume_size
        size = source_size if size is None else validation.size_gib(size)
        if size < source_size:
            raise errors.InvalidInput(
                'volume from snapshot %s: size %s GiB is smaller than the '
                'snapshot (%s GiB)' % (self.id, size, source_size))
        new = base.resource_class('volume')(self._volume, size=size, snapshot_id=self.id, **kwargs)
        return new.create()

    def to_dict(self):
        """The snapshot as users see it (records.snapshot_view)."""
        return records.snapshot_view(self._record())
