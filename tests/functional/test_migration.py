# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Migrating the metadata of real resources to another persistence store,
as the documentation shows, then using them from a new process on it.

CL_FTESTS_MIGRATE_DB is the target URL (e.g. a PostgreSQL database);
default: a second SQLite file.
"""

import json
import os
import subprocess
import sys

from ansible_collections.openstack.cinderlib.plugins.module_utils import cinderlib as cl

import conftest
from test_backend import connector

TARGET_URL = os.environ.get('CL_FTESTS_MIGRATE_DB',
                            'sqlite:///%s/migrated.sqlite' % conftest.TMP)

USE_MIGRATED = r'''
import json, sys
from ansible_collections.openstack.cinderlib.plugins.module_utils import cinderlib as cl
locks, url, config, volume_id = [json.loads(arg) for arg in sys.argv[1:]]
cl.setup(file_locks_path=locks,
         persistence_config={'storage': 'db', 'connection': url})
cl.Backend(**config)
volume = cl.Volume.get_by_id(volume_id)
seen = [[s.id for s in volume.snapshots], [c.id for c in volume.connections]]
for connection in volume.connections:
    connection.disconnect()
for snapshot in volume.snapshots:
    snapshot.delete()
volume.delete()
print(json.dumps(seen))
'''


def records(persistence, volume_id):
    return (persistence.get_volumes(volume_id=volume_id),
            persistence.get_snapshots(volume_id=volume_id),
            persistence.get_connections(volume_id=volume_id))


def test_migrate_and_use(backend, volumes):
    volume = backend.create_volume(1, name='ftest-migrate')
    volumes.append(volume)
    snapshot = volume.create_snapshot()
    connection = volume.connect(connector())
    source = cl.Backend.persistence
    settings = cl.Backend.settings()
    source_config = settings.persistence_config
    before = records(source, volume.id)

    data = cl.dump()
    cl.Backend.set_persistence({'storage': 'db', 'connection': TARGET_URL})
    try:
        cl.load(data, save=True)
        target = cl.Backend.persistence
        assert records(target, volume.id) == before
    finally:
        cl.Backend.set_persistence({'storage': source})
        settings.persistence_config = source_config

    result = subprocess.run(
        [sys.executable, '-c', USE_MIGRATED] + [json.dumps(arg) for arg in (
            conftest.TMP, TARGET_URL, conftest.backend_config(backend.id),
            volume.id)], check=False, capture_output=True, text=True,
        timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    assert json.loads(result.stdout.strip().splitlines()[-1]) == [
        [snapshot.id], [connection.id]]
    assert records(target, volume.id) == ([], [], [])
    # Gone from the backend through the new store; the old store is as it
    # was: drop its records.
    assert records(source, volume.id) == before
    source.delete_connection(connection.id)
    source.delete_snapshot(snapshot.id)
    source.delete_volume(volume.id)
    for resource in (volume, snapshot, connection):
        type(resource)._live.pop(resource.id, None)
    volumes.remove(volume)
    assert conftest.backend_leftovers(backend) == []
