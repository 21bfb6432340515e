# -*- coding: utf-8 -*-
# Copyright: contributors to the openstack.cinderlib collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Print how long each task took (the e2e test reports the cost of a task
on the emulated guest); enabled by tests/e2e/run.sh only."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import time

from ansible.plugins.callback import CallbackBase

DOCUMENTATION = '''
name: task_timer
type: aggregate
short_description: print each task's wall time
description: Prints the wall time of every task when it ends.
requirements:
  - enabled in callbacks_enabled
'''


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'aggregate'
    CALLBACK_NAME = 'task_timer'
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self):
        super(CallbackModule, self).__init__()
        self._started = time.time()

    def v2_playbook_on_task_start(self, task, is_conditional):
        self._started = time.time()

    v2_playbook_on_handler_task_start = v2_playbook_on_task_start

    def _took(self, result, *args, **kwargs):
        self._display.display('  took %.1f s' % (time.time() - self._started))

    v2_runner_on_ok = v2_runner_on_failed = v2_runner_on_skipped = _took
    v2_runner_on_unreachable = _took
