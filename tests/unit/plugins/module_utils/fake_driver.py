# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A Cinder volume driver that keeps its "storage" in a dict, for unit tests.

It is a real ``cinder.volume.driver.VolumeDriver`` subclass, so the core
drives it exactly as it drives RBD or LVM; behaviour worth testing (busy
volumes, failures, DB calls the real drivers make) is reproduced here.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from cinder import exception
from cinder.db import api as db
from cinder.volume import driver
from cinder.volume import volume_utils
from oslo_config import cfg

STORAGE = {}    # backend name -> {'volumes': {name: size}, 'snapshots': {}}

fake_opts = [
    cfg.StrOpt('fake_pool', default='pool0', help='Pool name to report.'),
    cfg.IntOpt('fake_capacity_gb', default=100, help='Capacity to report.'),
    cfg.BoolOpt('fake_fail_setup', default=False, help='Fail do_setup.'),
    cfg.StrOpt('fake_password', secret=True, help='A credential.'),
]


class FakeDriver(driver.VolumeDriver):
    VERSION = '1.0.0'

    def __init__(self, *args, **kwargs):
        super(FakeDriver, self).__init__(*args, **kwargs)
        self.configuration.append_config_values(fake_opts)
        self.fail_next = {}

    @property
    def store(self):
        name = self.configuration.volume_backend_name
        return STORAGE.setdefault(name, {'volumes': {}, 'snapshots': {},
                                         'exports': set()})

    def _maybe_fail(self, operation):
        error = self.fail_next.pop(operation, None)
        if error:
            raise error

    def do_setup(self, context):
        if self.configuration.fake_fail_setup:
            raise exception.VolumeBackendAPIException(
                data='cannot reach the fake array')

    def check_for_setup_error(self):
        pass

    def _update_volume_stats(self):
        used = sum(self.store['volumes'].values())
        total = self.configuration.fake_capacity_gb
        self._stats = {
            'volume_backend_name': self.configuration.volume_backend_name,
            'vendor_name': 'Fake', 'driver_version': self.VERSION,
            'storage_protocol': 'fake',
            'pools': [{'pool_name': self.configuration.fake_pool,
                       'total_capacity_gb': total,
                       'free_capacity_gb': total - used,
                       'reserved_percentage': 0, 'QoS_support': True,
                       'thin_provisioning_support': True}]}

    def create_volume(self, volume):
        self._maybe_fail('create_volume')
        # Like LVM's target helper, look the volume up in the DB.
        assert db.volume_get(None, volume.id).id == volume.id
        self.store['volumes'][volume.name] = volume.size
        return {'provider_location': 'fake://%s' % volume.name}

    def create_cloned_volume(self, volume, src_vref):
        self._maybe_fail('create_cloned_volume')
        if src_vref.name not in self.store['volumes']:
            raise exception.VolumeNotFound(volume_id=src_vref.id)
        self.store['volumes'][volume.name] = volume.size

    def create_volume_from_snapshot(self, volume, snapshot):
        if snapshot.name not in self.store['snapshots']:
            raise exception.SnapshotNotFound(snapshot_id=snapshot.id)
        self.store['volumes'][volume.name] = volume.size

    def delete_volume(self, volume):
        self._maybe_fail('delete_volume')
        if any(owner == volume.name
               for owner in self.store['snapshots'].values()):
            raise exception.VolumeIsBusy(volume_name=volume.name)
        self.store['volumes'].pop(volume.name, None)

    def extend_volume(self, volume, new_size):
        self._maybe_fail('extend_volume')
        self.store['volumes'][volume.name] = new_size

    def create_snapshot(self, snapshot):
        self._maybe_fail('create_snapshot')
        # Drivers reach the parent volume through the snapshot object.
        self.store['snapshots'][snapshot.name] = snapshot.volume.name

    def delete_snapshot(self, snapshot):
        self.store['snapshots'].pop(snapshot.name, None)

    def create_export(self, context, volume, connector):
        self.store['exports'].add(volume.name)
        return {'provider_auth': 'CHAP user secret'}

    def ensure_export(self, context, volume):
        pass

    def remove_export(self, context, volume):
        self.store['exports'].discard(volume.name)

    def initialize_connection(self, volume, connector):
        self._maybe_fail('initialize_connection')
        # Drivers save model changes through the object, as LVM does.
        volume.admin_metadata = dict(volume.admin_metadata or {},
                                     connected='yes')
        volume.save()
        return {'driver_volume_type': 'fake',
                'data': {'volume_id': volume.id, 'keyring': 'SECRETKEY',
                         'target': volume.name}}

    def terminate_connection(self, volume, connector, **kwargs):
        pass

    def validate_connector(self, connector):
        if 'host' not in connector:
            raise exception.InvalidConnectorException(missing='host')


