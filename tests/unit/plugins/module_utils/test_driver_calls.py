# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""driver_calls: the one path of every driver call's errors and bound."""
import time

import pytest

from ansible_collections.openstack.cinderlib.plugins.module_utils import driver_calls
from ansible_collections.openstack.cinderlib.plugins.module_utils import errors


class VolumeIsBusy(Exception):
    pass


class ManageExistingInvalidReference(Exception):
    pass


class Driver:
    pass


class Backend:
    id = 'b1'
    driver = Driver()
    driver_timeout = 0.2


def run(exc, **options):
    def fail():
        raise exc
    return driver_calls.call(Backend(), 'volume v1', 'extend', 'extending',
                             fail, errors_as=options)


def test_failure_sets_the_error_status():
    noted = []
    with pytest.raises(errors.BackendError,
                       match=r'^volume v1: extend failed: array full '
                       r'\(ValueError\)$'):
        run(ValueError('array full'), on_error=noted.append)
    assert noted == ['array full (ValueError)']


def test_busy_changes_nothing():
    undone = []
    with pytest.raises(errors.BackendError,
                       match='volume v1: the driver refused to extend'):
        run(VolumeIsBusy('in use'), on_busy=lambda: undone.append(1),
            on_error=pytest.fail)
    assert undone == [1]


def test_not_implemented():
    with pytest.raises(errors.NotSupported,
                       match='cannot extend: the driver Driver does not'):
        run(NotImplementedError())
    with pytest.raises(errors.NotSupported,
                       match='volume v1: managing is not supported by Driver'):
        run(NotImplementedError(), feature='managing')
    with pytest.raises(errors.BackendError, match='extend failed'):
        run(NotImplementedError(), not_implemented=False)


def test_user_errors_and_ours():
    with pytest.raises(errors.InvalidInput, match='volume v1: extend: bad'):
        run(ManageExistingInvalidReference('bad'),
            user_error=driver_calls.is_manage_refusal)
    with pytest.raises(errors.InvalidInput, match='volume v1: extend: any'):
        run(RuntimeError('any'), user_error=all)
    ours = errors.InvalidInput('ours')
    with pytest.raises(errors.InvalidInput) as raised:
        run(ours)
    assert raised.value is ours
    with pytest.raises(errors.BackendError, match='extend failed: ours'):
        run(ours, passthrough=errors.DriverTimeout)


def test_custom_failure():
    with pytest.raises(errors.BackendSetupError, match='^setup: x'):
        run(ValueError('x'), failure=lambda exc, text:
            errors.BackendSetupError('setup: ' + text))


def test_bounded_times_out():
    with pytest.raises(errors.DriverTimeout,
                       match=r'backend b1: extending did not finish within '
                       r'0.2 s \(driver_timeout\)'):
        driver_calls.call(Backend(), 'volume v1', 'extend', 'extending',
                          time.sleep, 2)
