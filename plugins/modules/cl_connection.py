#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to the openstack.cinderlib collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r'''
module: cl_connection
short_description: Export a volume to a host, or gather a host's connector
version_added: 0.1.0
description:
  - On the storage side, exports a volume to the host a connector describes
    and initialises the connection, returning what that host needs to attach
    it (M(openstack.cinderlib.cl_attach) takes the result as it is);
    O(state=absent) terminates the connection.
  - With O(gather_connector=true), returns instead the connector of the
    host the task runs on (its initiator name, IP, host name, ...), so a
    play can gather it on a consuming node. That needs only os-brick there.
  - One connection per volume and host; a second run finds it and changes
    nothing.
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
    description: Name or id of the volume. Required unless O(gather_connector=true).
    type: str
  connector:
    description:
      - The connector of the host that will attach the volume, as returned by
        this module with O(gather_connector=true) on that host. Required
        unless O(gather_connector=true).
    type: dict
  state:
    description: V(present) connects, V(absent) terminates the connection.
    type: str
    choices: [present, absent]
    default: present
  include_secrets:
    description:
      - Return the connection's credentials (iSCSI CHAP passwords, Ceph
        keyrings) in RV(connection.conn_info). Without it they are masked,
        and M(openstack.cinderlib.cl_attach) cannot log in to a target that
        needs them.
      - Set C(no_log) on a task that asks for them.
    type: bool
    default: false
  gather_connector:
    description:
      - Only return RV(connector), the connector of this host.
    type: bool
    default: false
  multipath:
    description: With O(gather_connector), report the host as using multipath.
    type: bool
    default: false
  enforce_multipath:
    description: With O(multipath), fail if multipathd is not running.
    type: bool
    default: false
'''

EXAMPLES = r'''
- name: Gather the connector of each consuming node
  openstack.cinderlib.cl_connection:
    gather_connector: true
  register: node_connector

- name: Export data1 to node1 (on the storage host)
  openstack.cinderlib.cl_connection:
    backend: "{{ lvm_backend }}"
    volume: data1
    connector: "{{ hostvars['node1'].node_connector.connector }}"
    include_secrets: true
  no_log: true
  register: data1_on_node1

- name: Terminate the connection once node1 has detached
  openstack.cinderlib.cl_connection:
    backend: "{{ lvm_backend }}"
    volume: data1
    connector: "{{ hostvars['node1'].node_connector.connector }}"
    state: absent
'''

RETURN = r'''
connector:
  description: This host's connector (only with O(gather_connector=true)).
  returned: when gather_connector is true
  type: dict
  sample: {"host": "node1", "ip": "192.0.2.10", "initiator": "iqn.1993-08.org.debian:01:ab12", "multipath": false, "platform": "x86_64", "os_type": "linux"}
connection:
  description:
    - The connection after the task; its state before the task when it was
      terminated; in check mode, what the task would create.
  returned: unless gather_connector is true
  type: dict
  contains:
    id:
      description: The connection's id.
      type: str
    volume_id:
      description: The connected volume's id.
      type: str
    backend:
      description: The volume_backend_name of its backend.
      type: str
    status:
      description: V(attached) while the connection exists.
      type: str
    protocol:
      description: The transport (V(iscsi), V(rbd), V(fibre_channel), ...).
      type: str
    connector:
      description: The connector it was made for.
      type: dict
    attached_host:
      description: The host name in the connector.
      type: str
    conn_info:
      description:
        - What the host needs to attach the volume (Cinder's connection
          info); credentials masked unless O(include_secrets=true).
      type: dict
'''

from ansible_collections.openstack.cinderlib.plugins.module_utils import converge
from ansible_collections.openstack.cinderlib.plugins.module_utils.storage_module import StorageModule


def main():
    sm = StorageModule(
        argument_spec=dict(
            volume=dict(type='str'),
            connector=dict(type='dict'),
            state=dict(type='str', default='present',
                       choices=['present', 'absent']),
            include_secrets=dict(type='bool', default=False),
            gather_connector=dict(type='bool', default=False),
            multipath=dict(type='bool', default=False),
            enforce_multipath=dict(type='bool', default=False),
        ),
        required_if=[('gather_connector', False,
                      ('backend', 'volume', 'connector'))],
        backend_required=False,
        supports_check_mode=True,
    )
    task = (converge.gather_connector if sm.params['gather_connector']
            else converge.connection)
    sm.run(lambda: task(sm, sm.declaration()))


if __name__ == '__main__':
    main()
