# -*- coding: utf-8 -*-
# Copyright: contributors to the openstack.cinderlib collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Adjustments for drivers written for a long-running cinder-volume.

Drivers assume a service where per-call costs hide behind RPC and a
scheduler.  Called directly they dominate: Cinder's RBD driver opens a new
rados connection for every operation (~30 ms each) and runs the ``ceph``
CLI in a subprocess on every connect (~300 ms).  We keep the driver's own
code and only change where it gets a connection from.  We also fix what
the service never notices: a deleted RBD clone leaving its parent's clone
snapshot behind (see _tune_rbd).
"""


import atexit
import json
import time


# Driver options that bound the storage's own calls, by driver class.
TIMEOUT_OPTIONS = {'cinder.volume.drivers.rbd.RBDDriver': 'rados_connect_timeout'}


def timeout_hint(backend, exc):
    """For a driver error that is a timeout: which backend, which option."""
    chain, seen = [], exc
    while seen is not None and len(chain) < 10:    # drivers wrap librados'
        chain.append('%s %s' % (type(seen).__name__, seen))
        seen = seen.__cause__ or seen.__context__
    text = ' '.join(chain)
    if 'imeout' not in text and 'errno 110' not in text and \
            'timed out' not in text:
        return ''
    option = None
    for class_ in type(getattr(backend, 'driver', None)).__mro__:
        option = TIMEOUT_OPTIONS.get('%s.%s' % (class_.__module__,
                                                class_.__name__))
        if option:
            break
    return ('; backend %s did not answer in time: check that the storage is '
            'up and reachable, or raise the backend option %s' % (
                backend.id, option or 'driver_timeout'))


def tune(driver):
    """Apply what fits this driver; unknown drivers are left as they are."""
    for class_ in type(driver).__mro__:
        tuner = _TUNERS.get('%s.%s' % (class_.__module__, class_.__name__))
        if tuner:
            tuner(driver)
            return


def release(driver):
    """Close what tune() kept open."""
    close = getattr(driver, '_cinderlib_release', None)
    if close:
        close()


# How long a deletion waits for the watch of a killed client to expire.
STALE_WATCH_WAIT = 40
# Cinder's rados_connect_timeout defaults to -1: librados then waits forever
# for a monitor or OSD that does not answer.  It also bounds each OSD and
# monitor operation (rados_osd_op_timeout, rados_mon_op_timeout).
RADOS_TIMEOUT = 30


class _RadosWithKeyring:
    """The rados module, connecting with the backend's rbd_keyring_conf.

    librados reads its keyring from ceph.conf (or /etc/ceph); Cinder's driver
    uses rbd_keyring_conf only for connection info.  A ceph.conf that names
    only the monitors must still connect with the key the user gave.
    """

    def __init__(self, rados, keyring):
        self._rados = rados
        self._keyring = keyring

    def Rados(self, *args, **kwargs):
        conf = dict(kwargs.pop('conf', None) or {})
        conf.setdefault('keyring', self._keyring)
        return self._rados.Rados(*args, conf=conf, **kwargs)

    def __getattr__(self, name):
        return getattr(self._rados, name)


def _check_readable(driver, option, what):
    path = driver.configuration.safe_get(option)
    if not path:
        return None
    try:
        with open(path, 'rb'):
            pass
    except (OSError, TypeError) as exc:
        from ansible_collections.openstack.cinderlib.plugins.module_utils import errors
        raise errors.InvalidConfiguration(
            'backend %s: %s %r cannot be read (%s); give the path of %s, '
            'readable by the user that runs the task' % (
                driver.configuration.safe_get('volume_backend_name'), option,
                path, getattr(exc, 'strerror', None) or exc, what))
    return path


def _tune_rbd(driver):
    if driver.rados is None or driver.rbd is None:
        # Without the bindings the driver cannot work at all: its set-up
        # fails, and that error names what to install (driver_import).
        return
    _check_readable(driver, 'rbd_ceph_conf', 'the cluster\'s ceph.conf')
    keyring = _check_readable(driver, 'rbd_keyring_conf',
                              'the keyring of rbd_user')
    if keyring:
        driver.rados = _RadosWithKeyring(driver.rados, keyring)
    set_default = getattr(driver.configuration, 'set_default', None)
    if set_default and driver.configuration.safe_get(
            'rados_connect_timeout') == -1:
        set_default('rados_connect_timeout', RADOS_TIMEOUT)
    connect_to_rados = driver._connect_to_rados
    disconnect_from_rados = driver._disconnect_from_rados
    kept = {}

    def connect(pool=None, remote=None, timeout=None):
        # Replication targets (remote) keep the driver's own behaviour.
        if remote is not None:
            return connect_to_rados(pool, remote, timeout)
        key = pool or driver.configuration.rbd_pool
        if key not in kept:
            kept[key] = connect_to_rados(pool, remote, timeout)
        return kept[key]

    def disconnect(client, ioctx):
        if (client, ioctx) not in kept.values():
            disconnect_from_rados(client, ioctx)

    def close():
        while kept:
            _pool, (client, ioctx) = kept.popitem()
            disconnect_from_rados(client, ioctx)

    execute = driver._execute

    def execute_mon_dump_in_process(*cmd, **kwargs):
        # initialize_connection asks `ceph mon dump` for the monitors; ask
        # the cluster over the connection we hold, parse as the driver does.
        if tuple(cmd[:3]) == ('ceph', 'mon', 'dump'):
            client, _ioctx = connect()
            ret, out, _err = client.mon_command(
                json.dumps({'prefix': 'mon dump', 'format': 'json'}), b'')
            if ret == 0:
                return out.decode('utf-8'), ''
        return execute(*cmd, **kwargs)

    delete_volume = driver._delete_volume
    get_clone_info = driver._get_clone_info
    rbd = driver.rbd
    # The parent each _delete_volume call found (by image name): the
    # driver reads it anyway, so the clean-up below opens nothing more.
    clone_info = {}

    def get_clone_info_kept(image, volume_name, snap=None):
        info = get_clone_info(image, volume_name, snap)
        if volume_name in clone_info:
            clone_info[volume_name] = info
        return info

    def delete_volume_and_parent_refs(volume, client):
        # The driver's fast path removes a clone without unprotecting and
        # removing the `<clone>.clone_snap` snapshot on its parent, so the
        # parent can never be deleted for real: it is renamed to
        # `<parent>.deleted` and left in the pool.  Finish that cleanup, also
        # when the clone's image is gone or was never made (a clone or a
        # deletion killed half-way): the record still names its parent.
        clone_info[volume.name] = (None, None, None)
        try:
            delete_busy_image(volume, client)
        finally:
            _pool, parent, parent_snap = clone_info.pop(volume.name)
        if not parent and volume.source_volid:
            from oslo_config import cfg
            parent = cfg.CONF.volume_name_template % volume.source_volid
            parent_snap = '%s.clone_snap' % volume.name
        if parent:
            drop_clone_snap(client, parent, parent_snap)

    def delete_busy_image(volume, client):
        # A client killed while it had the image open leaves its watch on
        # it until the OSD expires it (osd_client_watch_timeout, 30 s), and
        # librbd refuses to remove a watched image: wait that long.
        deadline = time.monotonic() + STALE_WATCH_WAIT
        while True:
            try:
                return delete_volume(volume, client)
            except Exception as exc:
                busy = type(exc).__name__ in ('ImageBusy', 'VolumeIsBusy')
                if not busy or time.monotonic() > deadline:
                    raise
                time.sleep(2)

    def drop_clone_snap(client, parent, snap):
        """Remove a clone's snapshot from its parent, then the parent if it
        was only kept for it (`.deleted`), up the chain."""
        names = [parent] if parent.endswith('.deleted') else [
            parent, parent + '.deleted']
        for name in names:
            try:
                image = rbd.Image(client.ioctx, name)
            except rbd.ImageNotFound:
                continue
            try:
                if snap not in [s['name'] for s in image.list_snaps()]:
                    return
                _pool, grandparent, grandparent_snap = \
                    driver._get_clone_info(image, name, snap)
                try:
                    image.unprotect_snap(snap)
                except rbd.InvalidArgument:
                    pass        # never protected: the clone stopped before
                except rbd.ImageBusy:
                    return      # a clone still uses it (alive or in trash)
                image.remove_snap(snap)
                orphan = name.endswith('.deleted') and not list(
                    image.list_snaps())
            finally:
                image.close()
            if orphan:
                driver.RBDProxy().remove(client.ioctx, name)
                if grandparent:
                    drop_clone_snap(client, grandparent, grandparent_snap)
            return

    def finish_snapshot_removal(snapshot):
        # librbd removes a snapshot of an image that has had clones in two
        # steps: into the image's snapshot trash (under a generated name),
        # then for good.  A process killed in between leaves it there; the
        # driver, finding no snapshot of that name, reports it deleted, and
        # the volume then cannot be deleted (it has a snapshot).  Called
        # when an interrupted deletion is finished (Snapshot._settle).
        _client, ioctx = connect()
        try:
            image = rbd.Image(ioctx, snapshot.volume_name)
        except rbd.ImageNotFound:
            return
        try:
            for snap in image.list_snaps():
                if snap.get('namespace') != rbd.RBD_SNAP_NAMESPACE_TYPE_TRASH \
                        or (snap.get('trash') or {}).get(
                            'original_name') != snapshot.name:
                    continue
                try:
                    image.remove_snap_by_id(snap['id'])
                except rbd.ImageBusy:
                    pass    # a clone still uses it: librbd removes it later
        finally:
            image.close()

    driver._connect_to_rados = connect
    driver._disconnect_from_rados = disconnect
    driver._cinderlib_finish_snapshot_removal = finish_snapshot_removal
    driver._execute = execute_mon_dump_in_process
    driver._delete_volume = delete_volume_and_parent_refs
    driver._get_clone_info = get_clone_info_kept
    driver._cinderlib_release = close
    # Shut the kept connections down in order before the interpreter tears
    # its modules and objects down around librados' threads.
    atexit.register(close)


_TUNERS = {
    'cinder.volume.drivers.rbd.RBDDriver': _tune_rbd,
}
