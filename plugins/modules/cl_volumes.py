#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to the openstack.cinderlib collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r'''
module: cl_volumes
short_description: Converge a whole set of declared volumes in one task
version_added: 0.2.0
description:
  - Takes a list of volume declarations, each with the options of
    M(openstack.cinderlib.cl_volume) and the same meaning, and converges them
    all in one process, with one Cinder load and one driver set-up, instead
    of one module run per item of a C(loop).
  - Items made from another declared volume (a clone of it, a volume from one
    of its snapshots) are converged after it. A cycle, a missing source or a
    volume declared twice refuses the whole task before anything changes.
  - Independent items are converged in parallel, at most O(workers) at a
    time, under the same per-volume locks as M(openstack.cinderlib.cl_volume),
    so a bulk task and single-volume tasks on other hosts can run at once.
  - With O(purge), managed volumes of the backend that are not declared and
    match O(purge_scope) are deleted, after every declared item.
  - When an item fails, the others still converge, and the items made from it
    are not attempted; the task then fails with one line per item that did
    not converge and returns the results of all. A re-run converges the rest.
  - A declaration that changes nothing is answered from the database alone,
    without loading Cinder or the driver.
  - Runs on the host that manages the storage (it loads the driver there).
author:
  - openstack.cinderlib contributors (@openstack-cinderlib)
extends_documentation_fragment:
  - openstack.cinderlib.backend
  - openstack.cinderlib.backend.attributes
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.actiongroups
attributes:
  check_mode:
    support: full
    details: Lists what would be created, changed and purged; changes nothing.
  diff_mode:
    support: full
    details: Before and after of every item that changes, keyed by its name.
