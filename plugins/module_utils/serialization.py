# -*- coding: utf-8 -*-
# Copyright: contributors to the openstack.cinderlib collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Turning Cinder versioned objects into JSON-safe dicts and back.

We write our own field dicts instead of oslo.versionedobjects primitives:
their format and ``to_primitive`` signature change between releases, which
broke the retired cinderlib library's serialization on Cinder 29.  The same
dicts are what persistence plugins store.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import datetime


def jsonable(value):
    """``value`` with datetimes as ISO strings; None for what JSON cannot hold."""
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(key): jsonable(item) for key, item in value.items()
                if _is_plain(item)}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [jsonable(item) for item in value if _is_plain(item)]
    return value


def _is_plain(value):
    return value is None or isinstance(
        value, (str, int, float, bool, dict, list, tuple, set, frozenset,
                datetime.datetime))


def _is_object_field(field):
    from oslo_versionedobjects import fields
    field_type = getattr(field, '_type', None)
    if isinstance(field_type, fields.Object):
        return True
    if isinstance(field_type, fields.List):
        return isinstance(getattr(field_type._element_type, '_type', None),
                          fields.Object)
    return False


def ovo_to_dict(ovo, skip=()):
    """The set, non-object fields of ``ovo``, JSON-safe."""
    return {name: jsonable(getattr(ovo, name))
            for name, field in ovo.fields.items()
            if name not in skip and ovo.obj_attr_is_set(name) and
            not _is_object_field(field)}


def update_ovo(ovo, values):
    """Set the known fields of ``values`` on ``ovo`` (strings coerced)."""
    for name, value in values.items():
        if name in ovo.fields and not _is_object_field(ovo.fields[name]):
            setattr(ovo, name, value)
