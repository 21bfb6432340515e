# -*- coding: utf-8 -*-
# Copyright: contributors to the openstack.cinderlib collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The cinderlib library API, on today's Cinder.

``from ansible_collections.openstack.cinderlib.plugins.module_utils import
cinderlib as cl`` offers what the cinderlib documentation describes
(``cl.setup``, ``cl.Backend``, volumes, snapshots, connections, persistence
plugins), so code written for the retired library runs by changing that
import.
"""


import json as json_module

from ansible_collections.openstack.cinderlib.plugins.module_utils import errors
from ansible_collections.openstack.cinderlib.plugins.module_utils import serialization
from ansible_collections.openstack.cinderlib.plugins.module_utils.backend import Backend
from ansible_collections.openstack.cinderlib.plugins.module_utils.persistence.base import (
    KeyValue, PersistenceDriverBase)
from ansible_collections.openstack.cinderlib.plugins.module_utils.resources import (
    Connection, Snapshot, Volume, VolumeType)

__all__ = ['Backend', 'Volume', 'Snapshot', 'Connection', 'VolumeType',
           'KeyValue',
           'PersistenceDriverBase', 'setup', 'errors', 'json', 'jsons',
           'dump', 'dumps', 'load']

setup = Backend.global_setup


def json():
    """Every backend set up here, with what is loaded (a dict)."""
    return serialization.library_json(load_lazy=False)


def jsons():
    return json_module.dumps(json())


def dump():
    """Every backend set up here, its volumes, snapshots and connections,
    and the drivers' key-value pairs: all of persistence for them."""
    return serialization.library_json(load_lazy=True)


def dumps():
    return json_module.dumps(dump())


def load(data, save=False):
    """Whatever json/jsons/dump/dumps produced (dict or string).

    Returns the Backend, Volume, Snapshot or Connection, or a list of
    Backends for cl.json()/cl.dump().  save=True writes it all to the
    current persistence (how to migrate between plugins).
    """
    return serialization.load(data, save=save)
