# -*- coding: utf-8 -*-
# Copyright: contributors to the openstack.cinderlib collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Day-2 operations on volumes: grow in use, revert, retype, multiattach,
and the named volume types they refer to.

Each follows what Cinder 29's API and volume manager do around the same
driver calls (``cinder/api/v3/volumes.py``, ``cinder/volume/api.py``,
``cinder/volume/manager.py``), minus the scheduler and the migrations: what
the driver cannot do in place is refused, and the volume stays as it was.
"""

import uuid

from ansible_collections.openstack.cinderlib.plugins.module_utils import errors
from ansible_collections.openstack.cinderlib.plugins.module_utils import backend as backend_mod

# Cinder's extra spec for multiattach types, and its "true" value.
MULTIATTACH_SPEC = 'multiattach'
SPEC_TRUE = '<is> True'
# Cinder's consumer of the QoS specs our types carry: the driver applies them.
QOS_CONSUMER = 'back-end'
# Named types get ids derived from their names, so that two controllers
# defining the same type at once write the same record.
_TYPE_NAMESPACE = uuid.UUID('5f1b5a3e-5c1e-4a57-9a0c-6b1d3f6f0c11')


def _persistence():
    return backend_mod.Backend.persistence


def _objects():
    return backend_mod.runtime().objects


def _spec_dict(value, what):
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(
            isinstance(key, str) for key in value):
        raise errors.InvalidInput('%s must be a dict of strings; got %r'
                                  % (what, value))
    return {key: str(item) for key, item in value.items()}


def is_multiattach_spec(extra_specs):
    return (extra_specs or {}).get(MULTIATTACH_SPEC) == SPEC_TRUE


def reports_capability(stats, name, pool_name=None, default=False):
    """A capability as the scheduler reads it: the pool's value, else the
    backend's, else ``default``."""
    for pool in stats.get('pools') or ():
        if pool_name is None or pool.get('pool_name') == pool_name:
            if name in pool:
                return pool[name]
    return stats.get(name, default)


def qos_for_diff(qos_specs):
    """QoS specs as Cinder's volume_types_diff compares them: the specs
    flattened beside ``consumer``; None without QoS."""
    if not qos_specs:
        return None
    return dict(qos_specs, consumer=QOS_CONSUMER)


