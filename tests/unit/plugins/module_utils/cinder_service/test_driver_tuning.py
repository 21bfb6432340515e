# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""cinder_service.driver_tuning: what is adjusted for which driver, and the
hints it gives; the RBD tuning itself runs against Ceph in
tests/functional."""

import pytest

from ansible_collections.openstack.cinderlib.plugins.module_utils import errors
from ansible_collections.openstack.cinderlib.plugins.module_utils.cinder_service import driver_tuning

RBDLike = type('RBDDriver', (), {'__module__': 'cinder.volume.drivers.rbd'})


class Backend:
    id = 'ceph'

    def __init__(self, driver):
        self.driver = driver


class Configuration:
    def __init__(self, **values):
        self.values = values

    def safe_get(self, name):
        return self.values.get(name)


def wrapped(exc, cause):
    """``exc`` raised from ``cause``, as drivers wrap librados' errors."""
    try:
        raise exc from cause
    except type(exc) as raised:
        return raised


def test_a_timeout_names_the_drivers_option():
    class RBDSubclass(RBDLike):
        pass
    hint = driver_tuning.timeout_hint(Backend(RBDSubclass()), wrapped(
        RuntimeError('error connecting to ceph'),
        OSError(110, 'Connection timed out')))
    assert hint == ('; backend ceph did not answer in time: check that the '
                    'storage is up and reachable, or raise the backend option '
                    'rados_connect_timeout')


def test_a_timeout_of_other_drivers_names_driver_timeout():
    hint = driver_tuning.timeout_hint(Backend(object()),
                                      TimeoutError('Timeout waiting'))
    assert hint.endswith('raise the backend option driver_timeout')


def test_other_errors_get_no_hint():
    assert driver_tuning.timeout_hint(Backend(RBDLike()),
                                      ValueError('pool not found')) == ''


def test_unknown_drivers_are_left_as_they_are():
    class Driver:
        pass
    driver = Driver()
    driver_tuning.tune(driver)
    assert vars(driver) == {}
    driver_tuning.release(driver)       # nothing kept open: nothing to close


def test_release_closes_what_tuning_kept():
    class Driver:
        closed = 0

        def _cinderlib_release(self):
            self.closed += 1
    driver = Driver()
    driver_tuning.release(driver)
    assert driver.closed == 1


def test_rados_connects_with_the_backends_keyring():
    class Rados:
        Error = OSError

        @staticmethod
        def Rados(*args, **kwargs):
            return args, kwargs
    rados = driver_tuning._RadosWithKeyring(Rados, '/etc/ceph/k.keyring')
    assert rados.Rados('ceph', conf={'mon_host': 'm'}) == (
        ('ceph',), {'conf': {'mon_host': 'm', 'keyring': '/etc/ceph/k.keyring'}})
    # A keyring in the caller's conf wins; the rest of rados is rados'.
    assert rados.Rados(conf={'keyring': 'own'})[1]['conf'] == {
        'keyring': 'own'}
    assert rados.Error is OSError


def test_an_unreadable_file_option_is_named(tmp_path):
    readable = tmp_path / 'ceph.conf'
    readable.write_text('')
    driver = type('Driver', (), {})()
    driver.configuration = Configuration(volume_backend_name='ceph',
                                         rbd_ceph_conf=str(readable))
    assert driver_tuning._check_readable(driver, 'rbd_ceph_conf',
                                         'a ceph.conf') == str(readable)
    assert driver_tuning._check_readable(driver, 'rbd_keyring_conf',
                                         'a keyring') is None
    driver.configuration.values['rbd_keyring_conf'] = str(tmp_path / 'none')
    with pytest.raises(errors.InvalidConfiguration,
                       match=r"^backend ceph: rbd_keyring_conf '.*none' cannot "
                             r"be read \(No such file or directory\); give the "
                             r"path of a keyring, readable by the user"):
        driver_tuning._check_readable(driver, 'rbd_keyring_conf', 'a keyring')
