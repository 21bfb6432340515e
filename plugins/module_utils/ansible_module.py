# -*- coding: utf-8 -*-
# Copyright: contributors to the openstack.cinderlib collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The AnsibleModule every module of the collection is built on: an option
given as null counts as an option not given.

Since ansible-core 2.19 a template that yields nothing
(``state: "{{ item.state | default(none) }}"``, a variable set to null)
passes None to the module, where older releases passed ''.  Ansible's own
argument validation then applies no default to it: a bool or int option
fails to convert, a str option with a default becomes '' (an empty
``root_helper`` would silently mean no helper at all, an empty ``state`` a
choices error), and a null ``persistence`` conflicts with ``db_url``.  Here
null is simply "not set", on 2.19, 2.20 and 2.21 alike: defaults apply,
required options are reported missing by name.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible.module_utils import basic


class AnsibleModule(basic.AnsibleModule):

    def _load_params(self):
        super(AnsibleModule, self)._load_params()
        names = set(self.argument_spec)
        for spec in self.argument_spec.values():
            names.update(spec.get('aliases') or ())
        for name in [key for key, value in self.params.items()
                     if value is None and key in names]:
            del self.params[name]
