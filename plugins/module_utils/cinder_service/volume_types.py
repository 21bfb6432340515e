# -*- coding: utf-8 -*-
# Copyright: contributors to the openstack.cinderlib collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Volume types and QoS specs, as drivers expect them, with no type table.

Cinder keeps types in its database.  Here a type is either a named one
(resources.volume_type.VolumeType, kept in persistence) or the type of its
own that a volume with extra or QoS specs has, whose id (and QoS specs' id)
is the volume's id.  Both are built from (type id, name, description, extra
specs, QoS specs); a type's QoS specs have the type's id.  Also Cinder's
retype diff (volume_types_diff).
"""

# Cinder's consumer of the QoS specs our types carry: the driver applies them.
QOS_CONSUMER = 'back-end'


def own_type_name(volume_id):
    """The name of the type of its own a volume with specs has."""
    return 'cinderlib-%s' % volume_id


def volume_type_ovo(objects, context, type_id, name, extra_specs, qos_specs,
                    description=None):
    """A VolumeType object, as drivers find in volume.volume_type and
    receive as retype's new_type."""
    vtype = objects.VolumeType(
        context=context, id=type_id, name=name, description=description,
        is_public=True, extra_specs=dict(extra_specs),
        qos_specs_id=type_id if qos_specs else None)
    if qos_specs:
        vtype.qos_specs = objects.QualityOfServiceSpecs(
            context=context, id=type_id, name=name, consumer=QOS_CONSUMER,
            specs=dict(qos_specs))
    return vtype


def volume_type_dict(type_id, name, extra_specs, qos_specs, description=None):
    """cinder.db.api.volume_type_get's answer for a type."""
    return {'id': type_id, 'name': name, 'description': description,
            'is_public': True, 'deleted': False,
            'extra_specs': dict(extra_specs),
            'qos_specs_id': type_id if qos_specs else None,
            'qos_specs': qos_specs_dict(type_id, name, qos_specs),
            'projects': [],
            'created_at': None, 'updated_at': None, 'deleted_at': None}


def qos_specs_dict(type_id, name, qos_specs):
    """cinder.db.api's QoS specs of a type (None without)."""
    if not qos_specs:
        return None
    return {'id': type_id, 'name': name, 'consumer': QOS_CONSUMER,
            'specs': dict(qos_specs)}


def _qos_for_diff(qos_specs):
    # As volume_types_diff compares them: the specs beside ``consumer``.
    if not qos_specs:
        return None
    return dict(qos_specs, consumer=QOS_CONSUMER)


def types_diff(old_extra, old_qos, new_extra, new_qos):
    """(diff, equal) in the shape of cinder.volume.volume_types.
    volume_types_diff: each part -> {key: (old value, new value)}."""
    diff, equal = {}, True
    for part, old, new in (('extra_specs', old_extra, new_extra),
                           ('qos_specs', _qos_for_diff(old_qos),
                            _qos_for_diff(new_qos)),
                           ('encryption', None, None)):
        old, new = old or {}, new or {}
        diff[part] = {key: (old.get(key), new.get(key))
                      for key in sorted(set(old) | set(new))}
        equal = equal and old == new
    return diff, equal


def describe_diff(diff):
    """The changes of a diff as one phrase, for messages."""
    changes = ['%s %s: %r -> %r' % (part.replace('_', ' ').rstrip('s'), key,
                                    old, new)
               for part, entries in diff.items()
               for key, (old, new) in entries.items()
               if old != new and key != 'consumer']
    return '; '.join(changes) or 'nothing'
