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


from ansible_collections.openstack.cinderlib.plugins.module_utils import errors


def check_deletable(driver, volume):
    """Raise InvalidInput if the storage holds snapshots of ``volume`` that
    its driver would keep (hidden) instead of deleting the volume; for a
    driver whose check runs in its own look at the storage (RBD), the
    delete call raises it, having done nothing.

    Returns what check_deleted needs to know afterwards.
    """
    state = _ask(driver, volume, BEFORE) or {}
    _refuse_unknown_snapshots(volume.id, state.get('snapshots'))
    return state


def _refuse_unknown_snapshots(volume, snapshots):
    if snapshots:
        raise errors.InvalidInput(
            'volume %s has %d snapshot(s) on the backend (%s) that this '
            'process does not know of (made by another process or outside '
            'openstack.cinderlib); the driver would hide the volume instead '
            'of deleting it: delete the snapshots first (refresh() lists '
            'those made through openstack.cinderlib)' % (
                volume, len(snapshots), ', '.join(sorted(snapshots))))


def check_deleted(driver, volume, state):
    """After the driver reported ``volume`` deleted: the BackendError to
    raise if it kept the volume with snapshots instead (what it kept is put
    back), else None.  Returned, not raised: the caller tells this verdict
    from a failure to ask the storage."""
    kept = _ask(driver, volume, AFTER, state or {})
    if not kept:
        return None
    return errors.BackendError(
        'volume %s: the driver reported it deleted but %s; the volume is '
        'kept: delete its snapshots first' % (volume.id, kept))


BEFORE, AFTER = 0, 1


def _ask(driver, volume, when, *state):
    """The driver's check for ``when`` (BEFORE/AFTER), None if it has none."""
    for class_ in type(driver).__mro__:
        checks = _CHECKS.get('%s.%s' % (class_.__module__, class_.__name__))
        if checks:
            return checks[when](driver, volume, *state)
    return None


# Snapshots the RBD driver itself removes or accounts for when it deletes
# an image: backups' (removed first) and the clone snapshot its clones
# hang on (the image is then kept until they go, as documented).
def _rbd_own_snapshot(name):
    return name.startswith('backup.') or name.endswith('.clone_snap')


def _rbd_snapshot_names(driver, ioctx, name=None, image_id=None):
    """The snapshots of an image (by name, or by id in the trash); None if
    there is no such image."""
    try:
        image = driver.rbd.Image(ioctx, name, image_id=image_id,
                                 read_only=True)
    except driver.rbd.ImageNotFound:
        return None
    try:
        return [snap['name'] for snap in image.list_snaps()]
    finally:
        image.close()


def _rbd_user_snapshots(driver, ioctx, name=None, image_id=None):
    """An image's snapshots other than the driver's own (None: no image)."""
    names = _rbd_snapshot_names(driver, ioctx, name, image_id)
    return None if names is None else [n for n in names
                                       if not _rbd_own_snapshot(n)]


def _rbd_snapshots_before(driver, volume):
    """Arm the check for the driver's own look at the image: its
    _delete_volume opens the image and lists its snapshots before anything
    else, and a second open here (of a clone: of its parents too) would
    cost about as much as the rest of the delete.  Refusing there leaves
    the image as it was; the refusal is raised from the driver call."""
    _rbd_watch_trash(driver)
    _rbd_check_in_delete(driver)
    state = {'volume_id': volume.id, 'snapshots': [], 'has_clones': False}
    driver._cinderlib_delete_checks[volume.name] = state
    return state


def _rbd_check_in_delete(driver):
    if getattr(driver, '_cinderlib_delete_checks', None) is not None:
        return
    armed = driver._cinderlib_delete_checks = {}
    delete_backup_snaps = driver._delete_backup_snaps

    def check_then_delete_backup_snaps(rbd_image, *args, **kwargs):
        # The first thing _delete_volume does with the open image.
        state = armed.pop(rbd_image.get_name(), None)
        if state is not None:
            _rbd_check_open_image(rbd_image, state)
        return delete_backup_snaps(rbd_image, *args, **kwargs)
    driver._delete_backup_snaps = check_then_delete_backup_snaps


def _rbd_check_open_image(image, state):
    """Fill ``state`` from the image the driver opened to delete; raise
    InvalidInput (nothing done yet) if it has snapshots of others."""
    names = [snap['name'] for snap in image.list_snaps()]
    state['has_clones'] = any(n.endswith('.clone_snap') for n in names)
    state['snapshots'] = [n for n in names if not _rbd_own_snapshot(n)]
    _refuse_unknown_snapshots(state['volume_id'], state['snapshots'])


def _rbd_watch_trash(driver):
    """Note the images the driver moves to the trash, so that the check
    after a delete looks at the trash only when it did."""
    if getattr(driver, '_cinderlib_trashed', None) is not None:
        return
    trashed = driver._cinderlib_trashed = set()
    move = driver._move_volume_to_trash

    def move_noted(ioctx, volume_name, *args, **kwargs):
        trashed.add(volume_name)
        return move(ioctx, volume_name, *args, **kwargs)
    driver._move_volume_to_trash = move_noted


def _rbd_kept_after(driver, volume, state):
    """A snapshot made between the check and the delete: the driver trashed
    (or, the image having clones, renamed) it.  Put it back, and say what
    happened.  Asks the storage only if the driver did either."""
    from cinder.volume.drivers import rbd as rbd_driver
    trashed = volume.name in driver._cinderlib_trashed
    driver._cinderlib_trashed.discard(volume.name)
    driver._cinderlib_delete_checks.pop(volume.name, None)
    if not (trashed or state.get('has_clones')):
        return None
    rbd_api = driver.RBDProxy()
    with rbd_driver.RADOSClient(driver) as client:
        for entry in (rbd_api.trash_list(client.ioctx) if trashed else ()):
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
