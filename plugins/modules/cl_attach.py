#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to the openstack.cinderlib collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r'''
module: cl_attach
short_description: Attach a connected volume on the node that uses it
version_added: 0.1.0
description:
  - Runs on the consuming node with the connection that
    M(openstack.cinderlib.cl_connection) returned on the storage side, and
    attaches the volume there through os-brick (iSCSI login, FC scan, ...),
    returning the block device path. O(state=absent) detaches it.
  - The node needs os-brick only; no Cinder, no database, no backend
    options. Everything the attach needs travels in O(connection).
  - An attached volume is recognised and not attached twice.
  - Run it with C(become) (or as root), since attaching needs root;
    otherwise O(root_helper) is used.
author:
  - openstack.cinderlib contributors (@openstack-cinderlib)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
  diff_mode:
    support: none
  platform:
    platforms: posix
options:
  connection:
    description:
      - The RV(openstack.cinderlib.cl_connection#module:connection) returned
        by M(openstack.cinderlib.cl_connection) for this node. To log in to
        targets that need credentials (such as the LVM driver's iSCSI CHAP),
        that task must set
        O(openstack.cinderlib.cl_connection#module:include_secrets=true).
      - With O(size) or O(rescan), a connection with masked credentials
        will do for a volume that is already attached on this node, since a
        rescan logs in to nothing.
    type: dict
    required: true
  state:
    description: V(present) attaches, V(absent) detaches.
    type: str
    choices: [present, absent]
    default: present
  root_helper:
    description: Command that runs os-brick's privileged commands when not root.
    type: str
    default: sudo
  use_multipath:
    description: Attach through multipath (multipathd must run).
    type: bool
    default: false
  size:
    description:
      - The volume's size in GiB (as M(openstack.cinderlib.cl_volume)
        returns it after growing it). With O(state=present) and the volume
        attached, a device smaller than this is rescanned through os-brick
        (C(extend_volume) of the connector), and the task fails if it is
        still smaller afterwards.
    type: int
  rescan:
    description:
      - Rescan the attached device through os-brick whatever its size;
        C(changed) only if its size changed.
    type: bool
    default: false
requirements:
  - python >= 3.11
  - os-brick
  - the node's initiator tools (open-iscsi and lsscsi for iSCSI, ...)
notes:
  - Detach before terminating the connection on the storage side.
'''

EXAMPLES = r'''
- name: Attach data1 on node1
  openstack.cinderlib.cl_attach:
    connection: "{{ data1_on_node1.connection }}"
  delegate_to: node1
  become: true
  no_log: true
  register: attached

- name: Detach it
  openstack.cinderlib.cl_attach:
    connection: "{{ data1_on_node1.connection }}"
    state: absent
  delegate_to: node1
  become: true
  no_log: true
'''

RETURN = r'''
size_bytes:
  description:
    - The size of the device on this node after a grow (O(size) or
      O(rescan)).
  returned: when O(size) or O(rescan) is set and the volume is attached
  type: int
  sample: 2147483648
path:
  description:
    - The block device of the volume on this node (after an attach), or
      the one that was detached.
  returned: when attached or detached
  type: str
  sample: /dev/disk/by-path/ip-192.0.2.5:3260-iscsi-iqn.2010-10.org.openstack:volume-0f7e0a04-lun-0
'''

from ansible_collections.openstack.cinderlib.plugins.module_utils import attach
from ansible_collections.openstack.cinderlib.plugins.module_utils.ansible_module import CollectionModule
from ansible_collections.openstack.cinderlib.plugins.module_utils.results import Refused, Result


class AttachModule(CollectionModule):
    unexpected = 'attach failed: %s: %s'
    missing_library = 'os-brick'


def main():
    module = AttachModule(
        argument_spec=dict(
            connection=dict(type='dict', required=True),
            state=dict(type='str', default='present',
                       choices=['present', 'absent']),
            root_helper=dict(type='str', default='sudo'),
            use_multipath=dict(type='bool', default=False),
            size=dict(type='int'),
            rescan=dict(type='bool', default=False),
        ),
        supports_check_mode=True,
    )
    params = module.params

    def task():
        grow = params['size'] is not None or params['rescan']
        if grow and params['state'] != 'present':
            raise Refused('size and rescan apply to an attached volume: use '
                          'them with state=present, or leave them out to '
                          'detach')
        if grow and attach.masked_keys(params['connection']):
            # A rescan logs in to nothing: without the credentials, the
            # volume must already be attached (grow_attached says so).
            changed, path = False, None
        else:
            changed, path = attach.attachment(
                params['connection'], params['state'], params['root_helper'],
                params['use_multipath'], module.check_mode)
        if not grow or (changed and module.check_mode):
            # (Check mode: a device attached only by a real run has the
            # volume's current size.)
            return Result(changed, path=path)
        grew, path, size_bytes = attach.grow_attached(
            params['connection'], params['size'], params['rescan'],
            params['root_helper'], params['use_multipath'], module.check_mode)
        return Result(changed or grew, path=path, size_bytes=size_bytes)
    module.run(task)


if __name__ == '__main__':
    main()
