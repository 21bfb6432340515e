# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""library_state: the process-wide state, read through the public API."""
import pytest

from ansible_collections.openstack.cinderlib.plugins.module_utils import cinderlib as cl
from ansible_collections.openstack.cinderlib.plugins.module_utils import errors
from ansible_collections.openstack.cinderlib.plugins.module_utils import library_state


def test_backend_class_attributes_are_the_state(backend):
    assert cl.Backend.backends is library_state.backends
    assert cl.Backend.backends[backend.id] is backend
    assert cl.Backend.persistence is library_state.persistence()
    assert backend.persistence is library_state.persistence()
    assert cl.Backend._settings is library_state.settings()
    assert cl.Volume._live is library_state.live_resources['volume']


def test_setup_is_once():
    with pytest.raises(errors.CinderlibError, match='called once'):
        cl.setup()


def test_missing_backend_placeholder(monkeypatch):
    monkeypatch.setattr(library_state.settings(), 'fail_on_missing_backend',
                        False)
    placeholder = library_state.backend_by_name('never-set-up')
    assert placeholder is library_state.backend_by_name('never-set-up')
    assert placeholder.config == {'volume_backend_name': 'never-set-up'}
    assert not hasattr(placeholder, 'driver')
    library_state.missing_backends.pop('never-set-up')
