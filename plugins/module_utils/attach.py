# -*- coding: utf-8 -*-
# Copyright: contributors to the openstack.cinderlib collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Attaching volumes on a host through os-brick.

Used by the storage side (local attach) and by consuming nodes, which need
os-brick only: no Cinder, no database.  Everything an attach needs travels
in the connection info.
"""

import contextlib
import os
import re
import shlex
import shutil
import socket
import sys

from ansible_collections.openstack.cinderlib.plugins.module_utils import errors
from ansible_collections.openstack.cinderlib.plugins.module_utils import records


def _brick():
    try:
        from os_brick.initiator import connector
    except ImportError as exc:
        raise errors.MissingDependency(
            'os-brick is not installed for %s (%s): pip install os-brick'
            % (sys.executable, exc))
    return connector


def privsep_helper_command(root_helper):
    """How a user who is not root starts privsep's daemon: ``root_helper``
    and the privsep-helper beside this interpreter (a virtualenv's bin/) or
    on PATH; None when one of them is missing."""
    helper = os.path.join(os.path.dirname(sys.executable), 'privsep-helper')
    if not os.access(helper, os.X_OK):
        helper = shutil.which('privsep-helper')
    words = shlex.split(root_helper or '')
    if not helper or not words or not shutil.which(words[0]):
        return None
    return '%s %s' % (root_helper, helper)


def setup_privsep(root_helper, extra_contexts=()):
    """Make os-brick's (and the drivers') privileged calls work for this user.

    As root they run in this process.  Otherwise a privsep daemon started
    through ``root_helper`` runs them, on the first such call; when there
    is no usable root helper (see privsep_helper_command) they run in this
    process too, unprivileged: a call that needs no root (such as reading
    a file this user may read) works, one that does fails with its own
    permission error rather than with a helper that cannot start.
    """
    import os_brick.privileged
    contexts = [os_brick.privileged.default] + list(extra_contexts)
    hide = getattr(os_brick.privileged, 'brick_privsep_hide_output', None)
    if hide is not None:
        contexts.append(hide)
    helper = None if os.geteuid() == 0 else privsep_helper_command(root_helper)
    if helper is None:
        for pctxt in contexts:
            pctxt.set_client_mode(False)
        return
    from oslo_config import cfg
    for pctxt in contexts:
        cfg.CONF.set_override('helper_command', helper,
                              group=pctxt.cfg_section)


def my_ip():
    try:
        return socket.gethostbyname(socket.gethostname())
    except OSError:
        return '127.0.0.1'


def connector_properties(root_helper, multipath=False,
                         enforce_multipath=False, ip=None):
    """This host's connector: what a backend needs to export to it."""
    connector = _brick()
    return connector.get_connector_properties(
        root_helper, ip or my_ip(), multipath, enforce_multipath)


def brick_connector(protocol, root_helper, use_multipath=False,
                    device_scan_attempts=3, block_device=False):
    """os-brick's connector for ``protocol``; with ``block_device``, RBD
    volumes are mapped through krbd instead of opened with librbd."""
    if not protocol:
        raise errors.InvalidInput('connection info has no '
                                  'driver_volume_type; cannot attach')
    connector = _brick()
    try:
        return connector.InitiatorConnector.factory(
            protocol, root_helper, use_multipath=use_multipath,
            device_scan_attempts=device_scan_attempts,
            do_local_attach=block_device)
    except ValueError as exc:
        raise errors.NotSupported('os-brick cannot attach %s volumes: %s'
                                  % (protocol, exc))


def _connection_data(connection):
    """The protocol and os-brick connection properties a connection holds."""
    if not isinstance(connection, dict) or not isinstance(
            connection.get('conn_info'), dict):
        raise errors.InvalidInput(
            'connection must be the connection returned by cl_connection '
            '(a dict with protocol and conn_info)')
    conn_info = connection['conn_info']
    protocol = connection.get('protocol') or conn_info.get(
        'driver_volume_type')
    data = conn_info.get('data')
    if not protocol or not isinstance(data, dict):
        raise errors.InvalidInput(
            'connection.conn_info needs driver_volume_type and data, as '
            'cl_connection returns them')
    return protocol, data


def masked_keys(connection):
    """The keys of the connection's data whose values cl_connection masked
    (returned without include_secrets), sorted."""
    data = _connection_data(connection)[1]
    return sorted(key for key, value in data.items()
                  if value == records.MASK)


