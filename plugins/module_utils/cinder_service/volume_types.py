# -*- coding: utf-8 -*-
# Copyright: contributors to the openstack.cinderlib collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Volume types and QoS specs, as drivers expect them, with no type table.

Cinder keeps types in its database; here each volume with extra or QoS
specs has a type of its own, whose id (and QoS specs' id) is the volume's
id, built from the specs its record keeps.
"""


def _name(volume_id):
    return 'cinderlib-%s' % volume_id


def volume_type_ovo(objects, volume_ovo, extra_specs, qos_specs):
    """The VolumeType object of a volume (None without specs)."""
    if not volume_ovo.volume_type_id:
        return None
    volume_id = volume_ovo.id
    vtype = objects.VolumeType(
        context=volume_ovo._context, id=volume_ovo.volume_type_id,
        name=_name(volume_id), description=None, is_public=True,
        extra_specs=dict(extra_specs),
        qos_specs_id=volume_id if qos_specs else None)
    if qos_specs:
        vtype.qos_specs = objects.QualityOfServiceSpecs(
            context=volume_ovo._context, id=volume_id, name=_name(volume_id),
            consumer='back-end', specs=dict(qos_specs))
    return vtype


def volume_type_dict(volume_id, extra_specs, qos_specs):
    """cinder.db.api.volume_type_get's answer for a volume's type."""
    return {'id': volume_id, 'name': _name(volume_id),
            'description': None, 'is_public': True, 'deleted': False,
            'extra_specs': dict(extra_specs),
            'qos_specs_id': volume_id if qos_specs else None,
            'qos_specs': qos_specs_dict(volume_id, qos_specs), 'projects': [],
            'created_at': None, 'updated_at': None, 'deleted_at': None}


def qos_specs_dict(volume_id, qos_specs):
    """cinder.db.api's QoS specs of a volume's type (None without)."""
    if not qos_specs:
        return None
    return {'id': volume_id, 'name': _name(volume_id),
            'consumer': 'back-end', 'specs': dict(qos_specs)}
