# -*- coding: utf-8 -*-
# Copyright: contributors to the openstack.cinderlib collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""How records sit in the ``cl_*`` tables: what both SQL paths share.

The SQLAlchemy plugin (dbms) and the standard library's path over a SQLite
file (sqlite_reader) read the same rows.  This module holds what they share
and nothing that imports more than the standard library: a no-change task
reads its records through sqlite_reader alone, and compiles every module it
imports from source (Ansible ships them zipped), so dbms stays out of it.
"""

import json

# The schema dbms creates and migrates to, and the only one the standard
# library's path reads or writes.
SCHEMA_VERSION = 2

# Seconds to wait for another process's schema or name lock (MariaDB);
# SQLite waits as long for its write lock.
LOCK_TIMEOUT = 30

TABLES = {'volumes': 'cl_volumes', 'snapshots': 'cl_snapshots',
          'connections': 'cl_connections',
          'volume_types': 'cl_volume_types', 'key_values': 'cl_key_values'}


class RecordReads:
    """The resource reads of the contract, over ``_get(table, **filters)``
    (filters by column; None matches everything)."""

    def get_volumes(self, volume_id=None, volume_name=None, backend_name=None):
        return self._get('volumes', id=volume_id, name=volume_name,
                         backend=backend_name)

    def get_snapshots(self, snapshot_id=None, snapshot_name=None,
                      volume_id=None):
        return self._get('snapshots', id=snapshot_id, name=snapshot_name,
                         volume_id=volume_id)

    def get_connections(self, connection_id=None, volume_id=None):
        return self._get('connections', id=connection_id, volume_id=volume_id)

    def get_volume_types(self, type_id=None, type_name=None):
        return sorted(self._get('volume_types', id=type_id, name=type_name),
                      key=lambda record: record['name'])


def record_from_columns(columns):
    """The record a row's column values (a dict) hold."""
    columns.pop('updated_at', None)
    columns['data'] = json.loads(columns['data'])
    return columns
