# -*- coding: utf-8 -*-
# Copyright: contributors to the openstack.cinderlib collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a backend's storage holds that could be brought under management
(Backend.list_manageable_volumes / _snapshots)."""

from ansible_collections.openstack.cinderlib.plugins.module_utils import driver_calls
from ansible_collections.openstack.cinderlib.plugins.module_utils import errors
from ansible_collections.openstack.cinderlib.plugins.module_utils import library_state
from ansible_collections.openstack.cinderlib.plugins.module_utils import serialization
from ansible_collections.openstack.cinderlib.plugins.module_utils import validation
from ansible_collections.openstack.cinderlib.plugins.module_utils.resources import base
from ansible_collections.openstack.cinderlib.plugins.module_utils.resources.snapshot import Snapshot

# What Cinder's API accepts to sort manageable listings by.
SORT_KEYS = ('reference', 'size')
SORT_DIRS = ('asc', 'desc')
MANAGEABLE_VOLUME_KEYS = ('reference', 'size', 'safe_to_manage',
                          'reason_not_safe', 'cinder_id', 'extra_info')
MANAGEABLE_SNAPSHOT_KEYS = MANAGEABLE_VOLUME_KEYS + ('source_reference',)


def list_manageable(backend, kind, marker, limit, offset, sort_keys,
                    sort_dirs):
    """Backend.list_manageable_volumes / _snapshots (documented there)."""
    keys = validation.string_list(sort_keys, 'sort_keys', SORT_KEYS) or ['reference']
    dirs = validation.string_list(sort_dirs, 'sort_dirs', SORT_DIRS)
    if len(dirs) > len(keys):
        raise errors.InvalidInput(
            'sort_dirs has %d entries but sort_keys only %d; give one '
            'direction per key' % (len(dirs), len(keys)))
    dirs += ['asc'] * (len(keys) - len(dirs))
    validation.whole_number(limit, 'limit')
    validation.whole_number(offset, 'offset')
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
            record['volume_id']]) for record in library_state.persistence().get_snapshots()
            if record['volume_id'] in by_id]
        fields = MANAGEABLE_SNAPSHOT_KEYS
        get_manageable = driver.get_manageable_snapshots
    listing = 'listing manageable %s' % kind
    # Ours go to the driver so that it reports them as already managed.
    entries = driver_calls.call(
        backend, 'backend %s' % backend.id, listing, listing, get_manageable,
        [r._ovo for r in ours], marker, limit, offset, keys, dirs,
        errors_as=dict(feature=listing,
                       user_error=driver_calls.is_manage_refusal))
    listed = []
    for entry in entries:
        entry = {key: serialization.jsonable(entry.get(key))
                 for key in fields}
        reference = entry['reference']
        owner = base.find_managed(reference, ours) if isinstance(
            reference, dict) else None
        if owner is not None:
            # Also for drivers that do not compare ids as RBD does.
            entry.update(safe_to_manage=False, cinder_id=owner.id,
                         reason_not_safe=entry['reason_not_safe'] or
                         'already managed')
        listed.append(entry)
    return listed
