# -*- coding: utf-8 -*-
# Copyright: contributors to the openstack.cinderlib collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A backend's stats as the last refresh saved them, in persistence.

Asking the driver for stats loads Cinder and reaches the storage; facts
tasks read the saved copy (a key-value pair) instead, with its time.
"""

import datetime
import json

KEY = 'cinderlib.stats.%s'


def cached(reader, backend_name):
    """{'stats': ..., 'updated_at': ...} saved by the last refresh, or None.

    ``reader``: anything with the persistence contract's get_key_values.
    """
    found = reader.get_key_values(KEY % backend_name)
    return json.loads(found[0].value) if found else None


def refresh(backend, persistence):
    """Ask ``backend``'s driver for fresh stats, save and return them."""
    from ansible_collections.openstack.cinderlib.plugins.module_utils.persistence.base import KeyValue
    from ansible_collections.openstack.cinderlib.plugins.module_utils.serialization import jsonable
    saved = {'stats': jsonable(backend.stats(refresh=True)),
             'updated_at': datetime.datetime.now(
                 datetime.timezone.utc).isoformat()}
    persistence.set_key_value(KeyValue(KEY % backend.id, json.dumps(saved)))
    return saved
