# -*- coding: utf-8 -*-
# Copyright: contributors to the openstack.cinderlib collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Day-2 operations on volumes: grow in use, revert, retype, multiattach,
and the volume's named type.

Each follows what Cinder 29's API and volume manager do around the same
driver calls (``cinder/api/v3/volumes.py``, ``cinder/volume/api.py``,
``cinder/volume/manager.py``), minus the scheduler and the migrations: what
the driver cannot do in place is refused, and the volume stays as it was.
Volume (volume.py) has these through ``Day2Operations``.
"""

from ansible_collections.openstack.cinderlib.plugins.module_utils import driver_calls
from ansible_collections.openstack.cinderlib.plugins.module_utils import errors
from ansible_collections.openstack.cinderlib.plugins.module_utils import library_state
from ansible_collections.openstack.cinderlib.plugins.module_utils import validation
from ansible_collections.openstack.cinderlib.plugins.module_utils.cinder_service import volume_types
from ansible_collections.openstack.cinderlib.plugins.module_utils.resources import base
from ansible_collections.openstack.cinderlib.plugins.module_utils.resources.volume_type import VolumeType
from ansible_collections.openstack.cinderlib.plugins.module_utils.type_specs import (
    MULTIATTACH_SPEC, SPEC_TRUE, is_multiattach_spec)


def reports_capability(stats, name, pool_name=None, default=False):
    """A capability as the scheduler reads it: the pool's value, else the
    backend's, else ``default``."""
    for pool in stats.get('pools') or ():
        if pool_name is None or pool.get('pool_name') == pool_name:
            if name in pool:
                return pool[name]
    return stats.get(name, default)


def check_multiattach_supported(backend, pool_name=None):
    if not reports_capability(backend.stats(), 'multiattach', pool_name):
        raise errors.NotSupported(
            'backend %s does not report multiattach support in its stats; '
            'multiattach volumes need a backend that does (RBD, LVM do)'
            % backend.id)


def typed_kwargs(backend, pool_name, kwargs):
    """Volume(...) keywords with ``volume_type`` (a name or VolumeType) and
    ``multiattach`` resolved into specs and Cinder fields.  Refuses
    multiattach where the backend does not report it."""
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
        raise errors.InvalidInput('multiattach must be true or false; got %r'
                                  % (multiattach,))
    if multiattach is False and is_multiattach_spec(extra_specs):
        raise errors.InvalidInput(
            'multiattach is false but the extra specs (or volume type) say '
            '%s=%r; leave multiattach out, or use a type without it'
            % (MULTIATTACH_SPEC, SPEC_TRUE))
    if multiattach and volume_type is not None and \
            not volume_type.multiattach:
        raise errors.InvalidInput(
            'volume type %s is not multiattach (extra spec %s=%r); use a '
            'type with multiattach=%r, or leave multiattach out' % (
                volume_type.name, MULTIATTACH_SPEC, SPEC_TRUE, SPEC_TRUE))
    if multiattach:
        check_multiattach_supported(backend, pool_name)
        if volume_type is None:
            # Drivers act on the spec (RBD drops the image features that
            # exclude sharing), as Cinder only sets the flag from a type.
            extra_specs[MULTIATTACH_SPEC] = SPEC_TRUE
            kwargs['extra_specs'] = extra_specs
    if multiattach or 'multiattach' in kwargs:
        kwargs['multiattach'] = multiattach
    return kwargs


def inherit_type(source, kwargs):
    """A clone, or a volume from a snapshot, has its source's type unless
    told otherwise (as in Cinder): the named type, or a copy of the
    source's own specs."""
    named = source.named_type()
    if named is not None and not ('extra_specs' in kwargs or
                                  'qos_specs' in kwargs):
        kwargs.setdefault('volume_type', named)
    elif 'volume_type' not in kwargs:
        kwargs.setdefault('extra_specs', source.extra_specs)
        kwargs.setdefault('qos_specs', source.qos_specs)