def types_diff(old_extra, old_qos, new_extra, new_qos):
    """(diff, equal) in the shape of cinder.volume.volume_types.
    volume_types_diff: each key -> (old value, new value)."""
    diff, equal = {}, True
    for part, old, new in (('extra_specs', old_extra, new_extra),
                           ('qos_specs', qos_for_diff(old_qos),
                            qos_for_diff(new_qos)),
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


class VolumeType(object):
    """A named volume type: a name, extra specs and QoS specs that many
    volumes share, kept in persistence.  Drivers see it as Cinder's
    volume_type_get and qos_specs_get would give it to them."""

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
        return is_multiattach_spec(self.extra_specs)

    def __repr__(self):
        return '<VolumeType %s>' % self.name

    def __eq__(self, other):
        return isinstance(other, VolumeType) and other._record == self._record

    @classmethod
    def define(cls, name, extra_specs=None, qos_specs=None,
               description=None):
        """The type ``name`` with these specs: created, or updated while no
        volume uses it; refused when volumes use it with other specs
        (retype them to another type instead).  Idempotent."""
        if not isinstance(name, str) or not name.strip():
            raise errors.InvalidInput('volume type name must be a non-empty '
                                      'string; got %r' % (name,))
        record = {'id': str(uuid.uuid5(_TYPE_NAMESPACE, name)), 'name': name,
                  'data': {'extra_specs': _spec_dict(
                      extra_specs, 'volume type %s: extra_specs' % name),
                      'qos_specs': _spec_dict(
                          qos_specs, 'volume type %s: qos_specs' % name),
                      'description': description}}
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
        return sorted(record['id'] for record in _persistence().get_volumes()
                      if record['data']['fields'].get('volume_type_id') ==
                      self.id)

    def delete(self):
        users = self.volume_ids()
        if users:
            raise errors.InvalidInput(
                'volume type %s is used by %d volume(s) (%s); delete or '
                'retype them first' % (self.name, len(users),
                                       ', '.join(users[:5])))
        _persistence().delete_volume_type(self.id)

    # What drivers get through the DB stand-ins (driver_db) ------------
    def type_dict(self):
        return build_type_dict(self.id, self.name, self.extra_specs,
                               self.qos_specs, self.description)

    def qos_dict(self):
        return build_qos_dict(self.id, self.name, self.qos_specs)

    # The names driver_db calls on whatever owns a type id.
    _volume_type_dict = type_dict
    _qos_specs_dict = qos_dict

    def to_dict(self):
        return {'id': self.id, 'name': self.name,
                'description': self.description,
                'extra_specs': self.extra_specs, 'qos_specs': self.qos_specs}


def build_type_dict(type_id, name, extra_specs, qos_specs, description=None):
    """A volume type as Cinder's volume_type_get returns it."""
    return {'id': type_id, 'name': name, 'description': description,
            'is_public': True, 'deleted': False,
            'extra_specs': dict(extra_specs),
            'qos_specs_id': type_id if qos_specs else None,
            'qos_specs': build_qos_dict(type_id, name, qos_specs),
            'projects': [],
            'created_at': None, 'updated_at': None, 'deleted_at': None}


def build_qos_dict(type_id, name, qos_specs):
    """QoS specs as Cinder's qos_specs_get returns them (one QoS per type,
    with the type's id)."""
    if not qos_specs:
        return None
    return {'id': type_id, 'name': name, 'consumer': QOS_CONSUMER,
            'specs': dict(qos_specs)}


def type_ovo(context, type_id, name, extra_specs, qos_specs):
    """A VolumeType versioned object, as drivers find in volume.volume_type
    and receive as retype's new_type."""
    objects = _objects()
    vtype = objects.VolumeType(
        context=context, id=type_id, name=name, description=None,
        is_public=True, extra_specs=dict(extra_specs),
        qos_specs_id=type_id if qos_specs else None)
    if qos_specs:
        vtype.qos_specs = objects.QualityOfServiceSpecs(
            context=context, id=type_id, name=name, consumer=QOS_CONSUMER,
            specs=dict(qos_specs))
    return vtype


class Day2Operations(object):
    """What Volume adds for day-2 operations (see the module docstring)."""

    # Creation -------------------------------------------------------------
    @staticmethod
    def _typed_kwargs(backend, kwargs):
        """Volume(...) keywords with ``volume_type`` (a name or VolumeType)
        and ``multiattach`` resolved into specs and Cinder fields.
        Refuses multiattach where the backend does not report it."""
        volume_type = kwargs.pop('volume_type', None)
        if volume_type is not None:
            if kwargs.get('extra_specs') or kwargs.get('qos_specs'):
                raise errors.InvalidInput(
                    'give volume_type or extra_specs/qos_specs, not both: a '
                    'volume of type %s has that type\'s specs' % (
                        getattr(volume_type, 'name', volume_type),))
            if not isinstance(volume_type, VolumeType):
                volume_type = VolumeType.get(volume_type)
            kwargs['extra_specs'] = volume_type.extra_specs
            kwargs['qos_specs'] = volume_type.qos_specs
            kwargs['volume_type_id'] = volume_type.id
        extra_specs = dict(kwargs.get('extra_specs') or {})
        multiattach = kwargs.get('multiattach')
        if multiattach is None:
            multiattach = is_multiattach_spec(extra_specs)
        elif not isinstance(multiattach, bool):
            raise errors.InvalidInput('multiattach must be true or false; '
                                      'got %r' % (multiattach,))
        if multiattach is False and is_multiattach_spec(extra_specs):
            raise errors.InvalidInput(
                'multiattach is false but the extra specs (or volume type) '
                'say %s=%r; leave multiattach out, or use a type without it'
                % (MULTIATTACH_SPEC, SPEC_TRUE))
        if multiattach and volume_type is not None and \
                not volume_type.multiattach:
            raise errors.InvalidInput(
                'volume type %s is not multiattach (extra spec %s=%r); use '
                'a type with multiattach=%r, or leave multiattach out' % (
                    volume_type.name, MULTIATTACH_SPEC, SPEC_TRUE,
                    SPEC_TRUE))
        if multiattach:
            check_multiattach_supported(backend, kwargs.get('pool_name'))
            if volume_type is None:
                # Drivers act on the spec (RBD drops the image features
                # that exclude sharing), as Cinder only sets the flag from
                # a type.
                extra_specs[MULTIATTACH_SPEC] = SPEC_TRUE
                kwargs['extra_specs'] = extra_specs
        if multiattach or 'multiattach' in kwargs:
            kwargs['multiattach'] = multiattach
        return kwargs

    # Volume types -----------------------------------------------------
    @staticmethod
    def _inherit_type(source, kwargs):
        """A clone, or a volume from a snapshot, has its source's type
        unless told otherwise (as in Cinder): the named type, or a copy of
        the source's own specs."""
        named = source._named_type()
        if named is not None and not ('extra_specs' in kwargs or
                                      'qos_specs' in kwargs):
            kwargs.setdefault('volume_type', named)
        elif 'volume_type' not in kwargs:
            kwargs.setdefault('extra_specs', source.extra_specs)
            kwargs.setdefault('qos_specs', source.qos_specs)

    def _named_type(self, ovo=None):
        ovo = ovo or self._ovo
        type_id = ovo.volume_type_id
        if not type_id or type_id == ovo.id:
            return None
        return VolumeType.find(type_id)

    @property
    def volume_type_name(self):
        """The named type's name; None for a volume with specs of its own
        (or none)."""
        named = self._named_type()
        return named.name if named is not None else None

    def _type_label(self, ovo=None):
        """(name, description) of the type the driver sees."""
        ovo = ovo or self._ovo
        named = self._named_type(ovo)
        if named is not None:
            return named.name, named.description
        return 'cinderlib-%s' % ovo.id, None

    # Grow while in use ---------------------------------------------------
    def _check_extend_allowed(self):
        """Cinder's scheduler refuses to extend an attached volume where the
        backend reports online_extend_support false."""
        if self.status != 'in-use':
            return
        stats = self.backend.stats()
        if reports_capability(stats, 'online_extend_support',
                              self.pool_name, default=True) is False:
            raise errors.NotSupported(
                'volume %s is in use and backend %s reports '
                'online_extend_support false; disconnect it, then grow it'
                % (self.id, self.backend.id))

    def _driver_extend(self, new_size):
        """The driver's extend_volume, as cinder-volume calls it: a target
        that could not be refreshed (TargetUpdateFailed, raised by LVM
        after its target's extend_target) is a warning, the volume did grow.
        """
        try:
            self._call('extending', self.backend.driver.extend_volume,
                       self._ovo, new_size)
        except Exception as exc:
            if type(exc).__name__ != 'TargetUpdateFailed':
                raise
            self.warnings = list(getattr(self, 'warnings', ())) + [
                'volume %s grew to %s GiB but its export could not be '
                'refreshed (%s); nodes may see the new size only after '
                'reconnecting' % (self.id, new_size, exc)]

    # Revert to a snapshot ----------------------------------------------
    def revert_to_snapshot(self, snapshot):
        """Bring the volume's data back to ``snapshot`` (its most recent).

        Cinder's rules: the volume is available (no connection), the
        snapshot is available, is this volume's most recent and has the
        volume's size.  Uses the driver's revert_to_snapshot (RBD: image
        rollback; thick LVM: merge, then the snapshot is made again); a
        driver without it (thin LVM) is refused and nothing changes.  Like
        cinder-volume, drivers that ask for it get a temporary snapshot
        first, deleted after success and kept (named in the error) after a
        failure.
        """
        from ansible_collections.openstack.cinderlib.plugins.module_utils import resources
        self._check_exists()
        snapshot._check_exists()
        if snapshot.volume_id != self.id:
            raise errors.InvalidInput(
                'snapshot %s is of volume %s, not of volume %s; revert a '
                'volume to one of its own snapshots' % (
                    snapshot.id, snapshot.volume_id, self.id))
        self._check_not_busy('revert')
        if self._current(resources.Connection) or self.status != 'available':
            raise errors.InvalidInput(
                'volume %s is %s; it can be reverted only while available: '
                'detach and disconnect it everywhere first' % (
                    self.id, self.status))
        latest = max(self._current(resources.Snapshot),
                     key=lambda s: (s._ovo.created_at, s.id))
        if latest.id != snapshot.id:
            raise errors.InvalidInput(
                'snapshot %s is not the most recent snapshot of volume %s '
                '(%s is); Cinder reverts only to the most recent one: delete '
                'the newer snapshots or create a volume from this one' % (
                    snapshot.id, self.id, latest.id))
        if snapshot.status != 'available':
            raise errors.InvalidInput('snapshot %s is %s; it must be '
                                      'available' % (snapshot.id,
                                                     snapshot.status))
        if snapshot._ovo.volume_size != self.size:
            raise errors.InvalidInput(
                'volume %s is %s GiB and snapshot %s was taken at %s GiB; as '
                'Cinder, only a volume of the snapshot\'s size is reverted '
                '(create a volume from the snapshot instead)' % (
                    self.id, self.size, snapshot.id,
                    snapshot._ovo.volume_size))
        driver = self.backend.driver
        temporary = None
        if self.backend.bounded('asking about revert',
                                driver.snapshot_revert_use_temp_snapshot):
            temporary = self.create_snapshot(
                name='[revert] volume %s backup snapshot' % self.id,
                description='taken before reverting to snapshot %s; if the '
                'revert failed, create a volume from it to get the data '
                'back' % snapshot.id, use_quota=False)
        self._set_status('reverting')
        snapshot._set_status('restoring')
        try:
            self._call('reverting', driver.revert_to_snapshot,
                       backend_mod.runtime().context, self._ovo,
                       snapshot._ovo)
        except Exception as exc:
            self._revert_failed(exc, snapshot, temporary)
        self._set_status('available')
        snapshot._set_status('available')
        if temporary is not None:
            temporary.delete()
        return self

    def _revert_failed(self, exc, snapshot, temporary):
        from ansible_collections.openstack.cinderlib.plugins.module_utils import resources
        snapshot._set_status('available')
        if isinstance(exc, (NotImplementedError, AttributeError)):
            # Nothing was done: Cinder would fall back to copying the
            # snapshot's data, which we do not do silently.
            self._set_status('available')
            if temporary is not None:
                temporary.delete()
            raise errors.NotSupported(
                'volume %s: the driver %s cannot revert to a snapshot (%s); '
                'create a volume from snapshot %s instead' % (
                    self.id, type(self.backend.driver).__name__,
                    resources._driver_message(exc), snapshot.id))
        if isinstance(exc, errors.DriverTimeout):
            raise exc
        message = resources._driver_message(exc, self.backend)
        self._set_status('error', message)
        kept = ('; its data before the revert is in snapshot %s'
                % temporary.id) if temporary is not None else ''
        raise errors.BackendError('volume %s: revert to snapshot %s failed: '
                                  '%s%s' % (self.id, snapshot.id, message,
                                            kept))

    # Retype --------------------------------------------------------------
    def retype(self, volume_type=None, extra_specs=None, qos_specs=None):
        """Change the volume's type in place through the driver's retype.

        ``volume_type``: a named type (name or VolumeType); or
        ``extra_specs``/``qos_specs``: the volume's own specs (a type of its
        own, as volumes created with specs have).  Returns True when the
        type changed, False when it already was that.  Refused, with the
        volume unchanged, when the driver answers that it cannot do it in
        place (Cinder would migrate; we do not do that silently).
        """
        self._check_exists()
        self._check_not_busy('retype')
        if self.status not in ('available', 'in-use'):
            raise errors.InvalidInput('volume %s is %s; it can be retyped '
                                      'only while available or in-use'
                                      % (self.id, self.status))
        if volume_type is not None:
            if extra_specs is not None or qos_specs is not None:
                raise errors.InvalidInput(
                    'retype of volume %s: give volume_type or '
                    'extra_specs/qos_specs, not both' % self.id)
            if not isinstance(volume_type, VolumeType):
                volume_type = VolumeType.get(volume_type)
            new_id, new_name = volume_type.id, volume_type.name
            new_extra, new_qos = volume_type.extra_specs, volume_type.qos_specs
        else:
            new_id, new_name = self.id, 'cinderlib-%s' % self.id
            new_extra = _spec_dict(extra_specs, 'extra_specs') \
                if extra_specs is not None else dict(self.extra_specs)
            new_qos = _spec_dict(qos_specs, 'qos_specs') \
                if qos_specs is not None else dict(self.qos_specs)
        diff, equal = types_diff(self.extra_specs, self.qos_specs, new_extra,
                                 new_qos)
        same_type = (self._ovo.volume_type_id or self.id) == new_id
        if equal and same_type:
            return False
        old_multi = is_multiattach_spec(self.extra_specs)
        new_multi = is_multiattach_spec(new_extra)
        if old_multi != new_multi:
            if self.status == 'in-use':
                raise errors.InvalidInput(
                    'volume %s is in use; Cinder changes multiattach only '
                    'on available volumes: disconnect it first' % self.id)
            if new_multi:
                check_multiattach_supported(self.backend, self.pool_name)
        driver = self.backend.driver
        context = backend_mod.runtime().context
        new_type = type_ovo(context, new_id, new_name, new_extra, new_qos)
        host = {'host': self._ovo.host,
                'capabilities': self.backend.stats()}
        previous = self.status
        old = (self.extra_specs, self.qos_specs, self._ovo.volume_type_id)
        self._set_status('retyping')
        # While the driver works, the DB stand-ins answer for the new type
        # (RBD reads its QoS through qos_specs_get); the record keeps the old
        # one until the driver accepts.
        self.extra_specs, self.qos_specs = new_extra, new_qos
        try:
            with self._driver_call('retype', None):
                answer = self._call('retyping', driver.retype, context,
                                    self._ovo, new_type, diff, host)
        except Exception:
            self.extra_specs, self.qos_specs = old[0], old[1]
            self._set_status(previous)
            raise
        accepted, update = (answer if isinstance(answer, tuple)
                            else (answer, None))
        if not accepted:
            self.extra_specs, self.qos_specs = old[0], old[1]
            self._set_status(previous)
            raise errors.NotSupported(
                'volume %s: the driver %s cannot change %s in place; the '
                'volume is unchanged (Cinder would migrate it to another '
                'backend)' % (self.id, type(driver).__name__,
                              describe_diff(diff)))
        typed = bool(new_extra or new_qos) or new_id != self.id
        self._ovo.volume_type_id = new_id if typed else None
        self._ovo.multiattach = new_multi
        if update:
            self._update_fields(update, save=False)
        self._ovo.volume_type = self._volume_type_ovo(self._ovo)
        self._set_status(previous)
        return True


def check_multiattach_supported(backend, pool_name=None):
    stats = backend.stats()
    if not reports_capability(stats, 'multiattach', pool_name):
        raise errors.NotSupported(
            'backend %s does not report multiattach support in its stats; '
            'multiattach volumes need a backend that does (RBD, LVM do)'
            % backend.id)
