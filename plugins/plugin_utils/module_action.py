# -*- coding: utf-8 -*-
# Copyright: contributors to the openstack.cinderlib collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The controller side of every module of the collection.

The modules run as ``ansible.builtin.normal`` runs any module; this class
only pauses Python's cyclic garbage collector in the task's worker process
while it does.  Why: once per playbook run, Ansible builds each module's
payload by parsing the source of every module_utils file it can reach
(about 400 KB for the storage modules, the whole core).  Each parse makes
hundreds of thousands of AST objects, and every collection the cycle
collector then runs walks them again, in the controller's large forked heap:
measured on the Ceph lab, the collector was half of the build, 0.4 of the
0.9 s a one-task playbook paid for cl_volumes (tests/benchmark:
``scripts/benchmark.sh bulk`` and ``modules``; docs/architecture.md).  Those objects form no
cycles: reference counting frees them, so nothing grows while it is paused.
The worker runs one task and exits; the collector is resumed either way.
"""

import gc

from ansible.plugins.action.normal import ActionModule as NormalAction


class ActionModule(NormalAction):
    """Run the module as the normal action does, collector paused."""

    def run(self, tmp=None, task_vars=None):
        was_enabled = gc.isenabled()
        gc.disable()
        try:
            return super().run(tmp, task_vars)
        finally:
            if was_enabled:
                gc.enable()