class Day2Operations:
    """What Volume adds for day-2 operations (see the module docstring)."""

    # The volume's type -------------------------------------------------
    def named_type(self, ovo=None):
        """The named VolumeType of the volume; None for a volume with specs
        of its own (or none)."""
        ovo = ovo or self._ovo
        type_id = ovo.volume_type_id
        if not type_id or type_id == ovo.id:
            return None
        # A named type never changes (its id comes from its name, and its
        # specs cannot change while volumes use it): read it once.
        known = self.__dict__.get('_named_type_cache')
        if known is None or known.id != type_id:
            known = VolumeType.find(type_id)
            self._named_type_cache = known
        return known

    @property
    def volume_type_name(self):
        named = self.named_type()
        return named.name if named is not None else None

    def _type_identity(self, ovo=None):
        """(type id, name, description) of the type drivers see (driver_db
        asks this of whatever owns a type id)."""
        ovo = ovo or self._ovo
        named = self.named_type(ovo)
        if named is not None:
            return named._type_identity()
        return (ovo.volume_type_id or ovo.id,
                volume_types.own_type_name(ovo.id), None)

    def _volume_type_ovo(self, ovo):
        if not ovo.volume_type_id:
            return None
        type_id, name, description = self._type_identity(ovo)
        cinder = library_state.cinder()
        return volume_types.volume_type_ovo(
            cinder.objects, ovo._context, type_id, name, self.extra_specs,
            self.qos_specs, description)

    # Grow while in use ---------------------------------------------------
    def _check_extend_allowed(self):
        """Cinder's scheduler refuses to extend an attached volume where the
        backend reports online_extend_support false."""
        if self.status != 'in-use':
            return
        if reports_capability(self.backend.stats(), 'online_extend_support',
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
            self.warnings = list(self.__dict__.get('warnings', ())) + [
                'volume %s grew to %s GiB but its export could not be '
                'refreshed (%s); nodes may see the new size only after '
                'reconnecting' % (self.id, new_size,
                                  driver_calls.message(exc))]

    # Revert to a snapshot ----------------------------------------------
    def _check_revertable(self, snapshot):
        Connection = base.resource_class('connection')
        Snapshot = base.resource_class('snapshot')
        self._check_exists()
        snapshot._check_exists()
        if snapshot.volume_id != self.id:
            raise errors.InvalidInput(
                'snapshot %s is of volume %s, not of volume %s; revert a '
                'volume to one of its own snapshots' % (
                    snapshot.id, snapshot.volume_id, self.id))
        self._check_not_busy('revert')
        if self._current(Connection) or self.status != 'available':
            raise errors.InvalidInput(
                'volume %s is %s; it can be reverted only while available: '
                'detach and disconnect it everywhere first' % (
                    self.id, self.status))
        latest = max(self._current(Snapshot),
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
        self._check_revertable(snapshot)
        driver = self.backend.driver
        temporary = None
        if self.backend.bounded('asking about revert',
                                driver.snapshot_revert_use_temp_snapshot):
            temporary = self.create_snapshot(
                name='[revert] volume %s backup snapshot' % self.id,
                description='taken before reverting to snapshot %s; if the '
                'revert failed, create a volume from it to get the data '
                'back' % snapshot.id, use_quota=False)
        self._set_status('reverting', snapshot_id=snapshot.id)
        snapshot._set_status('restoring')

        def nothing_done():
            # The driver refused or has no revert: all as it was.
            self._set_status('available')
            snapshot._set_status('available')
            if temporary is not None:
                temporary.delete()

        def failed(message):
            self._set_status('error', message)
            snapshot._set_status('available')
        try:
            with driver_calls.mapped_errors(
                    self._subject, 'revert to snapshot %s' % snapshot.id,
                    driver, backend=self.backend,
                    feature='reverting to a snapshot',
                    on_error=failed, on_busy=nothing_done):
                self._call('reverting', driver.revert_to_snapshot,
                           library_state.cinder().context, self._ovo,
                           snapshot._ovo)
        except errors.NotSupported as exc:
            raise errors.NotSupported(
                '%s; create a volume from snapshot %s instead'
                % (exc, snapshot.id)) from None
        except errors.BackendError as exc:
            if temporary is None or self.status != 'error':
                raise
            raise errors.BackendError(
                '%s; its data before the revert is in snapshot %s'
                % (exc, temporary.id)) from None
        self._set_status('available')
        snapshot._set_status('available')
        if temporary is not None:
            temporary.delete()
        return self

    # Settling what a killed run left ---------------------------------
    def _settle_day2(self, status, owner, previous):
        """An interrupted retype: the record kept the old type, so the
        volume goes back to its status (a task declaring the new type again
        retypes it again; drivers' retype is idempotent).  An interrupted
        revert is done again: a rollback to the same snapshot gives the
        same data, whatever part of it the first one did."""
        if status == 'retyping':
            self._set_status(previous)
            return self
        Snapshot = base.resource_class('snapshot')
        try:
            snapshot = Snapshot.get_by_id(owner.get('snapshot_id'))
        except errors.NotFound:
            self._set_status('error', 'a revert to snapshot %s was '
                             'interrupted and the snapshot is gone; the data '
                             'may be partly reverted' % owner.get('snapshot_id'))
            return self
        if snapshot.status == 'restoring':
            snapshot._set_status('available')
        self._set_status('available')
        return self.revert_to_snapshot(snapshot)

    # Retype --------------------------------------------------------------
    def _new_type(self, volume_type, extra_specs, qos_specs):
        """(type id, name, extra specs, QoS specs) a retype asks for."""
        if volume_type is not None:
            if extra_specs is not None or qos_specs is not None:
                raise errors.InvalidInput(
                    'retype of volume %s: give volume_type or '
                    'extra_specs/qos_specs, not both' % self.id)
            if not isinstance(volume_type, VolumeType):
                volume_type = VolumeType.get(volume_type)
            return (volume_type.id, volume_type.name,
                    volume_type.extra_specs, volume_type.qos_specs)
        return (self.id, volume_types.own_type_name(self.id),
                validation.spec_dict(extra_specs, 'extra_specs')
                if extra_specs is not None else dict(self.extra_specs),
                validation.spec_dict(qos_specs, 'qos_specs')
                if qos_specs is not None else dict(self.qos_specs))

    def retype_diff(self, volume_type=None, extra_specs=None, qos_specs=None):
        """Cinder's diff of a retype, or None when the volume already has
        that type (what check mode reports)."""
        new_id, _name, new_extra, new_qos = self._new_type(
            volume_type, extra_specs, qos_specs)
        diff, equal = volume_types.types_diff(
            self.extra_specs, self.qos_specs, new_extra, new_qos)
        if equal and (self._ovo.volume_type_id or self.id) == new_id:
            return None
        return diff

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
        new_id, new_name, new_extra, new_qos = self._new_type(
            volume_type, extra_specs, qos_specs)
        diff = self.retype_diff(volume_type, extra_specs, qos_specs)
        if diff is None:
            return False
        new_multi = is_multiattach_spec(new_extra)
        if is_multiattach_spec(self.extra_specs) != new_multi:
            if self.status == 'in-use':
                raise errors.InvalidInput(
                    'volume %s is in use; Cinder changes multiattach only '
                    'on available volumes: disconnect it first' % self.id)
            if new_multi:
                check_multiattach_supported(self.backend, self.pool_name)
        driver = self.backend.driver
        cinder = library_state.cinder()
        new_type = volume_types.volume_type_ovo(
            cinder.objects, cinder.context, new_id, new_name, new_extra,
            new_qos)
        host = {'host': self._ovo.host, 'capabilities': self.backend.stats()}
        previous = self.status
        old_specs = (self.extra_specs, self.qos_specs)

        def unchanged(message=None):
            self.extra_specs, self.qos_specs = old_specs
            self._set_status(previous)
        self._set_status('retyping', previous=previous)
        # While the driver works, the DB stand-ins answer for the new type
        # (RBD reads its QoS through qos_specs_get); the record keeps the old
        # one until the driver accepts.
        self.extra_specs, self.qos_specs = new_extra, new_qos
        try:
            with driver_calls.mapped_errors(
                    self._subject, 'retype', driver, backend=self.backend,
                    on_error=unchanged, on_busy=unchanged):
                answer = self._call('retyping', driver.retype, cinder.context,
                                    self._ovo, new_type, diff, host)
        except errors.DriverTimeout:
            unchanged()
            raise
        accepted, update = (answer if isinstance(answer, tuple)
                            else (answer, None))
        if not accepted:
            unchanged()
            raise errors.NotSupported(
                'volume %s: the driver %s cannot change %s in place; the '
                'volume is unchanged (Cinder would migrate it to another '
                'backend)' % (self.id, type(driver).__name__,
                              volume_types.describe_diff(diff)))
        typed = bool(new_extra or new_qos) or new_id != self.id
        self._ovo.volume_type_id = new_id if typed else None
        self._ovo.multiattach = new_multi
        if update:
            self._update_fields(update, save=False)
        self._ovo.volume_type = self._volume_type_ovo(self._ovo)
        self._set_status(previous)
        return True
