# -*- coding: utf-8 -*-
# Copyright: contributors to the openstack.cinderlib collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the storage says before and after a volume is deleted, per driver.

Cinder's API refuses to delete a volume with snapshots, so drivers never
had to care; their answers differ.  Cinder's RBD driver, asked to delete an
image that still has snapshots, moves it (snapshots and data) to the RBD
trash, or renames it ``volume-<id>.deleted`` when it has clones, and
reports success: the data is hidden, not deleted.  Persistence lists the
snapshots made through the core; these checks see the ones it does not
(made by another process a moment ago, or outside the core).  Drivers not
listed here are trusted as they answer.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.openstack.cinderlib.plugins.module_utils import errors


def check_deletable(driver, volume):
    """Raise InvalidInput if the storage holds snapshots of ``volume`` that
    its driver would keep (hidden) instead of deleting the volume."""
    snapshots = _ask(driver, volume, BEFORE)
    if snapshots:
        raise errors.InvalidInput(
            'volume %s has %d snapshot(s) on the backend (%s) that this '
            'process does not know of (made by another process or outside '
            'openstack.cinderlib); the driver would hide the volume instead '
            'of deleting it: delete the snapshots first (refresh() lists '
            'those made through openstack.cinderlib)' % (
                volume.id, len(snapshots), ', '.join(sorted(snapshots))))


def check_deleted(driver, volume):
    """After the driver reported ``volume`` deleted: raise BackendError if
    it kept the volume with snapshots instead (what it kept is put back)."""
    kept = _ask(driver, volume, AFTER)
    if kept:
        raise errors.BackendError(
            'volume %s: the driver reported it deleted but %s; the volume is '
            'kept: delete its snapshots first' % (volume.id, kept))


BEFORE, AFTER = 0, 1


def _ask(driver, volume, when):
    """The driver's check for ``when`` (BEFORE/AFTER), None if it has none."""
    for class_ in type(driver).__mro__:
        checks = _CHECKS.get('%s.%s' % (class_.__module__, class_.__name__))
        if checks:
            return checks[when](driver, volume)
    return None


# Snapshots the RBD driver itself removes or accounts for when it deletes
# an image: backups' (removed first) and the clone snapshot its clones
# hang on (the image is then kept until they go, as documented).
def _rbd_own_snapshot(name):
    return name.startswith('backup.') or name.endswith('.clone_snap')


def _rbd_user_snapshots(driver, ioctx, name=None, image_id=None):
    """Snapshots of an image (by name, or by id in the trash) other than
    the driver's own; None if there is no such image."""
    try:
        image = driver.rbd.Image(ioctx, name, image_id=image_id,
                                 read_only=True)
    except driver.rbd.ImageNotFound:
        return None
    try:
        return [snap['name'] for snap in image.list_snaps()
                if not _rbd_own_snapshot(snap['name'])]
    finally:
        image.close()


def _rbd_snapshots_before(driver, volume):
    from cinder.volume.drivers import rbd as rbd_driver
    with rbd_driver.RADOSClient(driver) as client:
        return _rbd_user_snapshots(driver, client.ioctx, volume.name)


def _rbd_kept_after(driver, volume):
    """A snapshot made between the check and the delete: the driver trashed
    (or renamed) the image.  Put it back, and say what happened."""
    from cinder.volume.drivers import rbd as rbd_driver
    rbd_api = driver.RBDProxy()
    with rbd_driver.RADOSClient(driver) as client:
        for entry in rbd_api.trash_list(client.ioctx):
            if entry['name'] != volume.name:
                continue
            snapshots = _rbd_user_snapshots(driver, client.ioctx,
                                            image_id=entry['id'])
            if not snapshots:
                return None     # the driver's deferred deletion: fine
            try:
                rbd_api.trash_restore(client.ioctx, entry['id'], volume.name)
            except Exception as exc:
                return ('moved it to the RBD trash (id %s) with snapshot(s) '
                        '%s, and restoring it failed (%s): restore it with '
                        '"rbd trash restore"' % (entry['id'],
                                                 ', '.join(snapshots), exc))
            return ('moved it to the RBD trash because it has snapshot(s) %s '
                    '(made meanwhile); it was restored' % ', '.join(snapshots))
        hidden = volume.name + '.deleted'
        snapshots = _rbd_user_snapshots(driver, client.ioctx, hidden)
        if not snapshots:
            return None     # gone, or kept for its clones as documented
        rbd_api.rename(client.ioctx, hidden, volume.name)
        return ('renamed it %s with snapshot(s) %s (made meanwhile); its name '
                'was restored' % (hidden, ', '.join(snapshots)))


_CHECKS = {
    'cinder.volume.drivers.rbd.RBDDriver': (_rbd_snapshots_before,
                                            _rbd_kept_after),
}