class ManageableFakeDriver(FakeDriver):
    """FakeDriver with Cinder's manage-existing interface.

    Like RBD, it renames what it manages to the Cinder name and knows
    what Cinder manages from the ids it is given; ``report_managed=False``
    makes it ignore them, as some drivers do.
    """

    report_managed = True

    def _existing(self, existing_ref, table):
        name = existing_ref.get('source-name')
        if name not in self.store[table]:
            raise exception.ManageExistingInvalidReference(
                existing_ref=existing_ref, reason='no such object')
        return name

    def manage_existing_get_size(self, volume, existing_ref):
        self._maybe_fail('manage_existing_get_size')
        return self.store['volumes'][self._existing(existing_ref, 'volumes')]

    def manage_existing(self, volume, existing_ref):
        self._maybe_fail('manage_existing')
        old = self._existing(existing_ref, 'volumes')
        self.store['volumes'][volume.name] = self.store['volumes'].pop(old)
        for snap, owner in list(self.store['snapshots'].items()):
            if owner == old:
                self.store['snapshots'][snap] = volume.name
        return {'provider_location': 'fake://%s' % volume.name}

    def unmanage(self, volume):
        self._maybe_fail('unmanage')

    def manage_existing_snapshot_get_size(self, snapshot, existing_ref):
        name = self._existing(existing_ref, 'snapshots')
        if self.store['snapshots'][name] != snapshot.volume_name:
            raise exception.ManageExistingInvalidReference(
                existing_ref=existing_ref, reason='not of this volume')
        return self.store['volumes'][snapshot.volume_name]

    def manage_existing_snapshot(self, snapshot, existing_ref):
        self._maybe_fail('manage_existing_snapshot')
        old = self._existing(existing_ref, 'snapshots')
        self.store['snapshots'][snapshot.name] = \
            self.store['snapshots'].pop(old)

    def unmanage_snapshot(self, snapshot):
        self._maybe_fail('unmanage_snapshot')

    def _listing(self, entries, cinder_ids, id_of, marker, limit, offset,
                 sort_keys, sort_dirs):
        for entry in entries:
            cinder_id = id_of(entry['reference']['source-name'])
            managed = self.report_managed and cinder_id in cinder_ids
            entry.update(safe_to_manage=not managed, extra_info=None,
                         reason_not_safe='already managed' if managed
                         else None,
                         cinder_id=cinder_id if managed else None)
        return volume_utils.paginate_entries_list(
            entries, marker, limit, offset, sort_keys, sort_dirs)

    def get_manageable_volumes(self, cinder_volumes, marker, limit, offset,
                               sort_keys, sort_dirs):
        entries = [{'reference': {'source-name': name}, 'size': size}
                   for name, size in self.store['volumes'].items()]
        return self._listing(
            entries, [v['id'] for v in cinder_volumes],
            volume_utils.extract_id_from_volume_name, marker, limit, offset,
            sort_keys, sort_dirs)

    def get_manageable_snapshots(self, cinder_snapshots, marker, limit,
                                 offset, sort_keys, sort_dirs):
        entries = [{'reference': {'source-name': name},
                    'size': self.store['volumes'].get(owner),
                    'source_reference': {'source-name': owner}}
                   for name, owner in self.store['snapshots'].items()]
        return self._listing(
            entries, [s['id'] for s in cinder_snapshots],
            volume_utils.extract_id_from_snapshot_name, marker, limit,
            offset, sort_keys, sort_dirs)


day2_opts = [
    cfg.BoolOpt('fake_multiattach', default=True,
                help='Report multiattach support in the pool stats.'),
    cfg.BoolOpt('fake_online_extend', default=True,
                help='Report online_extend_support in the pool stats.'),
    cfg.BoolOpt('fake_revert', default=True,
                help='Implement revert_to_snapshot (False: as thin LVM).'),
    cfg.BoolOpt('fake_temp_snapshot', default=False,
                help='Ask for a temporary snapshot before a revert.'),
    cfg.ListOpt('fake_retype_keys', default=['qos:iops', 'multiattach'],
                help='Extra and QoS spec keys retype changes in place.'),
]


class Day2FakeDriver(FakeDriver):
    """FakeDriver with the day-2 interfaces: volume contents (``DATA``),
    revert_to_snapshot, retype of some keys, multiattach and online extend
    reported in the stats, each switchable by an option."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.configuration.append_config_values(day2_opts)
        self.retyped = []       # (volume id, new type's name, diff)

    @property
    def data(self):
        return self.store.setdefault('data', {})

    def _update_volume_stats(self):
        super()._update_volume_stats()
        self._stats['pools'][0].update(
            multiattach=self.configuration.fake_multiattach,
            online_extend_support=self.configuration.fake_online_extend)

    def create_snapshot(self, snapshot):
        super().create_snapshot(snapshot)
        self.data[snapshot.name] = self.data.get(snapshot.volume.name, b'')

    def revert_to_snapshot(self, context, volume, snapshot):
        self._maybe_fail('revert_to_snapshot')
        if not self.configuration.fake_revert:
            raise NotImplementedError('no revert on this fake')
        assert db.snapshot_get(context, snapshot.id).id == snapshot.id
        self.data[volume.name] = self.data.get(snapshot.name, b'')

    def snapshot_revert_use_temp_snapshot(self):
        return self.configuration.fake_temp_snapshot

    def retype(self, context, volume, new_type, diff, host):
        self._maybe_fail('retype')
        allowed = set(self.configuration.fake_retype_keys) | {'consumer'}
        changed = {key for part in ('extra_specs', 'qos_specs')
                   for key, (old, new) in diff[part].items() if old != new}
        if not changed <= allowed:
            return False
        # As RBD: the new type's QoS through the DB, by its qos_specs_id.
        qos = (db.qos_specs_get(context, new_type.qos_specs_id)['specs']
               if new_type.qos_specs_id else {})
        self.retyped.append((volume.id, new_type.name, diff, qos))
        return True, {'provider_location': 'fake://%s?%s' % (
            volume.name, new_type.name)}
