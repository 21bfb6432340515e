# -*- coding: utf-8 -*-
# Copyright: contributors to the openstack.cinderlib collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Write every task result (host, task, loop item, changed, failed,
message, time) as one JSON line to the file named by CL_MH_RESULTS; enabled by the multihost
tests only, which count the changed and failed results per task."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import os
import time

from ansible.plugins.callback import CallbackBase

DOCUMENTATION = '''
name: task_results
type: aggregate
short_description: every task result as a JSON line
description: Appends host, task, changed, failed, msg and seconds of every result to $CL_MH_RESULTS.
requirements:
  - enabled in callbacks_enabled
'''


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'aggregate'
    CALLBACK_NAME = 'task_results'
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self):
        super(CallbackModule, self).__init__()
        self._path = os.environ.get('CL_MH_RESULTS')
        self._started = {}

    def v2_runner_on_start(self, host, task):
        self._started[(host.get_name(), task._uuid)] = time.time()

    def _write(self, result, status, item=False):
        if not self._path:
            return
        host = result._host.get_name()
        task = result._task
        res = result._result
        if 'results' in res and not item:
            return      # a loop: its items were written one by one
        started = self._started.get((host, task._uuid))
        if not item:
            self._started.pop((host, task._uuid), None)
        line = {'host': host, 'task': task.get_name(), 'status': status,
                'item': res.get('_ansible_item_label', res.get('item')),
                'changed': bool(res.get('changed')),
                'failed': status in ('failed', 'unreachable'),
                'msg': res.get('msg'),
                'seconds': round(time.time() - started, 2) if started else None}
        with open(self._path, 'a') as out:
            out.write(json.dumps(line) + '\n')

    def v2_runner_on_ok(self, result):
        self._write(result, 'ok')

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._write(result, 'failed')

    def v2_runner_on_unreachable(self, result):
        self._write(result, 'unreachable')

    def v2_runner_on_skipped(self, result):
        self._write(result, 'skipped')

    def v2_runner_item_on_ok(self, result):
        self._write(result, 'ok', item=True)

    def v2_runner_item_on_failed(self, result):
        self._write(result, 'failed', item=True)

    def v2_runner_item_on_skipped(self, result):
        self._write(result, 'skipped', item=True)
