# -*- coding: utf-8 -*-
# Copyright: contributors to the openstack.cinderlib collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Connections: a volume exported and connected for one host."""

from ansible_collections.openstack.cinderlib.plugins.module_utils import errors
from ansible_collections.openstack.cinderlib.plugins.module_utils import library_state
from ansible_collections.openstack.cinderlib.plugins.module_utils import records
from ansible_collections.openstack.cinderlib.plugins.module_utils import secrets
from ansible_collections.openstack.cinderlib.plugins.module_utils import serialization
from ansible_collections.openstack.cinderlib.plugins.module_utils.resources import base


class Connection(base.VolumeChild, base.Resource):
    """A volume exported and connected for one host (a Cinder attachment).

    ``attach``/``detach`` do only the local step on this host; ``disconnect``
    terminates the connection on the backend.
    """

    KIND = 'connection'

    def __init__(self, volume, ovo, device=None):
        self._volume = volume
        self.device = device
        self._connector = None
        self._unsaved_secrets = set()
        super().__init__(volume.backend, ovo)

    def _reloaded(self, data):
        self._unsaved_secrets = set(data.get('unsaved_secrets') or ())

    @classmethod
    def connect(cls, volume, connector_dict, **kwargs):
        if not isinstance(connector_dict, dict):
            raise errors.InvalidInput(
                'connector must be a dict of the attaching host\'s facts '
                '(os-brick get_connector_properties), got %s'
                % type(connector_dict).__name__)
        cinder = library_state.cinder()
        driver = volume.backend.driver
        ctxt = cinder.context
        vol_ovo = volume._ovo
        connection_id = base.new_id(cls, kwargs.pop('id', None), 'connection')
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
        ovo = cinder.objects.VolumeAttachment(
            context=ctxt, id=connection_id, volume_id=volume.id,
            instance_uuid=kwargs.pop('instance_uuid', None),
            attached_host=connector_dict.get('host'),
            mountpoint=kwargs.pop('mountpoint', None), attach_time=base.now(),
            detach_time=None, attach_status='attached', attach_mode='rw',
            connector=connector_dict, connection_info=conn_info,
            deleted=False)
        # No ovo.volume: the volume lists this attachment, and a cycle makes
        # the volume's save() (obj_what_changed) recurse forever.  Drivers
        # that read it get the live volume through the lazy load.
        ovo.obj_reset_changes()
        connection = cls(volume, ovo)
        # The connection and its volume's status: one transaction.
        with library_state.persistence().batch():
            connection._save()
            vol_ovo.volume_attachment.objects.append(ovo)
            vol_ovo.attach_status = 'attached'
            volume._set_status('in-use')
        return connection

    @classmethod
    def _build(cls, record, volume=None):
        volume = volume or base.resource_class('volume').get_by_id(
            record['volume_id'])
        cinder = library_state.cinder()
        ovo = cinder.objects.VolumeAttachment(context=cinder.context,
                                              id=record['id'])
        connection = cls(volume, ovo, device=record['data'].get('device'))
        connection._reload(record)
        return connection

    def _record(self):
        data = self._data()
        info = data['fields'].get('connection_info') or {}
        # Which secrets were there, so readers show them as masked.
        self._unsaved_secrets.update(
            key for key in secrets.UNSAVED_CONN_INFO_KEYS
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
                                   secrets.UNSAVED_CONN_INFO_KEYS)
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
                self.protocol, library_state.cinder().root_helper,
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
                             library_state.cinder().context, volume._ovo)
        with library_state.persistence().batch():
            self._forget()
            self._ovo.attach_status = 'detached'
            self._ovo.detach_time = base.now()
            volume._disconnected(self)

    def to_dict(self):
        """The connection as users see it, secrets masked
        (records.connection_view)."""
        return records.connection_view(self._record())
