#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to the openstack.cinderlib collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r'''
module: cl_backend_facts
short_description: Facts about a storage backend driven by a Cinder driver
version_added: 0.1.0
description:
  - Returns a backend's stats (capacity, pools, capabilities, driver
    version), the volumes, snapshots and connections the collection manages
    on it, the named volume types its volumes may use, and on request the backend volumes and snapshots that could be
    taken over with O(openstack.cinderlib.cl_volume#module:existing_ref).
  - Stats are saved in the database at each refresh; without O(refresh),
    saved stats are returned without loading the driver.
author:
  - openstack.cinderlib contributors (@openstack-cinderlib)
extends_documentation_fragment:
  - openstack.cinderlib.backend
  - openstack.cinderlib.backend.attributes
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.actiongroups
  - ansible.builtin.action_common_attributes.facts
attributes:
  diff_mode:
    support: none
  facts:
    support: full
options:
  stats:
    description: Return the backend's stats.
    type: bool
    default: true
  refresh:
    description:
      - Ask the driver for fresh stats instead of the ones saved by the last
        refresh (the driver is asked anyway when none were saved).
    type: bool
    default: false
  resources:
    description:
      - Return the volumes, snapshots and connections managed on the backend,
        and the named volume types (M(openstack.cinderlib.cl_volume_type)).
    type: bool
    default: true
  manageable:
    description:
      - Also list the backend's volumes and snapshots that are not managed
        yet, and whether each is safe to manage (drivers that implement
        Cinder's manageable interface only).
    type: bool
    default: false
  marker:
    description: With O(manageable), start after the entry with this reference.
    type: str
  limit:
    description: With O(manageable), the most entries to return.
    type: int
    default: 1000
  offset:
    description: With O(manageable), entries to skip.
    type: int
    default: 0
  sort_keys:
    description: With O(manageable), sort by these keys.
    type: list
    elements: str
    choices: [size, reference]
  sort_dirs:
    description: With O(manageable), the direction for each of O(sort_keys).
    type: list
    elements: str
    choices: [asc, desc]
'''

EXAMPLES = r'''
- name: Saved stats and managed volumes of the Ceph backend
  openstack.cinderlib.cl_backend_facts:
    backend: "{{ ceph_backend }}"
  register: ceph

- name: Which volumes use each named volume type
  openstack.cinderlib.cl_backend_facts:
    backend: "{{ ceph_backend }}"
    stats: false
  register: facts

- name: Show the types and how many of the backend's volumes use each
  ansible.builtin.debug:
    msg: "{{ facts.backend.volume_types | items2dict('name', 'volume_count') }}"

- name: Fresh stats
  openstack.cinderlib.cl_backend_facts:
    backend: "{{ ceph_backend }}"
    refresh: true
    resources: false

- name: The 10 largest volumes that could be taken over
  openstack.cinderlib.cl_backend_facts:
    backend: "{{ ceph_backend }}"
    stats: false
    manageable: true
    sort_keys: [size]
    sort_dirs: [desc]
    limit: 10
'''

RETURN = r'''
backend:
  description: The backend's facts (also set as the fact C(cinderlib_backend)).
  returned: always
  type: dict
  contains:
    name:
      description: The volume_backend_name.
      type: str
    volume_driver:
      description: The driver class.
      type: str
    stats:
      description: The driver's stats, as Cinder's scheduler would see them.
      type: dict
      returned: when stats is true
    stats_updated_at:
      description: When the stats were fetched from the driver (ISO 8601, UTC).
      type: str
      returned: when stats is true
    pools:
      description: The names of the backend's pools.
      type: list
      elements: str
      returned: when stats is true
    capabilities:
      description: The backend-level stats (everything but the pools).
      type: dict
      returned: when stats is true
    driver_version:
      description: The driver's version.
      type: str
      returned: when stats is true
    volumes:
      description: The managed volumes (as M(openstack.cinderlib.cl_volume) returns them).
      type: list
      elements: dict
      returned: when resources is true
    snapshots:
      description: The managed snapshots (as M(openstack.cinderlib.cl_snapshot) returns them).
      type: list
      elements: dict
      returned: when resources is true
    connections:
      description: The connections, credentials masked.
      type: list
      elements: dict
      returned: when resources is true
    volume_types:
      description:
        - The named volume types of the database (shared by every backend
          using it), sorted by name, each as
          M(openstack.cinderlib.cl_volume_type) returns it in
          RV(openstack.cinderlib.cl_volume_type#module:volume_type) (id,
          name, description, extra_specs, qos_specs, multiattach), with the
          backend's volumes of the type.
      type: list
      elements: dict
      returned: when resources is true
      contains:
        volumes:
          description: The ids of this backend's volumes of the type.
          type: list
          elements: str
        volume_count:
          description: How many of this backend's volumes are of the type.
          type: int
    manageable_volumes:
      description:
        - Backend volumes with C(reference), C(size), C(safe_to_manage),
          C(reason_not_safe), C(cinder_id) and C(extra_info).
      type: list
      elements: dict
      returned: when manageable is true
    manageable_snapshots:
      description:
        - Backend snapshots, as RV(backend.manageable_volumes) plus
          C(source_reference).
      type: list
      elements: dict
      returned: when manageable is true
'''

from ansible_collections.openstack.cinderlib.plugins.module_utils import converge
from ansible_collections.openstack.cinderlib.plugins.module_utils.storage_module import StorageModule


def main():
    sm = StorageModule(
        argument_spec=dict(
            stats=dict(type='bool', default=True),
            refresh=dict(type='bool', default=False),
            resources=dict(type='bool', default=True),
            manageable=dict(type='bool', default=False),
            marker=dict(type='str'),
            limit=dict(type='int', default=1000),
            offset=dict(type='int', default=0),
            sort_keys=dict(type='list', elements='str',
                           choices=['size', 'reference']),
            sort_dirs=dict(type='list', elements='str',
                           choices=['asc', 'desc']),
        ),
        supports_check_mode=True,
    )
    sm.run(lambda: converge.backend_facts(sm, sm.declaration()))


if __name__ == '__main__':
    main()
