# -*- coding: utf-8 -*-
# Copyright: contributors to the openstack.cinderlib collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Record the ids of the volumes and snapshots the docs' playbooks return,
so that the docs test can tell which images on the shared Ceph pool are
theirs; enabled by tests/docs/test_docs.py only."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os

from ansible.plugins.callback import CallbackBase

DOCUMENTATION = '''
name: docs_ids
type: aggregate
short_description: record the resource ids the collection's modules return
description:
  - Appends the id of every volume and snapshot a task returns to the file
    named by the environment variable CL_DOCS_IDS.
requirements:
  - enabled in callbacks_enabled
'''


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'aggregate'
    CALLBACK_NAME = 'docs_ids'
    CALLBACK_NEEDS_ENABLED = True

    def _record(self, result):
        ids_file = os.environ.get('CL_DOCS_IDS')
        found = [value['id'] for value in (result.get('volume'),
                                           result.get('snapshot'))
                 if isinstance(value, dict) and value.get('id')]
        if ids_file and found:
            with open(ids_file, 'a') as out:
                out.write(''.join('%s\n' % found_id for found_id in found))

    def v2_runner_on_ok(self, result):
        self._record(result._result)

    v2_runner_item_on_ok = v2_runner_on_ok
