# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Our plugins against the conformance suite: memory, memory_db, the db
plugin on a new and on an existing SQLite file, PostgreSQL and MariaDB.

PostgreSQL and MariaDB run when CL_TEST_PG_URL / CL_TEST_MYSQL_URL are set
(scripts/test.sh sets them after making sure the servers run).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os

import pytest

from ansible_collections.openstack.cinderlib.plugins.module_utils import persistence

from persistence_conformance import PersistenceConformance

URLS = {'postgresql': os.environ.get('CL_TEST_PG_URL'),
        'mariadb': os.environ.get('CL_TEST_MYSQL_URL')}


def _empty(plugin):
    for table in ('volumes', 'snapshots', 'connections'):
        for record in getattr(plugin, 'get_' + table)():
            getattr(plugin, 'delete_' + table[:-1])(record)
    for kv in plugin.get_key_values():
        plugin.delete_key_value(kv)
    return plugin


@pytest.fixture(params=['memory', 'memory_db', 'sqlite', 'sqlite_existing',
                        'postgresql', 'mariadb'])
def plugin(request, tmp_path):
    kind = request.param
    if kind in ('memory', 'memory_db'):
        url = None
    elif kind.startswith('sqlite'):
        url = 'sqlite:///%s' % (tmp_path / 'cl.sqlite')
        if kind == 'sqlite_existing':
            # A file with the schema: written with the standard library.
            persistence.setup({'storage': 'db', 'connection': url}).close()
    else:
        url = URLS[kind]
        if not url:
            pytest.skip('set CL_TEST_%s_URL to test %s' % (
                'PG' if kind == 'postgresql' else 'MYSQL', kind))
    plugin = persistence.setup({'storage': 'db', 'connection': url} if url
                               else {'storage': kind})
    yield _empty(plugin)
    _empty(plugin)
    plugin.close()


class TestOurPlugins(PersistenceConformance):
    pass
