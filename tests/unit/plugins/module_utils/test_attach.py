# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The node side of growing an attached volume (attach.grow_attached),
with a file standing for the device and a connector that grows it."""

import pytest

from ansible_collections.openstack.cinderlib.plugins.module_utils import attach
from ansible_collections.openstack.cinderlib.plugins.module_utils import errors

GiB = attach.GiB


class GrowingConnector(object):
    """os-brick's connector interface: the device grows on extend_volume,
    as the SCSI rescan makes it."""

    def __init__(self, path, grows_to):
        self.path, self.grows_to, self.calls = path, grows_to, 0

    def get_volume_paths(self, data):
        return [self.path]

    def extend_volume(self, data):
        self.calls += 1
        with open(self.path, 'r+b') as f:
            f.truncate(self.grows_to)
        return self.grows_to


CONNECTION = {'protocol': 'iscsi', 'conn_info': {
    'driver_volume_type': 'iscsi', 'data': {'target_lun': 0}}}


@pytest.fixture
def device(tmp_path):
    path = tmp_path / 'sdb'
    with open(path, 'wb') as f:
        f.truncate(1 * GiB)
    return str(path)


def test_smaller_device_is_rescanned(device):
    brick = GrowingConnector(device, 2 * GiB)
    assert attach.grow_attached(CONNECTION, size=2, brick=brick) == (
        True, device, 2 * GiB)
    # Already the volume's size: nothing to do.
    assert attach.grow_attached(CONNECTION, size=2, brick=brick) == (
        False, device, 2 * GiB)
    assert brick.calls == 1


def test_check_mode_reports_without_rescanning(device):
    brick = GrowingConnector(device, 2 * GiB)
    assert attach.grow_attached(CONNECTION, size=2, check_mode=True,
                                brick=brick) == (True, device, GiB)
    assert brick.calls == 0


def test_rescan_forced_changes_only_when_it_grew(device):
    brick = GrowingConnector(device, GiB)
    assert attach.grow_attached(CONNECTION, rescan=True, brick=brick) == (
        False, device, GiB)
    assert brick.calls == 1


def test_still_smaller_after_rescan_is_an_error(device):
    brick = GrowingConnector(device, GiB)
    with pytest.raises(errors.BackendError, match='shows 1073741824 bytes '
                       'after the rescan, less than the volume.s 3 GiB'):
        attach.grow_attached(CONNECTION, size=3, brick=brick)


def test_not_attached_here(tmp_path):
    brick = GrowingConnector(str(tmp_path / 'absent'), GiB)
    with pytest.raises(errors.InvalidInput, match='not attached on this '
                       'node; attach it first'):
        attach.grow_attached(CONNECTION, size=1, brick=brick)


@pytest.mark.parametrize('size', [0, True, '2', 1.5])
def test_bad_size(size):
    with pytest.raises(errors.InvalidInput, match='size must be the '
                       'volume.s size in GiB'):
        attach.grow_attached(CONNECTION, size=size, brick=None)
