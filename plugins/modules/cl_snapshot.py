#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to the openstack.cinderlib collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r'''
module: cl_snapshot
short_description: Create, manage and delete volume snapshots with a Cinder driver
version_added: 0.1.0
description:
  - Declares a snapshot of a volume managed by M(openstack.cinderlib.cl_volume),
    by name (unique among that volume's snapshots).
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
  volume:
    description: Name or id of the snapshot's volume.
    type: str
    required: true
  name:
    description: The snapshot's name.
    type: str
    required: true
  state:
    description:
      - V(present) creates the snapshot (or takes over O(existing_ref)).
      - V(absent) deletes it, or only forgets it with O(keep_on_backend).
    type: str
    choices: [present, absent]
    default: present
  description:
    description: Free text kept with the snapshot.
    type: str
  existing_ref:
    description:
      - Take over an existing backend snapshot of the volume by reference
        (a dict with the key C(source-name) or C(source-id)) instead of creating one.
    type: dict
  keep_on_backend:
    description: With O(state=absent), forget the snapshot but keep it on the backend.
    type: bool
    default: false
'''

EXAMPLES = r'''
- name: Snapshot data1 before the upgrade
  openstack.cinderlib.cl_snapshot:
    backend: "{{ ceph_backend }}"
    volume: data1
    name: before-upgrade

- name: Remove it
  openstack.cinderlib.cl_snapshot:
    backend: "{{ ceph_backend }}"
    volume: data1
    name: before-upgrade
    state: absent
'''

RETURN = r'''
snapshot:
  description:
    - The snapshot after the task; its state before the task when it was
      removed; in check mode, what the task would create.
  returned: always
  type: dict
  contains:
    id:
      description: The snapshot's id.
      type: str
    name:
      description: The snapshot's name.
      type: str
    backend:
      description: The volume_backend_name of its backend.
      type: str
    status:
      description: Cinder's snapshot status (V(available), V(error), ...).
      type: str
    description:
      description: The description.
      type: str
    volume_id:
      description: The id of its volume.
      type: str
    volume_size:
      description: Size of the volume when the snapshot was taken, in GiB.
      type: int
    created_at:
      description: Creation time (ISO 8601, UTC).
      type: str
    error_message:
      description: The driver's message when the status is V(error).
      type: str
'''

from ansible_collections.openstack.cinderlib.plugins.module_utils import converge
from ansible_collections.openstack.cinderlib.plugins.module_utils.storage_module import StorageModule


def main():
    sm = StorageModule(
        argument_spec=dict(
            volume=dict(type='str', required=True),
            name=dict(type='str', required=True),
            state=dict(type='str', default='present',
                       choices=['present', 'absent']),
            description=dict(type='str'),
            existing_ref=dict(type='dict'),
            keep_on_backend=dict(type='bool', default=False),
        ),
        supports_check_mode=True,
    )
    sm.run(lambda: converge.snapshot(sm, sm.declaration()))


if __name__ == '__main__':
    main()
