# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""cinderlib.py, the library API's names: what it offers is the core's own
classes and functions, and the library-level json/jsons/dump/dumps/load
are serialization's, with the right laziness and save.  What those do with
real resources is tested in test_serialization.py, the documented API's
behaviour in test_api_fidelity.py."""

import json

from ansible_collections.openstack.cinderlib.plugins.module_utils import backend
from ansible_collections.openstack.cinderlib.plugins.module_utils import cinderlib as cl
from ansible_collections.openstack.cinderlib.plugins.module_utils import errors
from ansible_collections.openstack.cinderlib.plugins.module_utils import resources
from ansible_collections.openstack.cinderlib.plugins.module_utils import serialization
from ansible_collections.openstack.cinderlib.plugins.module_utils.persistence import base


def test_the_names_are_the_cores_own():
    assert (cl.Backend, cl.Volume, cl.Snapshot, cl.Connection,
            cl.VolumeType) == (backend.Backend, resources.Volume,
                               resources.Snapshot, resources.Connection,
                               resources.VolumeType)
    assert (cl.KeyValue, cl.PersistenceDriverBase) == (
        base.KeyValue, base.PersistenceDriverBase)
    assert cl.errors is errors
    assert cl.setup == backend.Backend.global_setup


def test_import_star_offers_what_all_names():
    names = {}
    exec('from ansible_collections.openstack.cinderlib.plugins.module_utils'
         '.cinderlib import *', names)
    names.pop('__builtins__')
    assert sorted(names) == sorted(cl.__all__)
    assert all(names[name] is getattr(cl, name) for name in cl.__all__)


def fake_library_json(monkeypatch):
    calls = []

    def library_json(load_lazy):
        calls.append(load_lazy)
        return {'class': 'Library', 'lazy': load_lazy}
    monkeypatch.setattr(serialization, 'library_json', library_json)
    return calls


def test_json_is_what_is_loaded_dump_is_everything(monkeypatch):
    calls = fake_library_json(monkeypatch)
    assert cl.json() == {'class': 'Library', 'lazy': False}
    assert cl.dump() == {'class': 'Library', 'lazy': True}
    assert calls == [False, True]


def test_jsons_and_dumps_are_their_json_text(monkeypatch):
    calls = fake_library_json(monkeypatch)
    assert json.loads(cl.jsons()) == {'class': 'Library', 'lazy': False}
    assert json.loads(cl.dumps()) == {'class': 'Library', 'lazy': True}
    assert calls == [False, True]


def test_load_saves_only_when_asked(monkeypatch):
    calls = []
    monkeypatch.setattr(serialization, 'load',
                        lambda data, save: calls.append((data, save)) or 'it')
    assert cl.load('{"class": "Volume"}') == 'it'
    assert cl.load({'class': 'Volume'}, save=True) == 'it'
    assert calls == [('{"class": "Volume"}', False),
                     ({'class': 'Volume'}, True)]
