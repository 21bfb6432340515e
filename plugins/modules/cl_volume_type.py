#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to the openstack.cinderlib collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r'''
module: cl_volume_type
short_description: Define named volume types (extra specs and QoS specs) that volumes refer to
version_added: 0.2.0
description:
  - Declares a named volume type (a name, extra specs and QoS specs, as
    Cinder's volume types) in the collection's persistence. Volumes refer to it
    with O(openstack.cinderlib.cl_volume#module:volume_type), and drivers see
    the type and its QoS specs as Cinder would give them.
  - Types are shared by every backend using the same database. No driver is
    loaded.
  - The specs of a type change only while no volume uses it; otherwise
    define a new type and retype the volumes to it.
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
    description: The type's name, unique in the database.
    type: str
    required: true
  state:
    description:
      - V(present) defines the type with these specs (or updates them while
        no volume uses it).
      - V(absent) deletes it; refused while volumes use it.
    type: str
    choices: [present, absent]
    default: present
  extra_specs:
    description:
      - The type's extra specs, for example C(multiattach='<is> True') or
        vendor keys. Values are kept as strings.
    type: dict
  qos_specs:
    description:
      - The type's QoS specs, which the driver applies (consumer
        C(back-end)), for example C(total_iops_sec).
    type: dict
  description:
    description: Free text kept with the type.
    type: str
'''

EXAMPLES = r'''
- name: A type with a QoS limit
  openstack.cinderlib.cl_volume_type:
    db_url: "postgresql+psycopg://cinderlib:{{ db_password }}@db.example.com/cinderlib"
    name: gold
    qos_specs:
      total_iops_sec: "2000"

- name: A type for volumes several hosts connect at once
  openstack.cinderlib.cl_volume_type:
    name: shared
    extra_specs:
      multiattach: "<is> True"

- name: Delete a type no volume uses
  openstack.cinderlib.cl_volume_type:
    name: bronze
    state: absent
'''

RETURN = r'''
volume_type:
  description:
    - The type after the task; before it when it was deleted; in check mode,
      what the task would define.
  returned: always
  type: dict
  contains:
    id:
      description: The type's id (derived from its name).
      type: str
    name:
      description: The type's name.
      type: str
    description:
      description: The description.
      type: str
    extra_specs:
      description: The extra specs.
      type: dict
    qos_specs:
      description: The QoS specs.
      type: dict
    multiattach:
      description: Whether volumes of this type may be connected to several hosts.
      type: bool
'''

from ansible_collections.openstack.cinderlib.plugins.module_utils import converge
from ansible_collections.openstack.cinderlib.plugins.module_utils.storage_module import StorageModule


def main():
    sm = StorageModule(
        argument_spec=dict(
            name=dict(type='str', required=True),
            state=dict(type='str', default='present',
                       choices=['present', 'absent']),
            extra_specs=dict(type='dict'),
            qos_specs=dict(type='dict'),
            description=dict(type='str'),
        ),
        backend_required=False,
        supports_check_mode=True,
    )
    sm.run(lambda: converge.volume_type(sm, sm.declaration()))


if __name__ == '__main__':
    main()
