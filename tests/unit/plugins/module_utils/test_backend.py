# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Backend: set-up, driver options, isolation of backends (fake driver).

Moved from test_core.py (issue 12: tests mirror the layout).
"""

import pytest

from ansible_collections.openstack.cinderlib.plugins.module_utils import cinderlib as cl

from core_helpers import DRIVER


def test_setup_after_other_calls_is_an_error(backend):
    with pytest.raises(cl.errors.CinderlibError, match='before any other'):
        cl.setup()


def test_global_options_reach_every_driver(backend):
    assert backend.driver.configuration.fake_capacity_gb == 50
    assert backend.stats()['pools'][0]['total_capacity_gb'] == 50


def test_backends_have_isolated_options():
    one = cl.Backend('iso-1', volume_driver=DRIVER, fake_pool='alpha')
    two = cl.Backend('iso-2', volume_driver=DRIVER, fake_pool='beta',
                     fake_capacity_gb='7')
    assert one.pool_names == ('alpha',)
    assert two.pool_names == ('beta',)
    assert two.driver.configuration.fake_capacity_gb == 7     # converted
    assert one.driver.configuration.fake_capacity_gb == 50


def test_same_name_other_config_is_an_error(backend):
    assert cl.Backend(backend.id, volume_driver=DRIVER,
                      fake_password='s3cret') is backend
    with pytest.raises(cl.errors.InvalidConfiguration,
                       match='different configuration'):
        cl.Backend(backend.id, volume_driver=DRIVER, fake_pool='other')


def test_bad_option_value_names_option():
    with pytest.raises(cl.errors.InvalidConfiguration,
                       match='option bad-type.fake_capacity_gb'):
        cl.Backend('bad-type', volume_driver=DRIVER, fake_capacity_gb='lots')
    assert 'bad-type' not in cl.Backend.backends
    # The failed configuration left nothing behind: a retry works.
    assert cl.Backend('bad-type', volume_driver=DRIVER).driver


def test_setup_failure_is_reported_and_not_registered():
    with pytest.raises(cl.errors.BackendSetupError,
                       match='cannot reach the fake array'):
        cl.Backend('fails', volume_driver=DRIVER, fake_fail_setup=True)
    assert 'fails' not in cl.Backend.backends


def test_cinder_group_names_are_refused():
    with pytest.raises(cl.errors.InvalidConfiguration, match='option group'):
        cl.Backend('coordination', volume_driver=DRIVER)


def test_unused_options_are_reported():
    backend = cl.Backend('typo', volume_driver=DRIVER, fake_pol='x')
    assert backend.unused_options == ['fake_pol']


def test_config_hides_driver_options(backend):
    assert backend.config == {'volume_backend_name': backend.id}


def test_unknown_attributes_fall_through_to_driver(backend):
    assert backend.VERSION == '1.0.0'
    assert backend.initialized


@pytest.mark.parametrize('name, config, message', [
    ('', {'volume_driver': DRIVER}, r'^volume_backend_name is required'),
    ('no-driver', {}, r'^backend no-driver: volume_driver is required'),
])
def test_backend_identity_refused_before_the_driver_loads(backend, name,
                                                          config, message):
    with pytest.raises(cl.errors.InvalidConfiguration, match=message):
        cl.Backend(name, **config)
    assert name not in cl.Backend.backends
