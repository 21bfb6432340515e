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

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.openstack.cinderlib.plugins.module_utils import errors
from ansible_collections.openstack.cinderlib.plugins.module_utils.backend import Backend
from ansible_collections.openstack.cinderlib.plugins.module_utils.persistence.base import (
    KeyValue, PersistenceDriverBase)
from ansible_collections.openstack.cinderlib.plugins.module_utils.resources import (
    Connection, Snapshot, Volume)

__all__ = ['Backend', 'Volume', 'Snapshot', 'Connection', 'KeyValue',
           'PersistenceDriverBase', 'setup', 'errors']

setup = Backend.global_setup
