# -*- coding: utf-8 -*-
# Copyright: contributors to the openstack.cinderlib collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The options that declare one volume, as cl_volume takes them.

One owner, two users: cl_volume takes them as its own options, cl_volumes as
the options of each item of its ``volumes`` list, so an item means what a
cl_volume task means and Ansible refuses the same mistakes in both.
"""

VOLUME_OPTIONS = dict(
    name=dict(type='str'),
    id=dict(type='str'),
    state=dict(type='str', default='present', choices=['present', 'absent']),
    size=dict(type='int'),
    description=dict(type='str'),
    metadata=dict(type='dict'),
    pool_name=dict(type='str'),
    extra_specs=dict(type='dict'),
    qos_specs=dict(type='dict'),
    source_volume=dict(type='str'),
    source_snapshot=dict(type='str'),
    existing_ref=dict(type='dict'),
    keep_on_backend=dict(type='bool', default=False),
    cascade=dict(type='bool', default=False),
    volume_type=dict(type='str'),
    multiattach=dict(type='bool'),
)
# Options of cl_volume alone: actions, which are done each time a task asks
# for them rather than states a volume is found in, so they have no place
# in a declaration of many volumes (docs/bulk.md).
VOLUME_ACTION_OPTIONS = dict(
    revert_to_snapshot=dict(type='str'),
)
VOLUME_REQUIRED_ONE_OF = [('name', 'id')]
VOLUME_MUTUALLY_EXCLUSIVE = [('source_volume', 'existing_ref'),
                             ('source_snapshot', 'existing_ref'),
                             ('volume_type', 'extra_specs'),
                             ('volume_type', 'qos_specs')]


def volume_declaration(values):
    """A complete declaration from one item: options not given (or given as
    null, as a template yielding nothing gives them) take their defaults,
    as they do for cl_volume's own options (ansible_module.py)."""
    declaration = {}
    for option, spec in VOLUME_OPTIONS.items():
        value = values.get(option)
        declaration[option] = spec.get('default') if value is None else value
    return declaration