def attachment(connection, state, root_helper='sudo', use_multipath=False,
               check_mode=False):
    """Bring this host's attachment of ``connection`` to ``state``.

    Returns (changed, path): the device path while attached, the path that
    was detached after a detach.  An attached volume is found through the
    paths os-brick expects for it, so it is never attached twice.
    """
    protocol, data = _connection_data(connection)
    masked = masked_keys(connection)
    if state == 'present' and masked:
        raise errors.InvalidInput(
            'connection.conn_info.data.%s is masked; run cl_connection '
            'with include_secrets: true (and no_log: true) to pass the '
            'credentials this attach needs' % masked[0])
    brick = _node_connector(protocol, root_helper, use_multipath)
    with _initiator_tools(protocol):
        attached = _attached_paths(brick, protocol, data)
        if state == 'present':
            if attached:
                return False, attached[0]
            if check_mode:
                return True, None
            path = brick.connect_volume(data).get('path')
            if not isinstance(path, str):
                raise errors.NotSupported(
                    'os-brick attached the %s volume without a block device '
                    'on this node' % protocol)
            return True, path
        if not attached:
            return False, None
        if not check_mode:
            brick.disconnect_volume(data, {'path': attached[0]})
        return True, attached[0]


def _node_connector(protocol, root_helper, use_multipath):
    """os-brick's connector on a consuming node, ready for privileged
    calls and its file locks."""
    brick = brick_connector(protocol, root_helper, use_multipath,
                            block_device=True)
    setup_privsep(root_helper)
    _ensure_lock_path()
    return brick


def _ensure_lock_path():
    """os-brick serialises connects with file locks (oslo.concurrency),
    which need a directory: on a node with no Cinder configuration, the
    collection's data directory."""
    from oslo_config import cfg
    cfg.CONF.import_opt('lock_path', 'oslo_concurrency.lockutils',
                        group='oslo_concurrency')
    if cfg.CONF.oslo_concurrency.lock_path:
        return
    from ansible_collections.openstack.cinderlib.plugins.module_utils.host_paths import default_data_dir
    path = os.path.join(default_data_dir(), 'locks')
    os.makedirs(path, 0o700, exist_ok=True)
    # Not lockutils.set_defaults: it leaves CONF's cached None in place.
    cfg.CONF.set_default('lock_path', path, group='oslo_concurrency')


def _attached_paths(brick, protocol, data):
    paths = brick.get_volume_paths(data)
    if not paths and protocol.lower() == 'rbd' and '/' in data.get('name',
                                                                   ''):
        # os-brick does not look for mapped RBD images; krbd's udev link
        # names them by pool and image.
        paths = [brick.get_rbd_device_name(*data['name'].split('/', 1))]
    return [path for path in paths if os.path.exists(path)]


@contextlib.contextmanager
def _initiator_tools(protocol):
    """Name the missing initiator command instead of os-brick's error."""
    try:
        yield
    except Exception as exc:
        missing = re.search(r"No such file or directory: '([^']+)'", str(exc))
        if not missing:
            raise
        raise errors.InvalidConfiguration(
            '%s is not installed on this node; install the initiator tools '
            'for %s volumes (for iSCSI, the open-iscsi and lsscsi packages, '
            'as the iscsi_initiator role does)' % (
                missing.group(1), protocol))


GiB = 1024 ** 3


def device_size(path):
    """Bytes the block device (or file) at ``path`` has, as this node's
    kernel sees it now."""
    fd = os.open(path, os.O_RDONLY)
    try:
        return os.lseek(fd, 0, os.SEEK_END)
    finally:
        os.close(fd)


def needs_rescan(current_bytes, size_gib=None, rescan=False):
    """Whether this node must rescan the device: asked to (``rescan``), or
    it is smaller than the volume's ``size_gib``."""
    return bool(rescan) or (size_gib is not None and
                            current_bytes < size_gib * GiB)


def grow_attached(connection, size=None, rescan=False, root_helper='sudo',
                  use_multipath=False, check_mode=False, brick=None):
    """Make this node see the grown volume: os-brick's extend_volume of the
    connector (iSCSI/FC rescan the SCSI device, and multipath's map; RBD
    only reports the size).  Returns (changed, path, size in bytes).

    ``size``: the volume's size in GiB; the rescan runs only when the
    device is smaller, and it is an error if the device is still smaller
    afterwards.  ``rescan``: rescan whatever the size.
    """
    if size is not None and (isinstance(size, bool) or
                             not isinstance(size, int) or size < 1):
        raise errors.InvalidInput('size must be the volume\'s size in GiB, '
                                  'a whole number >= 1; got %r' % (size,))
    protocol, data = _connection_data(connection)
    if brick is None:
        brick = _node_connector(protocol, root_helper, use_multipath)
    with _initiator_tools(protocol):
        attached = _attached_paths(brick, protocol, data)
        if not attached:
            raise errors.InvalidInput(
                'the volume of this connection is not attached on this node; '
                'attach it first (state=present), then grow it')
        path = attached[0]
        before = device_size(path)
        if not needs_rescan(before, size, rescan):
            return False, path, before
        if check_mode:
            return True, path, before
        reported = brick.extend_volume(data)
    after = device_size(path)
    if reported and reported > after:
        after = reported
    if size is not None and after < size * GiB:
        raise errors.BackendError(
            'the device %s shows %d bytes after the rescan, less than the '
            'volume\'s %d GiB; check that the storage side grew the volume '
            '(cl_volume size) and that its export was refreshed' % (
                path, after, size))
    return after != before, path, after
