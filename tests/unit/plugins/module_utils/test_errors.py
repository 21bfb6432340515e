# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""errors: the core's exceptions and describe(), the one text of a driver's
exception."""

import pytest

from ansible_collections.openstack.cinderlib.plugins.module_utils import errors


def test_describe_names_the_type():
    assert errors.describe(ValueError('bad size')) == 'bad size (ValueError)'
    assert errors.describe(KeyError()) == 'KeyError (KeyError)'
    assert errors.describe(RuntimeError('  \n')) == 'RuntimeError (RuntimeError)'


def test_describe_names_the_cause_a_driver_hid():
    try:
        raise IOError('Error connecting to ceph cluster') from \
            PermissionError('RADOS permission denied')
    except IOError as exc:
        assert errors.describe(exc) == (
            'Error connecting to ceph cluster (OSError), from RADOS '
            'permission denied (PermissionError)')


def test_describe_does_not_repeat_a_cause_in_the_message():
    try:
        try:
            raise OSError('disk full')
        except OSError:
            raise RuntimeError('write failed: disk full')
    except RuntimeError as exc:
        assert errors.describe(exc) == 'write failed: disk full (RuntimeError)'


def test_duplicate_name_says_who_holds_the_name():
    exc = errors.DuplicateName('snapshot', 's2', 'daily', 's1', 'v1')
    assert isinstance(exc, errors.InvalidInput)
    assert (exc.kind, exc.resource_id, exc.name, exc.holder_id, exc.scope) \
        == ('snapshot', 's2', 'daily', 's1', 'v1')
    assert str(exc) == (
        "snapshot s2 cannot be named 'daily': snapshot s1 of volume v1 "
        "already has that name; choose another name, or rename or remove "
        "snapshot s1 first")
    assert 'of backend ceph' in str(errors.DuplicateName(
        'volume', 'v2', 'data', 'v1', 'ceph'))


@pytest.mark.parametrize('error, bases', [
    (errors.InvalidConfiguration, (ValueError,)),
    (errors.InvalidInput, (ValueError,)),
    (errors.NotFound, (LookupError,)),
    (errors.NotSupported, (NotImplementedError,)),
    (errors.MissingDependency, (ImportError,)),
    (errors.DriverLibraryMissing, (errors.BackendSetupError,
                                   errors.MissingDependency)),
    (errors.DriverTimeout, (errors.BackendError,)),
])
def test_errors_are_also_the_builtin_kind(error, bases):
    # Callers of the retired library caught ValueError, LookupError, ...
    assert issubclass(error, errors.CinderlibError)
    assert all(issubclass(error, base) for base in bases)
