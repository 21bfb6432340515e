# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""cinder_service.driver_checks: the checks around a delete, chosen by the
driver's class, with stand-ins for an RBD driver and its open image (real
RBD deletes are in tests/functional)."""

import pytest

from ansible_collections.openstack.cinderlib.plugins.module_utils import errors
from ansible_collections.openstack.cinderlib.plugins.module_utils.cinder_service import driver_checks

# A class that the checks take for Cinder's RBD driver, by its path.
RBDLike = type('RBDDriver', (), {'__module__': 'cinder.volume.drivers.rbd'})


class Volume:
    id, name = 'v1', 'volume-v1'


class OpenImage:
    def __init__(self, name, snapshots):
        self._name, self._snapshots = name, snapshots

    def get_name(self):
        return self._name

    def list_snaps(self):
        return [{'name': name} for name in self._snapshots]


class RBDStandIn(RBDLike):
    """What the RBD checks wrap: the driver's first look at the open image,
    and its move to the trash."""

    def __init__(self):
        self.calls = []

    def _delete_backup_snaps(self, image, *args):
        self.calls.append(('delete_backup_snaps', image.get_name()))

    def _move_volume_to_trash(self, ioctx, name, *args):
        self.calls.append(('trash', name))


class OtherDriver:
    pass


def test_other_drivers_are_trusted():
    assert driver_checks.check_deletable(OtherDriver(), Volume()) == {}
    assert driver_checks.check_deleted(OtherDriver(), Volume(), {}) is None


def test_rbd_check_runs_in_the_drivers_own_look_at_the_image():
    driver = RBDStandIn()
    state = driver_checks.check_deletable(driver, Volume())
    assert state == {'volume_id': 'v1', 'snapshots': [], 'has_clones': False}
    # The driver's own snapshots (backups', the clone snapshot) are its own.
    driver._delete_backup_snaps(OpenImage('volume-v1', [
        'backup.1.snap', 'volume-v1.clone_snap']))
    assert state == {'volume_id': 'v1', 'snapshots': [], 'has_clones': True}
    assert driver.calls == [('delete_backup_snaps', 'volume-v1')]


def test_rbd_snapshots_of_others_refuse_before_the_driver_acts():
    driver = RBDStandIn()
    driver_checks.check_deletable(driver, Volume())
    with pytest.raises(errors.InvalidInput,
                       match=r'^volume v1 has 2 snapshot\(s\) on the backend '
                             r'\(a, b\) that this process does not know of'):
        driver._delete_backup_snaps(OpenImage('volume-v1', ['b', 'a']))
    assert driver.calls == []


def test_rbd_checks_arm_once_and_only_for_the_volume_deleted():
    driver = RBDStandIn()
    driver_checks.check_deletable(driver, Volume())
    driver_checks.check_deletable(driver, Volume())
    # Another image the driver opens (a parent) is not checked.
    driver._delete_backup_snaps(OpenImage('volume-parent', ['user-snap']))
    driver._move_volume_to_trash(None, 'volume-v1')
    assert driver.calls == [('delete_backup_snaps', 'volume-parent'),
                            ('trash', 'volume-v1')]
    assert driver._cinderlib_trashed == {'volume-v1'}


def test_rbd_delete_neither_trashed_nor_renamed_asks_nothing(backend):
    driver = RBDStandIn()
    state = driver_checks.check_deletable(driver, Volume())
    assert driver_checks.check_deleted(driver, Volume(), state) is None
    assert driver._cinderlib_delete_checks == {}
