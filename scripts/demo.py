#!/usr/bin/env python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The README demo: a volume's life on the local Ceph lab, through the core.

Reads the lab's settings from CL_CEPH_* (scripts/ceph-lab.sh env) and keeps
its metadata in a SQLite file; prints each step and what it took.
"""

import os
import sys
import time

from ansible_collections.openstack.cinderlib.plugins.module_utils import cinderlib as cl

state_dir = os.environ.get('CL_DEMO_DIR', os.path.abspath('.lab/demo'))
os.makedirs(state_dir, exist_ok=True)


def step(text, func, *args, **kwargs):
    start = time.time()
    result = func(*args, **kwargs)
    print('%-52s %6.0f ms' % (text, (time.time() - start) * 1000))
    return result


start = time.time()
cl.setup(file_locks_path=state_dir,
         persistence_config={'storage': 'db', 'connection':
                             'sqlite:///%s/cinderlib.sqlite' % state_dir})
ceph = step('set up backend "ceph" (Cinder RBDDriver)', cl.Backend,
            'ceph', volume_driver='cinder.volume.drivers.rbd.RBDDriver',
            rbd_user=os.environ['CL_CEPH_USER'],
            rbd_pool=os.environ['CL_CEPH_POOL'],
            rbd_ceph_conf=os.environ['CL_CEPH_CONF'],
            rbd_keyring_conf=os.environ['CL_CEPH_KEYRING'])
stats = ceph.stats()
print('  driver %s %s, %s, %s GiB free' % (
    stats['vendor_name'], stats['driver_version'], stats['storage_protocol'],
    stats.get('free_capacity_gb')))
vol = step('create 1 GiB volume "demo"', ceph.create_volume, 1, name='demo')
print('  %s -> %s on the backend' % (vol.id, vol.name_in_storage))
snap = step('snapshot it', vol.create_snapshot, name='demo-snap')
from_snap = step('new 2 GiB volume from the snapshot', snap.create_volume,
                 size=2)
clone = step('clone the volume', vol.clone)
step('extend the volume to 2 GiB', vol.extend, 2)
conn = step('connect it for this host', vol.connect,
            {'host': 'demo-node', 'ip': '127.0.0.1'})
print('  protocol %s, image %s, monitors %s' % (
    conn.protocol, conn.conn_info['data']['name'],
    conn.conn_info['data']['hosts']))
step('disconnect', conn.disconnect)
print('volumes now: %s' % ', '.join(
    '%s (%s GiB, %s)' % (v.name or v.id[:8], v.size, v.status)
    for v in ceph.volumes))
for text, resource in (('delete the clone', clone),
                       ('delete the volume from the snapshot', from_snap),
                       ('delete the snapshot', snap),
                       ('delete the volume', vol)):
    step(text, resource.delete)
print('volumes left: %d; total %.1f s' % (len(ceph.volumes),
                                          time.time() - start))
sys.exit(1 if ceph.volumes else 0)
