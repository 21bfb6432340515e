# -*- coding: utf-8 -*-
# Copyright: contributors to the openstack.cinderlib collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Named volume types: a name, extra specs and QoS specs that many volumes
share, kept in persistence (its volume type calls)."""

from ansible_collections.openstack.cinderlib.plugins.module_utils import errors
from ansible_collections.openstack.cinderlib.plugins.module_utils import library_state
from ansible_collections.openstack.cinderlib.plugins.module_utils import records
from ansible_collections.openstack.cinderlib.plugins.module_utils import type_specs
from ansible_collections.openstack.cinderlib.plugins.module_utils import validation


def _persistence():
    return library_state.persistence()


class VolumeType:
    """A named volume type.  Drivers see it as Cinder's volume_type_get and
    qos_specs_get would give it to them (driver_db)."""

    def __init__(self, record):
        self._record = record

    @property
    def id(self):
        return self._record['id']

    @property
    def name(self):
        return self._record['name']

    @property
    def description(self):
        return self._record['data'].get('description')

    @property
    def extra_specs(self):
        return dict(self._record['data'].get('extra_specs') or {})

    @property
    def qos_specs(self):
        return dict(self._record['data'].get('qos_specs') or {})

    @property
    def multiattach(self):
        return type_specs.is_multiattach_spec(self.extra_specs)

    def __repr__(self):
        return '<VolumeType %s>' % self.name

    def __eq__(self, other):
        return isinstance(other, VolumeType) and other._record == self._record

    __hash__ = None

    @staticmethod
    def record_for(name, extra_specs=None, qos_specs=None, description=None):
        """The persistence record of type ``name`` with these specs
        (validated)."""
        if not isinstance(name, str) or not name.strip():
            raise errors.InvalidInput('volume type name must be a non-empty '
                                      'string; got %r' % (name,))
        return records.volume_type_record(
            name, validation.spec_dict(extra_specs,
                                       'volume type %s: extra_specs' % name),
            validation.spec_dict(qos_specs, 'volume type %s: qos_specs' % name),
            description)

    @classmethod
    def define(cls, name, extra_specs=None, qos_specs=None,
               description=None):
        """The type ``name`` with these specs: created, or updated while no
        volume uses it; refused when volumes use it with other specs
        (retype them to another type instead).  Idempotent."""
        record = cls.record_for(name, extra_specs, qos_specs, description)
        current = cls.find(name)
        if current is not None and current._record == record:
            return current
        if current is not None:
            users = current.volume_ids()
            if users:
                raise errors.InvalidInput(
                    'volume type %s is used by %d volume(s) (%s); its specs '
                    'cannot change under them: define a new type and retype '
                    'the volumes to it' % (name, len(users),
                                           ', '.join(users[:5])))
        _persistence().set_volume_type(record)
        return cls(record)

    @classmethod
    def find(cls, name_or_id):
        """The type with that name or id, or None."""
        persistence = _persistence()
        found = (persistence.get_volume_types(type_name=name_or_id) or
                 persistence.get_volume_types(type_id=name_or_id))
        return cls(found[0]) if found else None

    @classmethod
    def get(cls, name_or_id):
        found = cls.find(name_or_id) if isinstance(name_or_id, str) else None
        if found is None:
            names = [record['name'] for record in
                     _persistence().get_volume_types()]
            raise errors.NotFound(
                'volume type %r is not defined; define it first (known: %s)'
                % (name_or_id, ', '.join(names) or 'none'))
        return found

    @classmethod
    def list(cls):
        return [cls(record) for record in _persistence().get_volume_types()]

    def volume_ids(self):
        """Ids of the volumes of this type, as persistence has them."""
        return records.volumes_of_type(_persistence(), self._record)

    def delete(self):
        users = self.volume_ids()
        if users:
            raise errors.InvalidInput(
                'volume type %s is used by %d volume(s) (%s); delete or '
                'retype them first' % (self.name, len(users),
                                       ', '.join(users[:5])))
        _persistence().delete_volume_type(self.id)

    # What driver_db asks of whatever owns a type id (also Volume).
    def _type_identity(self):
        """(type id, name, description) of the type drivers see."""
        return self.id, self.name, self.description

    def to_dict(self):
        return records.volume_type_view(self._record)
