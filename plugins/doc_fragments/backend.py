# -*- coding: utf-8 -*-
# Copyright: contributors to the openstack.cinderlib collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type


class ModuleDocFragment(object):

    DOCUMENTATION = r'''
options:
  backend:
    description:
      - The storage backend, as Cinder's driver sees it. Required, except
        for M(openstack.cinderlib.cl_connection) with
        O(openstack.cinderlib.cl_connection#module:gather_connector=true),
        and for M(openstack.cinderlib.cl_volume_type) (types are shared by
        all backends of the database; it is ignored there).
      - C(volume_backend_name) (required) names the backend; volumes are
        looked up under this name, so keep it stable.
      - C(volume_driver) (required) is the Python path of the Cinder driver
        class, for example C(cinder.volume.drivers.rbd.RBDDriver) or
        C(cinder.volume.drivers.lvm.LVMVolumeDriver).
      - Every other key is an option of that driver, exactly as in a
        C(cinder.conf) backend section (for example C(rbd_pool),
        C(volume_group), C(target_helper), C(san_password)). Values are
        converted and checked by the driver's own option types.
      - C(driver_timeout) (seconds, default C(300)) bounds every call to
        the driver (creating, deleting, extending, connecting, stats, the
        driver's set-up). A storage that stops answering fails the task
        with a message naming the backend, the operation and this option,
        instead of hanging it. Raise it for operations that take longer on
        your storage (deleting or flattening very large volumes). It is read
        by the collection, not passed to the driver. See the
        C(Failure and recovery) page of the documentation.
      - For the RBD driver, C(rados_connect_timeout) defaults to C(30)
        seconds (Cinder's C(-1) waits forever) and also bounds each Ceph
        operation; C(rbd_keyring_conf) is the keyring the collection
        connects with, so the C(ceph.conf) may name the monitors only.
      - Values of keys that name credentials (containing C(password),
        C(secret), C(token), C(credential), C(api_key) or C(private_key))
        are hidden from the task output.
    type: dict
  db_url:
    description:
      - SQLAlchemy URL of the database that keeps the metadata drivers need
        (volumes, snapshots, connections). Point every storage-side task,
        on every host that manages the same backend, at the same database.
      - For example C(postgresql+psycopg://user:password@db.example.com/cinderlib)
        or C(mysql+pymysql://user:password@db.example.com/cinderlib). The
        password is hidden from the output.
      - Defaults to the SQLite file C(/var/lib/cinderlib/cinderlib.sqlite)
        when the module runs as root, else
        C(~/.local/share/cinderlib/cinderlib.sqlite). The file is created
        readable by its owner only, in a directory only its owner can enter.
      - Mutually exclusive with O(persistence).
    type: str
  persistence:
    description:
      - A raw persistence configuration, as the core's C(persistence_config).
        C(storage) is C(db), C(memory_db), C(memory) or the entry point name
        of a persistence plugin; the other keys are the plugin's options.
      - C(memory) and C(memory_db) forget everything when the task ends;
        they suit tests only.
      - Mutually exclusive with O(db_url).
    type: dict
  lock_path:
    description:
      - Directory of the file locks that serialize driver operations on this
        host.
      - Defaults to C(locks) beside the default database, for example
        C(/var/lib/cinderlib/locks).
    type: path
  coordination_url:
    description:
      - A tooz URL (for example C(redis://:password@redis.example.com:6379)
        or C(etcd3+http://etcd.example.com:2379)) for locks shared by several
        hosts that manage the same backend. The password is hidden from the
        output.
      - Without it, locks are files in O(lock_path).
    type: str
  root_helper:
    description:
      - Command that runs the driver's privileged commands when the module
        does not run as root. Unused as root.
    type: str
    default: sudo
requirements:
  - python >= 3.11
  - cinder >= 29, < 30 (on the host that runs the module)
  - os-brick
  - SQLAlchemy >= 2.0 (to change anything, or for databases other than
    the default SQLite file)
  - the Python packages the chosen driver needs (for Ceph, Debian's
    python3-rados and python3-rbd)
notes:
  - A task that finds everything as declared answers from the database
    alone; Cinder and the driver are loaded only when the backend must be
    touched.
  - A run killed mid-operation, or stopped by O(backend) C(driver_timeout),
    leaves its record in a transitional status (C(creating), C(deleting),
    C(extending)) with the process that owns it. The next run of the same
    task settles it with the backend first (an interrupted creation is
    undone and done again, an interrupted deletion or extension finished),
    unless that process is still alive.
  - The modules in the C(openstack.cinderlib.cinderlib) action group take
    these options, so one C(module_defaults) entry for
    C(group/openstack.cinderlib.cinderlib) sets them for all.
'''

    # The attributes of the storage-side modules (the cinderlib action
    # group); each module adds its own diff_mode.  cl_attach, run on the
    # nodes, is in no action group.
    ATTRIBUTES = r'''
attributes:
  check_mode:
    support: full
  action_group:
    support: full
    membership:
      - openstack.cinderlib.cinderlib
  platform:
    platforms: posix
'''
