# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Snapshots with the fake driver: failures.

Moved from test_core.py (issue 12: tests mirror the layout).
"""

import pytest

from ansible_collections.openstack.cinderlib.plugins.module_utils import cinderlib as cl


def test_snapshot_failure_cleans_up(backend):
    from cinder import exception
    volume = backend.create_volume(1)
    backend.driver.fail_next['create_snapshot'] = \
        exception.VolumeBackendAPIException(data='snap failed')
    with pytest.raises(cl.errors.BackendError, match='snap failed'):
        volume.create_snapshot()
    assert volume.snapshots == []
    assert cl.Backend.persistence.get_snapshots(volume_id=volume.id) == []
