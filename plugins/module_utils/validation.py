# -*- coding: utf-8 -*-
# Copyright: contributors to the openstack.cinderlib collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Checks of what callers pass in: sizes, ids, references, listing options,
a backend's name and driver.

Cinder-free, for the core and the modules alike; each failure is an
InvalidInput naming the argument and the fix.
"""

import uuid

from ansible_collections.openstack.cinderlib.plugins.module_utils import errors

# How Cinder's API names an existing storage object to manage; drivers read
# one of these keys.
REFERENCE_KEYS = ('source-name', 'source-id')

_BACKEND_NAME_FIX = ('a name for this backend, unique among your backends '
                     '(e.g. ceph or lvm-node1); volumes are looked up under '
                     'it')
_VOLUME_DRIVER_FIX = ('the Python path of the Cinder driver class, e.g. '
                      'cinder.volume.drivers.rbd.RBDDriver')


def backend_identity(name, driver_path, option=None):
    """A backend's (volume_backend_name, volume_driver), both non-empty
    strings.  ``option``: the module option holding the configuration
    (fields are then named ``option.field``); None for the core's
    Backend(name, volume_driver=...), where a driver's absence is named
    with its backend."""
    def required(field, fix, subject=''):
        prefix = '%s.' % option if option else subject
        raise errors.InvalidConfiguration('%s%s is required: %s' % (
            prefix, field, fix))
    if not name or not isinstance(name, str):
        required('volume_backend_name', _BACKEND_NAME_FIX)
    if not driver_path or not isinstance(driver_path, str):
        required('volume_driver', _VOLUME_DRIVER_FIX, 'backend %s: ' % name)
    return name, driver_path


def resource_id(value, what, non_uuid_ids=False):
    """A resource id: a new UUID for None; a UUID unless ``non_uuid_ids``."""
    if value is None:
        return str(uuid.uuid4())
    value = str(value)
    if non_uuid_ids:
        if not value or len(value) > 255:
            raise errors.InvalidInput('%s id must be 1 to 255 characters'
                                      % what)
        return value
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise errors.InvalidInput(
            '%s id %r is not a UUID; pass a UUID, or call setup('
            'non_uuid_ids=True) if your driver accepts other ids' % (
                what, value))


def size_gib(size, what='size', minimum=1):
    """A whole number of GiB, at least ``minimum`` (numeric strings too)."""
    if isinstance(size, bool):
        size = None
    try:
        size_int = int(size)
        valid = size_int == size or str(size_int) == str(size).strip()
    except (TypeError, ValueError):
        valid = False
    if not valid or size_int < minimum:
        raise errors.InvalidInput(
            '%s must be a whole number of GiB, at least %s; got %r' % (
                what, minimum, size))
    return size_int


def existing_reference(existing_ref, what):
    """existing_ref as Cinder's manage API takes it."""
    if not (isinstance(existing_ref, dict) and any(
            isinstance(existing_ref.get(key), str) and existing_ref[key]
            for key in REFERENCE_KEYS)):
        raise errors.InvalidInput(
            'existing_ref must name the %s on the backend as '
            '{"source-name": <name>} or {"source-id": <id>}; got %r' % (
                what, existing_ref))
    return dict(existing_ref)


def whole_number(value, what):
    """A count (limit, offset): an int, at least 0."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise errors.InvalidInput('%s must be a whole number, at least '
                                  '0; got %r' % (what, value))
    return value


def string_list(value, what, allowed):
    """A list of allowed strings from None, one string or a list."""
    if value is None or isinstance(value, str):
        values = [value] if value else []
    elif isinstance(value, (list, tuple)):
        values = list(value)
    else:
        values = [value]
    wrong = [v for v in values if v not in allowed]
    if wrong:
        raise errors.InvalidInput('%s: %s not valid; use %s' % (
            what, ', '.join(repr(v) for v in wrong), ' or '.join(allowed)))
    return values


def spec_dict(value, what):
    """Extra or QoS specs: a dict with string keys; values as strings (what
    Cinder stores)."""
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(
            isinstance(key, str) for key in value):
        raise errors.InvalidInput('%s must be a dict of strings; got %r'
                                  % (what, value))
    return {key: str(item) for key, item in value.items()}
