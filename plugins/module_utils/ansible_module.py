# -*- coding: utf-8 -*-
# Copyright: contributors to the openstack.cinderlib collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The module base every module of the collection is built on.

``CollectionModule`` wraps Ansible's module: it checks dependencies
(``require`` -> ``missing_required_lib``), runs the module's task, and is
the one place that ends it: a ``results.Result`` becomes ``exit_json``,
every error one ``fail_json`` (``run``).

``AnsibleModule``: an option given as null counts as an option not given.
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

import importlib.util
import traceback

from ansible.module_utils import basic

from ansible_collections.openstack.cinderlib.plugins.module_utils import errors
from ansible_collections.openstack.cinderlib.plugins.module_utils.results import Refused

# Python packages by import name, as pip names them.
PACKAGES = {
    'cinder': 'cinder>=29,<30', 'os_brick': 'os-brick',
    'oslo_config': 'oslo.config', 'sqlalchemy': 'SQLAlchemy>=2.0',
    'tooz': 'tooz',
}


class AnsibleModule(basic.AnsibleModule):

    def _load_params(self):
        super()._load_params()
        names = set(self.argument_spec)
        for spec in self.argument_spec.values():
            names.update(spec.get('aliases') or ())
        for name in [key for key, value in self.params.items()
                     if value is None and key in names]:
            del self.params[name]


def require(*import_names):
    """Refuse, naming the package to install, if one is missing."""
    for name in import_names:
        if importlib.util.find_spec(name) is None:
            raise Refused(basic.missing_required_lib(PACKAGES[name]))


class CollectionModule:
    """An AnsibleModule, a task to run, and the one way a task ends.

    ``missing_library``: the pip name to report when the task raises
    errors.MissingDependency (cl_attach: os-brick); None reports the
    error's own message (a driver's library, named by the core).
    ``unexpected``: the message format of an unexpected exception (its
    type, its text); the traceback goes to ``exception``.
    """

    unexpected = 'unexpected %s: %s'
    missing_library = None

    def __init__(self, argument_spec, **kwargs):
        self.module = AnsibleModule(argument_spec=argument_spec, **kwargs)
        self.params = self.module.params
        self.check_mode = self.module.check_mode

    require = staticmethod(require)

    def run(self, task):
        """Run ``task()`` (it returns a Result) and end the task with it."""
        try:
            result = task()
        except Refused as exc:
            self.module.fail_json(msg=exc.msg, **exc.result)
        except errors.MissingDependency as exc:
            if self.missing_library is None:
                self.module.fail_json(msg=str(exc))
            self.module.fail_json(msg=basic.missing_required_lib(
                self.missing_library))
        except errors.CinderlibError as exc:
            self.module.fail_json(msg=str(exc))
        except Exception as exc:
            self.module.fail_json(msg=self.unexpected % (
                type(exc).__name__, exc), exception=traceback.format_exc())
        self.exit(result)

    def exit(self, result):
        for warning in result.warnings:
            self.module.warn(warning)
        values = dict(result.values)
        if self.module._diff and result.diff is not None:
            values['diff'] = result.diff
        self.module.exit_json(changed=result.changed, **values)
