# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Migrating metadata between persistence plugins, as the documentation
shows: dump, set_persistence, load with save=True.

SQLite to PostgreSQL and MariaDB run when CL_TEST_PG_URL /
CL_TEST_MYSQL_URL are set (scripts/test.sh sets them); only the records
the test creates are compared and removed there.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os

import pytest

from ansible_collections.openstack.cinderlib.plugins.module_utils import cinderlib as cl

from core_helpers import forget_live

TARGETS = {'sqlite': None, 'postgresql': os.environ.get('CL_TEST_PG_URL'),
           'mariadb': os.environ.get('CL_TEST_MYSQL_URL')}


@pytest.fixture
def restore_persistence():
    settings = cl.Backend.settings()
    plugin, config = cl.Backend.persistence, settings.persistence_config
    yield
    cl.Backend.set_persistence({'storage': plugin})
    settings.persistence_config = config


def records_of(persistence, volume_ids):
    """Our records in a plugin, in a comparable form."""
    found = {}
    for volume_id in volume_ids:
        found[volume_id] = (
            persistence.get_volumes(volume_id=volume_id),
            sorted(persistence.get_snapshots(volume_id=volume_id),
                   key=lambda record: record['id']),
            persistence.get_connections(volume_id=volume_id))
    return found


@pytest.mark.parametrize('target', sorted(TARGETS))
def test_migrate_everything(backend, tmp_path, restore_persistence, target):
    if target != 'sqlite' and not TARGETS[target]:
        pytest.skip('set CL_TEST_%s_URL to migrate to %s' % (
            'PG' if target == 'postgresql' else 'MYSQL', target))
    target_url = TARGETS[target] or 'sqlite:///%s' % (tmp_path / 'to.db')
    cl.Backend.set_persistence({'storage': 'db', 'connection': 'sqlite:///%s'
                                % (tmp_path / 'from.db')})
    source = cl.Backend.persistence
    volume = backend.create_volume(2, name='data', extra_specs={'a': 'b'})
    snapshot = volume.create_snapshot(name='daily')
    clone = volume.clone()
    connection = volume.connect({'host': 'n1'})
    key = 'migrate-%s' % backend.id
    source.set_key_value(cl.KeyValue(key, 'driver state'))
    ids = [volume.id, clone.id]
    before = records_of(source, ids)

    data = cl.dump()
    cl.Backend.set_persistence({'storage': 'db', 'connection': target_url})
    migrated = cl.Backend.persistence
    assert cl.Backend.settings().persistence_config['connection'] == \
        target_url
    backends = cl.load(data, save=True)

    assert backend in backends
    assert records_of(migrated, ids) == before
    assert migrated.get_key_values(key) == [cl.KeyValue(key, 'driver state')]
    # A new process (no live objects) works from the new store alone.
    forget_live(volume, snapshot, clone, connection)
    del volume, snapshot, clone, connection
    backend._volumes = None
    volume = cl.Volume.get_by_id(ids[0])
    assert volume.extra_specs == {'a': 'b'}
    for conn in list(volume.connections):
        conn.disconnect()
    for snap in list(volume.snapshots):
        snap.delete()
    for vol in list(backend.volumes):
        vol.delete()
    migrated.delete_key_value(key)
    assert records_of(migrated, ids) == {vid: ([], [], []) for vid in ids}
    # The source store is left as it was.
    assert records_of(source, ids) == before


def test_bad_new_persistence_changes_nothing(restore_persistence):
    current = cl.Backend.persistence
    config = cl.Backend.settings().persistence_config
    with pytest.raises(cl.errors.InvalidConfiguration, match='connection'):
        cl.Backend.set_persistence({'storage': 'db'})
    assert cl.Backend.persistence is current
    assert cl.Backend.settings().persistence_config == config
