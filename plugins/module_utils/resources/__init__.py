# -*- coding: utf-8 -*-
# Copyright: contributors to the openstack.cinderlib collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Volumes, snapshots and connections: the Cinder objects a driver acts on;
and the named volume types volumes share.

base.py holds what they share (persistence, statuses, driver calls, crash
recovery); one module per kind (volume_day2.py: what volumes add for day-2 operations); manageable.py lists what the storage holds
that could be managed.  Existing storage objects are brought under
management with ``Backend.manage_volume`` and ``Volume.manage_snapshot``.
"""

from ansible_collections.openstack.cinderlib.plugins.module_utils.resources.base import Resource  # noqa: F401
from ansible_collections.openstack.cinderlib.plugins.module_utils.resources.connection import Connection  # noqa: F401
from ansible_collections.openstack.cinderlib.plugins.module_utils.resources.snapshot import Snapshot  # noqa: F401
from ansible_collections.openstack.cinderlib.plugins.module_utils.resources.volume import Volume  # noqa: F401
from ansible_collections.openstack.cinderlib.plugins.module_utils.resources.volume_type import VolumeType  # noqa: F401
