#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to the openstack.cinderlib collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r'''
module: cl_volume
short_description: Create, grow, clone, retype, revert, manage and delete volumes with a Cinder driver
version_added: 0.1.0
description:
  - Declares a volume on a storage backend driven by one of Cinder's volume
    drivers, with no Cinder service.
  - Creates it empty, from a snapshot, as a clone of another volume, or by
    taking over an existing backend volume; grows it when O(size) grows,
    also while it is connected (in-use); updates its description and
    metadata; retypes it in place when O(volume_type), O(extra_specs),
    O(qos_specs) or O(multiattach) change; reverts it to a snapshot
    (O(revert_to_snapshot)); deletes or unmanages it.
  - Runs on the host that manages the storage (it loads the driver there).
author:
  - openstack.cinderlib contributors (@openstack-cinderlib)
extends_documentation_fragment:
  - openstack.cinderlib.backend
  - openstack.cinderlib.backend.attributes
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.actiongroups
attributes:
  diff_mode:
    support: full
options:
  name:
    description:
      - The volume's name, unique on its backend. Required unless O(id) is
        given.
      - With O(id), a different name renames the volume.
    type: str
  id:
    description:
      - The volume's id (a UUID). When creating, the new volume gets it;
        otherwise the volume is looked up by it.
    type: str
  state:
    description:
      - V(present) creates the volume or brings it to the declared size,
        description and metadata.
      - V(absent) deletes it (or only forgets it with O(keep_on_backend)).
    type: str
    choices: [present, absent]
    default: present
  size:
    description:
      - Size in GiB. Required to create an empty volume; optional from a
        source, where it defaults to the source's size and may be larger.
      - A larger size than the volume has extends it, also while it is
        connected when the backend supports it (its stats do not report
        C(online_extend_support=false)); nodes see the new size after
        M(openstack.cinderlib.cl_attach) with O(openstack.cinderlib.cl_attach#module:rescan=true).
        A smaller size is refused, since volumes never shrink.
    type: int
  description:
    description: Free text kept with the volume.
    type: str
  metadata:
    description:
      - Key/value pairs kept with the volume. When given, they replace the
        volume's metadata.
    type: dict
  pool_name:
    description:
      - The backend pool to create the volume in, for backends with several
        (see M(openstack.cinderlib.cl_backend_facts)). Defaults to the first.
    type: str
  extra_specs:
    description:
      - Volume type extra specs the driver reads (for example
        C(thin_provisioning) or vendor keys), making a type of the volume's own.
      - On an existing volume, different extra specs retype it through the
        driver's C(retype); when the driver cannot do that in place the
        task fails naming the change and the volume stays as it was.
    type: dict
  qos_specs:
    description:
      - QoS specs the driver applies (for example C(total_iops_sec)).
      - On an existing volume, different QoS specs retype it, as O(extra_specs).
    type: dict
  volume_type:
    description:
      - Name of a volume type defined with M(openstack.cinderlib.cl_volume_type);
        the volume gets that type's extra specs and QoS specs.
      - On an existing volume of another type (or specs of its own), retypes
        it in place, as O(extra_specs).
      - Mutually exclusive with O(extra_specs) and O(qos_specs).
    type: str
  multiattach:
    description:
      - Whether the volume may be connected to several hosts at once (Cinder's
        extra spec C(multiattach='<is> True')). Refused when the backend's
        stats do not report multiattach support.
      - Changing it on an existing volume retypes it, only while it is not
        connected. For a volume of a O(volume_type), the type decides.
      - A non-cluster filesystem on a volume used by several hosts at once
        gets corrupted.
    type: bool
  revert_to_snapshot:
    description:
      - Name or id of a snapshot of the volume to bring its data back to.
        This is an action, so the task always reports a change (in check
        mode too, without reverting).
      - As in Cinder, the volume must have no connections and the snapshot
        must be its most recent, of the volume's current size. Drivers without
        revert (thin LVM) are refused and nothing changes.
      - Not combined with a size, type or specs change in the same task.
    type: str
  source_volume:
    description:
      - Name or id of a volume of the same backend to clone.
    type: str
  source_snapshot:
    description:
      - Id of a snapshot to create the volume from, or its name together
        with O(source_volume), the snapshot's volume.
    type: str
  existing_ref:
    description:
      - Take over an existing backend volume instead of creating one, by
        reference, a dict with the key C(source-name) (the backend's name
        for it) or C(source-id); the references a backend offers are listed by
        M(openstack.cinderlib.cl_backend_facts) with O(openstack.cinderlib.cl_backend_facts#module:manageable=true).
      - The driver may rename it on the backend (the RBD driver renames it
        to C(volume-<id>)).
    type: dict
  keep_on_backend:
    description:
      - With O(state=absent), forget the volume (and with O(cascade) its
        snapshots) but keep its data on the backend (unmanage).
    type: bool
    default: false
  cascade:
    description:
      - With O(state=absent), first terminate the volume's connections and
        delete (or unmanage) its snapshots. Without it, removing a volume that
        has any is refused.
    type: bool
    default: false
'''

EXAMPLES = r'''
- name: A 10 GiB volume on a Ceph pool
  openstack.cinderlib.cl_volume:
    backend:
      volume_backend_name: ceph
      volume_driver: cinder.volume.drivers.rbd.RBDDriver
      rbd_pool: volumes
      rbd_user: cinder
      rbd_ceph_conf: /etc/ceph/ceph.conf
      rbd_keyring_conf: /etc/ceph/ceph.client.cinder.keyring
    name: data1
    size: 10
    metadata:
      owner: team-a

- name: Backend and database options for every module of the collection
  module_defaults:
    group/openstack.cinderlib.cinderlib:
      backend: "{{ lvm_backend }}"
      db_url: "postgresql+psycopg://cinderlib:{{ db_password }}@db.example.com/cinderlib"
  block:
    - name: Grow data1 to 20 GiB
      openstack.cinderlib.cl_volume:
        name: data1
        size: 20

    - name: A bigger clone of data1
      openstack.cinderlib.cl_volume:
        name: data1-copy
        source_volume: data1
        size: 30

    - name: A volume from a snapshot of data1
      openstack.cinderlib.cl_volume:
        name: data1-restored
        source_volume: data1
        source_snapshot: nightly

    - name: Take over a volume created outside Ansible
      openstack.cinderlib.cl_volume:
        name: legacy
        existing_ref:
          source-name: legacy-image

    - name: Grow data1 while it is connected (then rescan it on the node with cl_attach)
      openstack.cinderlib.cl_volume:
        name: data1
        size: 30

    - name: Change data1's QoS in place (a retype)
      openstack.cinderlib.cl_volume:
        name: data1
        qos_specs:
          total_iops_sec: "500"

    - name: A volume of the named type gold (see cl_volume_type)
      openstack.cinderlib.cl_volume:
        name: db1
        size: 10
        volume_type: gold

    - name: A volume several hosts may connect at once
      openstack.cinderlib.cl_volume:
        name: shared1
        size: 10
        multiattach: true

    - name: Bring data1's data back to its latest snapshot
      openstack.cinderlib.cl_volume:
        name: data1
        revert_to_snapshot: nightly

    - name: Delete data1-copy with its snapshots and connections
      openstack.cinderlib.cl_volume:
        name: data1-copy
        state: absent
        cascade: true

    - name: Stop managing legacy, keeping its data on the backend
      openstack.cinderlib.cl_volume:
        name: legacy
        state: absent
        keep_on_backend: true
'''

RETURN = r'''
volume:
  description:
    - The volume after the task; its state before the task when it was
      removed; in check mode, what the task would create.
  returned: always
  type: dict
  contains:
    id:
      description: The volume's id.
      type: str
      sample: 0f7e0a04-2b56-4bb1-9bd6-7f0b6ec21c1b
    name:
      description: The volume's name.
      type: str
      sample: data1
    backend:
      description: The volume_backend_name of its backend.
      type: str
    size:
      description: Size in GiB.
      type: int
      sample: 10
    status:
      description: Cinder's volume status (V(available), V(in-use), V(error), ...).
      type: str
      sample: available
    description:
      description: The description.
      type: str
    metadata:
      description: The metadata.
      type: dict
    attach_status:
      description: V(attached) when the volume has connections, else V(detached).
      type: str
    pool_name:
      description: The backend pool holding the volume.
      type: str
    snapshot_id:
      description: The snapshot it was created from, if any.
      type: str
    source_volid:
      description: The volume it was cloned from, if any.
      type: str
    extra_specs:
      description: Its extra specs (its type's, for a named O(volume_type)).
      type: dict
    qos_specs:
      description: Its QoS specs (its type's, for a named O(volume_type)).
      type: dict
    volume_type:
      description: The name of its volume type; null for specs of its own.
      type: str
    multiattach:
      description: Whether several hosts may connect it at once.
      type: bool
    created_at:
      description: Creation time (ISO 8601, UTC).
      type: str
    error_message:
      description: The driver's message when the status is V(error).
      type: str
'''

from ansible_collections.openstack.cinderlib.plugins.module_utils import converge
from ansible_collections.openstack.cinderlib.plugins.module_utils.storage_module import StorageModule
from ansible_collections.openstack.cinderlib.plugins.module_utils.volume_spec import (
    VOLUME_ACTION_OPTIONS, VOLUME_MUTUALLY_EXCLUSIVE, VOLUME_OPTIONS,
    VOLUME_REQUIRED_ONE_OF)


def main():
    sm = StorageModule(
        argument_spec=dict(VOLUME_OPTIONS, **VOLUME_ACTION_OPTIONS),
        required_one_of=VOLUME_REQUIRED_ONE_OF,
        mutually_exclusive=VOLUME_MUTUALLY_EXCLUSIVE,
        supports_check_mode=True,
    )
    sm.run(lambda: converge.volume(sm, sm.declaration()))


if __name__ == '__main__':
    main()