options:
  volumes:
    description:
      - The declared volumes. Each item takes the per-volume options of
        M(openstack.cinderlib.cl_volume), with the same meaning, defaults and
        refusals.
      - An item refers to another declared volume by its name or id in
        O(volumes[].source_volume).
      - O(openstack.cinderlib.cl_volume#module:revert_to_snapshot) is not
        taken, since it is an action done each time it is asked for, not a
        state a volume is found in; revert with
        M(openstack.cinderlib.cl_volume).
    type: list
    elements: dict
    required: true
    suboptions:
      name:
        description:
          - As O(openstack.cinderlib.cl_volume#module:name). Required unless
            O(volumes[].id) is given; unique within the list.
        type: str
      id:
        description: As O(openstack.cinderlib.cl_volume#module:id).
        type: str
      state:
        description: As O(openstack.cinderlib.cl_volume#module:state).
        type: str
        choices: [present, absent]
        default: present
      size:
        description: As O(openstack.cinderlib.cl_volume#module:size).
        type: int
      description:
        description: As O(openstack.cinderlib.cl_volume#module:description).
        type: str
      metadata:
        description:
          - As O(openstack.cinderlib.cl_volume#module:metadata).
          - With O(purge), declared volumes are never purged; give them the
            pairs of O(purge_scope.metadata), so that a volume taken out of
            the list later is purged by the next run.
        type: dict
      pool_name:
        description: As O(openstack.cinderlib.cl_volume#module:pool_name).
        type: str
      extra_specs:
        description:
          - As O(openstack.cinderlib.cl_volume#module:extra_specs); different
            extra specs on an existing volume retype it, as cl_volume does.
        type: dict
      qos_specs:
        description:
          - As O(openstack.cinderlib.cl_volume#module:qos_specs); different
            QoS specs on an existing volume retype it.
        type: dict
      volume_type:
        description:
          - As O(openstack.cinderlib.cl_volume#module:volume_type), a named
            type defined with M(openstack.cinderlib.cl_volume_type); another
            type on an existing volume retypes it.
          - A type that is not defined, or that contradicts
            O(volumes[].multiattach), refuses the whole task before anything
            changes, naming the item and the type.
          - Mutually exclusive with O(volumes[].extra_specs) and
            O(volumes[].qos_specs).
        type: str
      multiattach:
        description:
          - As O(openstack.cinderlib.cl_volume#module:multiattach). Refused
            for the item (the others still converge) when the backend's stats
            do not report multiattach support.
        type: bool
      source_volume:
        description:
          - As O(openstack.cinderlib.cl_volume#module:source_volume).
          - When it names another item of O(volumes), that item is converged
            first.
        type: str
      source_snapshot:
        description:
          - As O(openstack.cinderlib.cl_volume#module:source_snapshot).
          - A snapshot of a declared volume is named with that volume in
            O(volumes[].source_volume); the snapshot must exist (take it
            with M(openstack.cinderlib.cl_snapshot)), so its volume cannot
            be one this task creates.
        type: str
      existing_ref:
        description: As O(openstack.cinderlib.cl_volume#module:existing_ref).
        type: dict
      keep_on_backend:
        description: As O(openstack.cinderlib.cl_volume#module:keep_on_backend).
        type: bool
        default: false
      cascade:
        description: As O(openstack.cinderlib.cl_volume#module:cascade).
        type: bool
        default: false
  purge:
    description:
      - Delete the managed volumes of the backend that are not in O(volumes)
        and match O(purge_scope), after every declared item has converged.
      - Refused without O(purge_scope). A volume with snapshots or
        connections is not purged (that item fails, naming them).
    type: bool
    default: false
  purge_scope:
    description:
      - Which undeclared volumes O(purge) may delete; a volume must match
        every condition given.
    type: dict
    suboptions:
      metadata:
        description:
          - Key/value pairs a volume's metadata must all hold (values
            compared as strings), typically a key that marks the volumes
            this declaration owns.
        type: dict
      name_prefix:
        description: The start of the volume's name.
        type: str
  workers:
    description:
      - How many items converge at once. Items made from another declared
        volume wait for it whatever this says.
      - The default comes from measurement on a one-node Ceph (see the
        collection's docs/bulk.md); a remote array with a slower control
        path may gain from more.
    type: int
    default: 4
notes:
  - Use M(openstack.cinderlib.cl_volume) for one volume or a few, and when
    each needs its own C(when), C(register) or C(notify); use this module
    for a set of volumes declared as data.
seealso:
  - module: openstack.cinderlib.cl_volume
  - module: openstack.cinderlib.cl_snapshot
'''

EXAMPLES = r'''
- name: The volumes of team-a, as declared in group_vars
  openstack.cinderlib.cl_volumes:
    backend: "{{ ceph_backend }}"
    volumes:
      - name: data1
        size: 10
        metadata: {owner: team-a}
      - name: data1-copy
        source_volume: data1
        size: 20
        metadata: {owner: team-a}
      - name: scratch
        size: 5
        metadata: {owner: team-a}

- name: Exactly these volumes for team-a; any other volume of team-a goes
  openstack.cinderlib.cl_volumes:
    volumes: "{{ team_a_volumes }}"
    purge: true
    purge_scope:
      metadata: {owner: team-a}
  check_mode: true
  register: would

- name: What a purge would delete
  ansible.builtin.debug:
    msg: "{{ would.purged | map(attribute='name') | list }}"

- name: Two volumes of the named type gold, and one several hosts connect at once
  openstack.cinderlib.cl_volumes:
    volumes:
      - name: db1
        size: 20
        volume_type: gold
      - name: db2
        size: 20
        volume_type: gold
      - name: cluster-disk
        size: 10
        multiattach: true

- name: Items built from a CMDB export, eight at a time
  openstack.cinderlib.cl_volumes:
    volumes: "{{ cmdb_volumes | map('combine', {'metadata': {'cmdb': 'yes'}}) }}"
    workers: 8
'''

RETURN = r'''
volumes:
  description:
    - One entry per item of O(volumes), in the same order.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: The item's name.
      type: str
    id:
      description: The volume's id, when declared or known.
      type: str
    state:
      description: The declared state.
      type: str
    changed:
      description: Whether the item changed (or, in check mode, would).
      type: bool
    failed:
      description: Whether the item did not converge.
      type: bool
    skipped:
      description:
        - Whether it was not attempted because a volume it is made from did
          not converge.
      type: bool
    operations:
      description: What happened to it, as counted in RV(summary) (V(created),
        V(grown), V(relabelled), V(retyped), V(deleted), V(unchanged),
        V(failed)).
      type: list
      elements: str
    msg:
      description: Why it did not converge.
      type: str
      returned: when failed
    volume:
      description: The volume, as M(openstack.cinderlib.cl_volume) returns it
        in RV(openstack.cinderlib.cl_volume#module:volume).
      type: dict
    diff:
      description: The item's before and after, as cl_volume's diff.
      type: dict
      returned: when changed
    warnings:
      description: Warnings about this item.
      type: list
      elements: str
      returned: when there are any
purged:
  description:
    - The volumes O(purge) deleted (in check mode, would delete), with the
      same keys as RV(volumes).
  returned: always
  type: list
  elements: dict
summary:
  description: How many items were created, grown, relabelled, retyped
    (another volume type, extra specs, QoS specs or multiattach), deleted
    (including purged), found unchanged, or did not converge. An item both
    grown and relabelled counts in both.
  returned: always
  type: dict
  sample: {created: 3, grown: 1, relabelled: 0, retyped: 1, deleted: 2,
           unchanged: 93, failed: 0}
failures:
  description:
    - "One line per item that did not converge: its name, the operation and
      the message, as in C(data2: create: source_volume data2-base not found);
      the task's C(msg) lists the same lines."
  returned: always
  type: list
  elements: str
  sample: ["data2-copy: create: source_volume data2 not found on backend ceph"]
'''

from ansible_collections.openstack.cinderlib.plugins.module_utils import bulk
from ansible_collections.openstack.cinderlib.plugins.module_utils.storage_module import StorageModule
from ansible_collections.openstack.cinderlib.plugins.module_utils.volume_spec import (
    VOLUME_MUTUALLY_EXCLUSIVE, VOLUME_OPTIONS, VOLUME_REQUIRED_ONE_OF)


def main():
    sm = StorageModule(
        argument_spec=dict(
            volumes=dict(type='list', elements='dict', required=True,
                         options=VOLUME_OPTIONS,
                         required_one_of=VOLUME_REQUIRED_ONE_OF,
                         mutually_exclusive=VOLUME_MUTUALLY_EXCLUSIVE),
            purge=dict(type='bool', default=False),
            purge_scope=dict(type='dict', options=dict(
                metadata=dict(type='dict'),
                name_prefix=dict(type='str'))),
            workers=dict(type='int', default=bulk.DEFAULT_WORKERS),
        ),
        supports_check_mode=True,
    )
    sm.run(lambda: bulk.volumes(sm, sm.declaration()))


if __name__ == '__main__':
    main()
