# -*- coding: utf-8 -*-
# Copyright: contributors to the openstack.cinderlib collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run a Python example from docs/ as a script: ``python harness.py FILE``.

Before the example runs, every resource it saves has its id appended to the
file named by CL_DOCS_IDS, so that the docs test can tell which images on
the shared Ceph pool are the examples' own.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import runpy
import sys

from ansible_collections.openstack.cinderlib.plugins.module_utils import resources


def record_saved_ids(ids_file):
    save = resources.Resource._save

    def recording(resource):
        with open(ids_file, 'a') as out:
            out.write('%s\n' % resource.id)
        save(resource)
    resources.Resource._save = recording


def main():
    path = sys.argv[1]
    record_saved_ids(os.environ['CL_DOCS_IDS'])
    sys.argv = [path]
    runpy.run_path(path, run_name='__main__')


if __name__ == '__main__':
    main()
