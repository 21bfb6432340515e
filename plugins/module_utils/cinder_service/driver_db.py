# -*- coding: utf-8 -*-
# Copyright: contributors to the openstack.cinderlib collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Cinder database that drivers see, served from our persistence.

Every Cinder module that touches the database does ``from cinder.db import
api as db`` and calls ``db.<function>`` at run time, so replacing functions
on that module object serves drivers, targets and versioned-object lazy loads
and ``save()`` alike.  Calls we serve are answered from the live resource
objects (so a driver's update lands in the object the caller holds) or from
persistence; any other DB call fails with a message naming it instead of
reaching for a SQL database that does not exist.
"""


import inspect

from ansible_collections.openstack.cinderlib.plugins.module_utils import errors
from ansible_collections.openstack.cinderlib.plugins.module_utils import library_state
from ansible_collections.openstack.cinderlib.plugins.module_utils.cinder_service import volume_types


def _resources():
    from ansible_collections.openstack.cinderlib.plugins.module_utils import resources
    return resources


def _active():
    return library_state.persistence().db


class DriverDB:
    """Cinder DB API calls, answered from the live resources and the
    persistence in use."""

    @staticmethod
    def _exc():
        return library_state.cinder().exception

    # Volumes -------------------------------------------------------------
    def _volume(self, volume_id):
        try:
            return _resources().Volume.get_by_id(volume_id)
        except errors.NotFound:
            raise self._exc().VolumeNotFound(volume_id=volume_id)

    def volume_get(self, context, volume_id, *args, **kwargs):
        return self._volume(volume_id)._ovo

    def volume_update(self, context, volume_id, values, *args, **kwargs):
        volume = self._volume(volume_id)
        volume._update_fields(values)
        return volume._ovo

    def volume_destroy(self, context, volume_id):
        # The core removes the record itself once the driver is done.
        from oslo_utils import timeutils
        return {'status': 'deleted', 'deleted': True,
                'deleted_at': timeutils.utcnow()}

    def volume_metadata_get(self, context, volume_id):
        return dict(self._volume(volume_id)._ovo.metadata or {})

    def volume_metadata_update(self, context, volume_id, metadata, delete,
                               *args, **kwargs):
        return self._update_dict(volume_id, 'metadata', metadata, delete)

    def volume_metadata_delete(self, context, volume_id, key, *args, **kwargs):
        self._delete_key(volume_id, 'metadata', key)

    def volume_admin_metadata_get(self, context, volume_id):
        return dict(self._volume(volume_id)._ovo.admin_metadata or {})

    def volume_admin_metadata_update(self, context, volume_id, metadata,
                                     delete, *args, **kwargs):
        return self._update_dict(volume_id, 'admin_metadata', metadata, delete)

    def volume_admin_metadata_delete(self, context, volume_id, key):
        self._delete_key(volume_id, 'admin_metadata', key)

    def _update_dict(self, volume_id, field, metadata, delete):
        volume = self._volume(volume_id)
        current = {} if delete else dict(getattr(volume._ovo, field) or {})
        current.update(metadata or {})
        volume._update_fields({field: current})
        return current

    def _delete_key(self, volume_id, field, key):
        volume = self._volume(volume_id)
        current = dict(getattr(volume._ovo, field) or {})
        current.pop(key, None)
        volume._update_fields({field: current})

    def volume_glance_metadata_get(self, context, volume_id):
        raise self._exc().GlanceMetadataNotFound(id=volume_id)

    def image_volume_cache_get_by_volume_id(self, context, volume_id):
        return None

    # Snapshots -----------------------------------------------------------
    def _snapshot(self, snapshot_id):
        try:
            return _resources().Snapshot.get_by_id(snapshot_id)
        except errors.NotFound:
            raise self._exc().SnapshotNotFound(snapshot_id=snapshot_id)

    def snapshot_get(self, context, snapshot_id):
        return self._snapshot(snapshot_id)._ovo

    def snapshot_update(self, context, snapshot_id, values):
        snapshot = self._snapshot(snapshot_id)
        snapshot._update_fields(values)
        return snapshot._ovo

    def snapshot_destroy(self, context, snapshot_id):
        return self.volume_destroy(context, snapshot_id)

    def snapshot_get_all_for_volume(self, context, volume_id):
        return [snap._ovo for snap in self._volume(volume_id).snapshots]

    def snapshot_metadata_get(self, context, snapshot_id):
        return dict(self._snapshot(snapshot_id)._ovo.metadata or {})

    def snapshot_metadata_update(self, context, snapshot_id, metadata, delete):
        snapshot = self._snapshot(snapshot_id)
        current = {} if delete else dict(snapshot._ovo.metadata or {})
        current.update(metadata or {})
        snapshot._update_fields({'metadata': current})
        return current

    def snapshot_metadata_delete(self, context, snapshot_id, key):
        snapshot = self._snapshot(snapshot_id)
        current = dict(snapshot._ovo.metadata or {})
        current.pop(key, None)
        snapshot._update_fields({'metadata': current})

    # Attachments ---------------------------------------------------------
    def _connection(self, attachment_id):
        try:
            return _resources().Connection.get_by_id(attachment_id)
        except errors.NotFound:
            raise self._exc().VolumeAttachmentNotFound(
                filter='attachment_id = %s' % attachment_id)

    def volume_attachment_get(self, context, attachment_id):
        return self._connection(attachment_id)._ovo

    def volume_attachment_update(self, context, attachment_id, values):
        connection = self._connection(attachment_id)
        connection._update_fields(values)
        return connection._ovo

    def volume_attachment_get_all_by_volume_id(self, context, volume_id):
        return [conn._ovo for conn in self._volume(volume_id).connections]

    # Volume types and QoS: a named type (resources.volume_type, in
    # persistence), else the type of its own that a volume with extra or
    # QoS specs has, whose id is the volume's id. --------------------------
    def _type_owner(self, type_id):
        from ansible_collections.openstack.cinderlib.plugins.module_utils.resources.volume_type import VolumeType
        named = VolumeType.find(type_id)
        if named is not None:
            return named
        try:
            return _resources().Volume.get_by_id(type_id)
        except errors.NotFound:
            raise self._exc().VolumeTypeNotFound(volume_type_id=type_id)

    def volume_type_get(self, context, id, inactive=False,
                        expected_fields=None):
        owner = self._type_owner(id)
        type_id, name, description = owner._type_identity()
        return volume_types.volume_type_dict(
            type_id, name, owner.extra_specs, owner.qos_specs, description)

    def volume_type_extra_specs_get(self, context, volume_type_id):
        return dict(self._type_owner(volume_type_id).extra_specs or {})

    def _qos_specs(self, type_id):
        owner = self._type_owner(type_id)
        type_id, name, _description = owner._type_identity()
        return volume_types.qos_specs_dict(type_id, name, owner.qos_specs)

    def volume_type_qos_specs_get(self, context, type_id):
        return {'qos_specs': self._qos_specs(type_id)}

    def qos_specs_get(self, context, qos_specs_id, inactive=False):
        specs = self._qos_specs(qos_specs_id)
        if specs is None:
            raise self._exc().QoSSpecsNotFound(specs_id=qos_specs_id)
        return specs

    # Cleanup bookkeeping of the volume service: nothing to keep here.
    def worker_create(self, context, **values):
        return None

    def worker_update(self, context, id, filters=None, orm_worker=None,
                      **values):
        return 0

    def worker_destroy(self, context, **filters):
        return 0

    def worker_get_all(self, context, **filters):
        return []


def _unserved(name):
    def call(*args, **kwargs):
        raise errors.NotSupported(
            'the driver called cinder.db.api.%s, which openstack.cinderlib '
            'does not serve; please report this with the driver name' % name)
    call.__name__ = name
    return call


def _dispatch(name):
    def call(*args, **kwargs):
        return getattr(_active(), name)(*args, **kwargs)
    call.__name__ = name
    return call


def db_api_function(name):
    """What cinder.db.api.<name> is in this process."""
    return _dispatch(name) if hasattr(DriverDB, name) else _unserved(name)


def install(cinder):
    """Serve cinder.db.api from our persistence, in this whole process
    (once: ``cinder`` is the process's InProcessCinder)."""
    from cinder.db import api as db_api
    from cinder import objects
    if getattr(db_api, '_served_by_cinderlib', False):
        return
    db_api._served_by_cinderlib = True
    for name, func in list(vars(db_api).items()):
        if (name.startswith('_') or not inspect.isfunction(func) or
                func.__module__ != db_api.__name__):
            continue
        params = list(inspect.signature(func).parameters)
        if not params or params[0] != 'context':
            continue
        setattr(db_api, name, db_api_function(name))

    # Versioned objects fetch by id through db.get_by_id and build from ORM
    # rows; ours are already objects, so answer those class methods directly.
    def by_id(resource, exc_name, **exc_kw):
        def get_by_id(cls, context, id, *args, **kwargs):
            try:
                return getattr(_resources(), resource).get_by_id(id)._ovo
            except errors.NotFound:
                raise getattr(cinder.exception, exc_name)(
                    **{key: id for key in exc_kw})
        return classmethod(get_by_id)

    objects.Volume.get_by_id = by_id('Volume', 'VolumeNotFound',
                                     volume_id=1)
    objects.Snapshot.get_by_id = by_id('Snapshot', 'SnapshotNotFound',
                                       snapshot_id=1)
    objects.VolumeAttachment.get_by_id = by_id(
        'Connection', 'VolumeAttachmentNotFound', filter=1)

    # QoS specs by id (RBD reads a type's QoS through qos_specs.
    # get_qos_specs), from the type that owns them.
    def qos_by_id(cls, context, id, *args, **kwargs):
        specs = _active().qos_specs_get(context, id)
        return cls(context=context, id=specs['id'], name=specs['name'],
                   consumer=specs['consumer'], specs=dict(specs['specs']))

    objects.QualityOfServiceSpecs.get_by_id = classmethod(qos_by_id)

    def snapshots_for_volume(cls, context, volume_id, *args, **kwargs):
        return objects.SnapshotList(objects=[
            snap._ovo for snap in _resources().Volume.get_by_id(
                volume_id).snapshots])

    def attachments_for_volume(cls, context, volume_id, *args, **kwargs):
        return objects.VolumeAttachmentList(objects=[
            conn._ovo for conn in _resources().Volume.get_by_id(
                volume_id).connections])

    objects.SnapshotList.get_all_for_volume = classmethod(snapshots_for_volume)
    objects.VolumeAttachmentList.get_all_by_volume_id = classmethod(
        attachments_for_volume)
