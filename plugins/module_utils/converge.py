# -*- coding: utf-8 -*-
# Copyright: contributors to the openstack.cinderlib collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the storage-side modules do: compare, then change only what differs.

``volume(sm, decl)``, ``snapshot(sm, decl)``, ``connection(sm, decl)``,
``gather_connector(sm, decl)`` and ``backend_facts(sm, decl)`` converge one
declaration and return a ``results.Result``; a declaration that cannot be
converged raises ``results.Refused`` (other errors are the core's).  None
of them ends the task: the module's ``run`` does.  ``sm`` is a
StorageModule (the shared options: backend, persistence, locks); ``decl``
is a dict of the module's own options (cl_volume: name, id, size, ...),
a missing one counting as not given.  Nothing about a declaration is kept
on ``sm``, so threads may converge declarations over one StorageModule at
once.

Each function decides from records first (the backend, Cinder and the
driver are set up only on the branches that call the driver), then, to
change anything, takes the locks of what it changes, reads the records
again and decides once more under them: of many tasks declaring one
change, one makes it.  Check mode stops after the first decision, with
the result the views of records.py give for what would be made.
"""

from ansible_collections.openstack.cinderlib.plugins.module_utils import errors
from ansible_collections.openstack.cinderlib.plugins.module_utils import records
from ansible_collections.openstack.cinderlib.plugins.module_utils import validation
from ansible_collections.openstack.cinderlib.plugins.module_utils.type_specs import (
    MULTIATTACH_SPEC, SPEC_TRUE, is_multiattach_spec)
from ansible_collections.openstack.cinderlib.plugins.module_utils.results import Refused, Result

# Statuses a declared resource may be found in and used as it is.
USABLE = ('available', 'in-use')


class _Task:
    """One declaration being converged, and what converging it noticed."""

    def __init__(self, sm, decl):
        self.sm = sm
        self.decl = decl
        self.check_mode = sm.check_mode
        self.warnings = []
        # It settled what an interrupted run left: a change.
        self.settled = False

    @property
    def absent(self):
        return self.decl.get('state') == 'absent'

    def exclusive(self, *resources):
        return self.sm.exclusive(*resources, warnings=self.warnings)

    def result(self, changed, before=None, after=None, **values):
        return Result(changed, before=before, after=after,
                      warnings=self.warnings, settled=self.settled, **values)


def _check_usable(record, what):
    if record['status'] not in USABLE:
        error = records.error_message(record)
        raise Refused(
            '%s %s (%s) is in status %s%s; it cannot be used as it is: '
            'remove it with state=absent (add cascade for a volume with '
            'snapshots or connections) and declare it again' % (
                what, record.get('name') or '', record['id'],
                record['status'], ' (%s)' % error if error else ''))


def _volume_locks(record):
    """The locks a task holds while it changes this volume (or makes it)."""
    locks = [('volume', record['id'])]
    if record.get('name'):
        locks.append(('volume-name', record['name']))
    return locks


def _settled(task, record, kind, reconcile=True):
    """The record once no task works on it any more.

    A record in a transitional status is another task's (on another host,
    in another play) holding the locks of what it changes: wait for them
    and look again.  Still transitional under the lock, or left in error
    by an interrupted operation, it is what a killed or timed-out run left:
    with ``reconcile``, settle it with the backend (Resource.reconcile);
    None if an interrupted creation was undone (create it again).
    """
    if record is None or not records.needs_settling(record, kind):
        return record
    sm = task.sm
    if task.check_mode:
        if not reconcile:
            return record
        _check_no_live_owner(record, kind)
        task.settled = True
        return records.settled_view(record)
    # The locks its operation takes: a live owner holds them until it is
    # done, and two runs never settle one record at once.
    locks = (_volume_locks(record) if kind == 'volume' else
             [('volume', record['volume_id'])])
    with task.exclusive(*locks):
        found = records.fresh_record(sm.persistence, kind, record['id'])
        if not reconcile or found is None or \
                not records.needs_settling(found, kind):
            return found
        _check_no_live_owner(found, kind)
        core = sm.volume(found) if kind == 'volume' else sm.snapshot(found)
        # Settling changes the storage or the records: the task says so.
        task.settled = True
        if core.reconcile() is None:
            return None
    return records.fresh_record(sm.persistence, kind, record['id'])


def _check_no_live_owner(record, kind):
    owner = records.owner_of(record)
    if records.owner_alive(owner):
        raise Refused(
            '%s %s (%s) is in status %s: %s is working on it; run again '
            'once it has finished' % (
                kind, record.get('name') or '', record['id'],
                record['status'], records.describe_owner(
                    owner, record['status'])))


def _removed_meanwhile(what, name):
    return Refused('%s %s was removed by another task meanwhile; nothing '
                   'was changed' % (what, name))


def _planned(view):
    """A view of a planned record: what only the creation will tell (its
    id, unless declared) is left out rather than shown as null."""
    return {key: value for key, value in view.items()
            if not (key == 'id' and value is None)}


# Named volume types ---------------------------------------------------------
def volume_type(sm, decl):
    """Converge one cl_volume_type declaration: a named type in persistence
    (no driver call).  Its specs change only while no volume uses it."""
    task = _Task(sm, decl)
    name = decl.get('name')
    if not isinstance(name, str) or not name.strip():
        raise Refused('name: give the volume type a non-empty name')
    found = sm.records.get_volume_types(type_name=name)
    before = records.volume_type_view(found[0]) if found else {}
    if task.absent:
        if not found:
            return task.result(False, volume_type={})
        _check_type_unused(sm, found[0], 'deleted')
        if task.check_mode:
            return task.result(True, before=before, after={},
                               volume_type=before)
        with task.exclusive(('volume-type', name)):
            found = sm.records.get_volume_types(type_name=name)
            if not found:
                return task.result(False, volume_type={})
            _check_type_unused(sm, found[0], 'deleted')
            sm.persistence.delete_volume_type(found[0]['id'])
        return task.result(True, before=before, after={}, volume_type=before)
    wanted = records.volume_type_record(
        name, _spec_option(decl, 'extra_specs'),
        _spec_option(decl, 'qos_specs'), decl.get('description'))
    after = records.volume_type_view(wanted)
    if found and found[0] == wanted:
        return task.result(False, volume_type=before)
    if found:
        _check_type_unused(sm, found[0], 'changed')
    if task.check_mode:
        return task.result(True, before=before, after=after,
                           volume_type=after)
    with task.exclusive(('volume-type', name)):
        # Of many tasks defining it at once, the first does.
        found = sm.records.get_volume_types(type_name=name)
        if found and found[0] == wanted:
            return task.result(False, volume_type=before)
        if found:
            _check_type_unused(sm, found[0], 'changed')
        sm.persistence.set_volume_type(wanted)
    return task.result(True, before=before, after=after, volume_type=after)


def _spec_option(decl, option):
    value = decl.get(option) or {}
    if not isinstance(value, dict):
        raise Refused('%s must be a dict of spec names and values; got %r'
                      % (option, value))
    return {str(key): str(item) for key, item in value.items()}


def _check_type_unused(sm, type_record, doing):
    users = records.volumes_of_type(sm.records, type_record)
    if users:
        raise Refused(
            'volume type %s is used by %d volume(s) (%s), so it cannot be %s: '
            '%s' % (type_record['name'], len(users), ', '.join(users[:5]),
                    doing, 'delete them or retype them to another type first'
                    if doing == 'deleted' else 'define a new type and retype '
                    'the volumes to it (cl_volume volume_type)'))


# Volumes ------------------------------------------------------------------
def volume(sm, decl):
    """Converge one cl_volume declaration (see the module doc)."""
    task = _Task(sm, decl)
    check_volume_declaration(decl)
    key = decl.get('id') or decl.get('name')
    record = sm.find_volume(key)
    if task.absent:
        return _volume_absent(task, _settled(task, record, 'volume',
                                             reconcile=False))
    record = _settled(task, record, 'volume')
    if record is None:
        return _volume_create(task, key)
    return _volume_update(task, record)


def check_volume_declaration(decl):
    """Refuse what is wrong with a cl_volume declaration whatever the
    records say (cl_volumes checks every item so before changing any)."""
    if decl.get('size') is not None:
        try:
            validation.size_gib(decl['size'])
        except errors.InvalidInput as exc:
            raise Refused(str(exc)) from None


def planned_volume(backend_name, decl, volume_type=None):
    """The view check mode shows for the volume a declaration would create
    (``volume_type``: the named type's record it would have, if any)."""
    planned = records.planned_record(
        backend_name, 'available', id=decl.get('id'), name=decl.get('name'),
        size=decl.get('size'), fields={
            'display_description': decl.get('description'),
            'metadata': decl.get('metadata') or {}})
    extra_specs = _spec_option(decl, 'extra_specs')
    if decl.get('multiattach'):
        extra_specs[MULTIATTACH_SPEC] = SPEC_TRUE
    return _planned(records.volume_view(records.typed(
        planned, volume_type, extra_specs, _spec_option(decl, 'qos_specs'))))


def _volume_create(task, key):
    sm, decl = task.sm, task.decl
    name, volume_id = decl.get('name'), decl.get('id')
    if decl.get('size') is None and not (decl.get('source_volume') or
                                         decl.get('source_snapshot') or
                                         decl.get('existing_ref')):
        raise Refused('size is required to create volume %s: give its size '
                      'in GiB (or source_volume, source_snapshot or '
                      'existing_ref)' % (name or volume_id))
    if decl.get('revert_to_snapshot'):
        raise Refused('revert_to_snapshot: volume %s does not exist; revert '
                      'an existing volume, or create it from the snapshot '
                      'with source_snapshot' % (name or volume_id))
    volume_type = _declared_type(task)
    fields = dict(name=name, description=decl.get('description'),
                  id=volume_id)
    if decl.get('metadata') is not None:
        fields['metadata'] = decl['metadata']
    if volume_type is not None:
        fields['volume_type'] = volume_type['name']
    if decl.get('multiattach') is not None:
        fields['multiattach'] = decl['multiattach']
    create, sources = _volume_creator(task, fields)
    if task.check_mode:
        planned = planned_volume(sm.backend_name, decl, volume_type)
        return task.result(True, before={}, after=planned, volume=planned)
    locks = [('volume', source) for source in sources]
    if volume_type is not None:
        # The type cannot change while a volume of it is being made.
        locks.append(('volume-type', volume_type['name']))
    if name:
        locks.append(('volume-name', name))
    if volume_id:
        locks.append(('volume', volume_id))
    created = None
    with task.exclusive(*locks):
        raced = sm.find_volume(key)
        if raced is None:
            if name and key != name:
                # Found by id: is the name another volume's?  (Looked up
                # by its name, nothing was found: it is free.)
                _check_name_free(sm, name)
            with _refused_as('multiattach' if decl.get('multiattach')
                             else None, errors.NotSupported):
                created = create()
    if raced is not None:
        # Another task made it meanwhile: converge it as found (under
        # its own locks, these released).
        return _volume_update(task, raced)
    after = records.volume_view(records.fresh_record(
        sm.persistence, 'volume', created.id))
    return task.result(True, before={}, after=after, volume=after)


def _volume_creator(task, fields):
    """A function creating the volume as declared (validated first), and
    the ids of the volumes it reads (their locks are held meanwhile)."""
    sm, decl = task.sm, task.decl
    size = decl.get('size')
    # As Cinder keeps them (strings), so that a re-run compares equal.
    specs = {option: _spec_option(decl, option) or None
             for option in ('extra_specs', 'qos_specs')}
    if decl.get('existing_ref'):
        return lambda: sm.backend.manage_volume(
            decl['existing_ref'], pool_name=decl.get('pool_name'),
            **dict(fields, **specs)), ()
    source_name = decl.get('source_volume')
    if decl.get('source_snapshot'):
        source_volume = None
        if source_name:
            source_volume = sm.find_volume(source_name, 'source_volume')
        snapshot = sm.find_snapshot(decl['source_snapshot'], source_volume,
                                    'source_snapshot')
        if snapshot is None:
            raise Refused(
                'source_snapshot %s not found%s; give the id of a snapshot '
                'of backend %s, or its name with source_volume' % (
                    decl['source_snapshot'], ' on volume %s' % source_name
                    if source_name else '', sm.backend_name))
        _check_usable(snapshot, 'source snapshot')
        _check_not_smaller(size, snapshot['size'] or records.snapshot_view(
            snapshot)['volume_size'], 'snapshot')
        return lambda: sm.snapshot(snapshot).create_volume(
            size=size, **fields), (snapshot['volume_id'],)
    if source_name:
        source = sm.find_volume(source_name, 'source_volume')
        if source is None:
            raise Refused('source_volume %s not found on backend %s' % (
                source_name, sm.backend_name))
        _check_usable(source, 'source volume')
        _check_not_smaller(size, source['size'], 'source volume')
        return lambda: sm.volume(source).clone(size=size, **fields), \
            (source['id'],)
    return lambda: sm.backend.create_volume(
        size, pool_name=decl.get('pool_name'), **dict(fields, **specs)), ()


def _check_name_free(sm, name, renamed=None):
    """Refuse unless no volume of the backend but ``renamed`` has ``name``
    (names are how tasks find volumes: two would make them ambiguous)."""
    holders = [r for r in sm.records.get_volumes(
        volume_name=name, backend_name=sm.backend_name)
        if renamed is None or r['id'] != renamed['id']]
    if not holders:
        return
    holder = ', '.join(sorted(r['id'] for r in holders))
    if renamed is None:
        raise Refused('name: volume %s already exists on backend %s with '
                      'another id (%s); give its id, or another name for the '
                      'new volume' % (name, sm.backend_name, holder))
    raise Refused('name: volume %s (%s) cannot be renamed to %s: volume %s on '
                  'backend %s already has that name; nothing was changed: '
                  'choose another name, or remove or rename that volume '
                  'first' % (renamed['name'] or renamed['id'], renamed['id'],
                             name, holder, sm.backend_name))


def _check_not_smaller(size, source_size, what):
    if size is not None and source_size and size < source_size:
        raise Refused('size %s GiB is smaller than the %s (%s GiB); give at '
                      'least %s or leave size out' % (size, what, source_size,
                                                      source_size))


def _volume_update(task, record):
    sm, decl = task.sm, task.decl
    plan = _volume_plan(task, record)
    if plan is None:
        return task.result(False, volume=records.volume_view(record))
    if task.check_mode:
        return task.result(True, before=plan['before'], after=plan['after'],
                           volume=plan['after'])
    locks = [('volume', record['id'])]
    if 'name' in plan['labels']:
        locks.append(('volume-name', decl['name']))
    if plan['retype'] and plan['retype'].get('volume_type'):
        locks.append(('volume-type', plan['retype']['volume_type']))
    with task.exclusive(*locks):
        # Another task may have made the same change meanwhile.
        record = records.fresh_record(sm.records, 'volume', record['id'])
        if record is None:
            raise _removed_meanwhile('volume', decl.get('name') or
                                     decl.get('id'))
        plan = _volume_plan(task, record)
        if plan is None:
            return task.result(False, volume=records.volume_view(record))
        if plan['labels']:
            record = records.save_labels(sm.persistence, 'volume', record,
                                         plan['labels'])
        if plan['grow']:
            grown = sm.volume(record)
            grown.extend(decl['size'])
            # An export the driver could not refresh (LVM's target).
            task.warnings.extend(grown.__dict__.pop('warnings', ()))
        if plan['retype'] is not None:
            _retype(sm, record, plan['retype'])
        if plan['revert'] is not None:
            _revert(sm, record, plan['revert'])
    after = records.volume_view(records.fresh_record(
        sm.persistence, 'volume', record['id']))
    return task.result(True, before=plan['before'], after=after,
                       volume=after)


def _volume_plan(task, record):
    """What the declaration changes on the volume, or None: the views
    before and after, whether it grows, the labels that change."""
    sm, decl = task.sm, task.decl
    _check_usable(record, 'volume')
    size = decl.get('size')
    if size is not None and size < record['size']:
        raise Refused('size: volume %s is %s GiB; shrinking to %s GiB is '
                      'refused (it would destroy data); declare %s or more'
                      % (record['name'] or record['id'], record['size'],
                         size, record['size']))
    grow = size is not None and size > record['size']
    # A name changes only for a volume declared by id as well.
    name = decl.get('name') if decl.get('id') else None
    labels = records.label_changes(record, name=name,
                                   description=decl.get('description'),
                                   metadata=decl.get('metadata'))
    if 'name' in labels:
        _check_name_free(sm, name, record)
    retype, planned = _retype_plan(task, record)
    revert = _revert_plan(task, record, grow or retype is not None)
    if not (grow or labels or retype is not None or revert is not None):
        return None
    after = records.volume_view(records.relabelled(planned, labels))
    if grow:
        after['size'] = size
    return dict(before=records.volume_view(record), after=after, grow=grow,
                labels=labels, retype=retype, revert=revert)


# Day-2: retype, multiattach, revert -------------------------------------
class _refused_as:
    """Around a core call: its ``kinds`` of errors become a Refused naming
    ``option`` (None: they pass as they are)."""

    def __init__(self, option, *kinds):
        self.option, self.kinds = option, kinds

    def __enter__(self):
        return self

    def __exit__(self, kind, exc, traceback):
        if self.option and exc is not None and isinstance(exc, self.kinds):
            raise Refused('%s: %s' % (self.option, exc)) from None
        return False


def _declared_type(task):
    """The type record ``volume_type`` names (None if not declared)."""
    records_reader = task.sm.records

    def find(name):
        found = records_reader.get_volume_types(type_name=name)
        return found[0] if found else None
    return declared_type(task.decl, find, lambda: [
        t['name'] for t in records_reader.get_volume_types()])


def declared_type(decl, find, defined):
    """The type record a declaration's ``volume_type`` names (None if not
    declared), from ``find(name)`` (the record or None); refuses a type
    that is not defined (``defined()``: the names that are) or that
    contradicts the declaration.  cl_volumes checks every item so before
    changing any."""
    name = decl.get('volume_type')
    if not name:
        return None
    if decl.get('extra_specs') or decl.get('qos_specs'):
        raise Refused('volume_type: give volume_type or extra_specs/'
                      'qos_specs, not both: a volume of type %s has that '
                      'type\'s specs' % name)
    volume_type = find(name)
    if volume_type is None:
        raise Refused('volume_type: volume type %s is not defined; define it '
                      'first with cl_volume_type (defined: %s)' % (
                          name, ', '.join(defined()) or 'none'))
    type_multiattach = is_multiattach_spec(volume_type['data'].get(
        'extra_specs'))
    if decl.get('multiattach') is not None and \
            decl['multiattach'] != type_multiattach:
        raise Refused('multiattach: volume type %s is %smultiattach; leave '
                      'multiattach out, or use a type with %s=%r%s' % (
                          name, '' if type_multiattach else 'not ',
                          MULTIATTACH_SPEC, SPEC_TRUE,
                          '' if decl['multiattach'] else ' left out'))
    return volume_type


def _retype_plan(task, record):
    """(what retype gets, the record as it would leave it) for the declared
    type or specs; (None, record) when the volume has them already."""
    decl = task.decl
    view = records.volume_view(record)
    volume_type = _declared_type(task)
    if volume_type is not None:
        if view['volume_type'] == volume_type['name']:
            return None, record
        return ({'volume_type': volume_type['name']},
                records.typed(record, volume_type))
    specs_declared = (decl.get('extra_specs') is not None or
                      decl.get('qos_specs') is not None)
    # Compared as strings, as Cinder keeps specs: records written before
    # specs were kept so may hold numbers.
    had = {option: _spec_option(view, option)
           for option in ('extra_specs', 'qos_specs')}
    extra = dict(had['extra_specs']) if decl.get('extra_specs') is None \
        else _spec_option(decl, 'extra_specs')
    qos = dict(had['qos_specs']) if decl.get('qos_specs') is None else \
        _spec_option(decl, 'qos_specs')
    if decl.get('multiattach') is not None:
        if decl['multiattach']:
            extra[MULTIATTACH_SPEC] = SPEC_TRUE
        elif is_multiattach_spec(extra):
            del extra[MULTIATTACH_SPEC]
    if extra == had['extra_specs'] and qos == had['qos_specs']:
        return None, record
    if view['volume_type'] and not specs_declared:
        raise Refused('multiattach: volume %s has volume type %s, whose '
                      'extra specs decide multiattach; declare volume_type '
                      'with a type that is (or is not) multiattach' % (
                          view['name'] or view['id'], view['volume_type']))
    if view['multiattach'] != is_multiattach_spec(extra) \
            and view['status'] == 'in-use':
        raise Refused('multiattach: volume %s is in use; Cinder changes '
                      'multiattach only on available volumes: disconnect it '
                      'first (cl_connection state=absent)'
                      % (view['name'] or view['id']))
    return ({'extra_specs': extra, 'qos_specs': qos},
            records.typed(record, None, extra, qos))


def _retype(sm, record, retype):
    option = 'volume_type' if 'volume_type' in retype else \
        'extra_specs/qos_specs'
    with _refused_as(option, errors.NotSupported, errors.InvalidInput):
        sm.volume(record).retype(**retype)


def _revert_plan(task, record, other_changes):
    """The snapshot record to revert the volume to (None if not asked)."""
    sm, decl = task.sm, task.decl
    name = decl.get('revert_to_snapshot')
    if not name:
        return None
    label = record['name'] or record['id']
    if other_changes:
        raise Refused('revert_to_snapshot: volume %s would also be grown or '
                      'retyped by this task; revert in a task of its own '
                      '(without size, volume_type, extra_specs, qos_specs '
                      'or multiattach changes)' % label)
    snapshot = sm.find_snapshot(name, record, 'revert_to_snapshot')
    if snapshot is None:
        raise Refused('revert_to_snapshot: volume %s has no snapshot %s; '
                      'give the name or id of one of its snapshots'
                      % (label, name))
    if sm.records.get_connections(volume_id=record['id']):
        raise Refused('revert_to_snapshot: volume %s has connections; it '
                      'can be reverted only while available: remove them '
                      'first (cl_connection state=absent)' % label)
    return snapshot


def _revert(sm, record, snapshot):
    with _refused_as('revert_to_snapshot', errors.NotSupported,
                     errors.InvalidInput):
        sm.volume(record).revert_to_snapshot(sm.snapshot(snapshot))


def _volume_absent(task, record):
    sm, decl = task.sm, task.decl
    if record is None:
        return task.result(False, volume={})
    before = records.volume_view(record)
    _check_removable(task, record)
    if task.check_mode:
        return task.result(True, before=before, after={}, volume=before)
    keep = decl.get('keep_on_backend')
    with task.exclusive(('volume', record['id'])):
        # Of many tasks removing it at once, the first does.
        record = records.fresh_record(sm.records, 'volume', record['id'])
        if record is None:
            return task.result(False, volume={})
        _check_removable(task, record)
        volume = sm.volume(record)
        for connection in list(volume.connections):
            connection.disconnect()
        for snapshot in list(volume.snapshots):
            if keep:
                snapshot.unmanage()
            else:
                snapshot.delete()
        if keep:
            volume.unmanage()
        else:
            volume.delete()
    return task.result(True, before=before, after={}, volume=before)


def _check_removable(task, record):
    sm, decl = task.sm, task.decl
    snapshots = sm.records.get_snapshots(volume_id=record['id'])
    connections = sm.records.get_connections(volume_id=record['id'])
    if (snapshots or connections) and not decl.get('cascade'):
        raise Refused(
            'volume %s has %s; set cascade: true to remove them first '
            '(snapshots are %s, connections terminated), or remove them '
            'with cl_snapshot / cl_connection state=absent' % (
                record['name'] or record['id'],
                _dependents(snapshots, connections),
                'unmanaged' if decl.get('keep_on_backend') else 'deleted'))


def _dependents(snapshots, connections):
    parts = []
    if snapshots:
        parts.append('%d snapshot(s): %s' % (len(snapshots), ', '.join(
            s['name'] or s['id'] for s in snapshots)))
    if connections:
        parts.append('%d connection(s) for host(s) %s' % (
            len(connections), _hosts(connections)))
    return ' and '.join(parts)


def _hosts(connections):
    return ', '.join(str(records.connection_view(c)['attached_host'])
                     for c in connections)


def _declared_volume(task):
    """The settled record of the volume a snapshot or connection names;
    None when it is gone and the declaration is state=absent."""
    sm, decl = task.sm, task.decl
    record = _settled(task, sm.find_volume(decl.get('volume'), 'volume'),
                      'volume', reconcile=not task.absent)
    if record is None and not task.absent:
        raise Refused('volume %s not found on backend %s; create it first '
                      'with cl_volume' % (decl.get('volume'),
                                          sm.backend_name))
    return record


def _locked_volume(sm, volume_record):
    """The volume's record read again under its lock, usable."""
    record = records.fresh_record(sm.records, 'volume', volume_record['id'])
    if record is None:
        raise _removed_meanwhile('volume', volume_record['name'] or
                                 volume_record['id'])
    _check_usable(record, 'volume')
    return record


# Snapshots ----------------------------------------------------------------
def snapshot(sm, decl):
    """Converge one cl_snapshot declaration (see the module doc)."""
    task = _Task(sm, decl)
    volume_record = _declared_volume(task)
    if volume_record is None:
        return task.result(False, snapshot={})
    name = decl.get('name')
    record = _settled(task, sm.find_snapshot(name, volume_record),
                      'snapshot', reconcile=not task.absent)
    if task.absent:
        return _snapshot_absent(task, volume_record, record)
    if record is not None:
        return _snapshot_update(task, volume_record, record)
    _check_usable(volume_record, 'volume')
    if task.check_mode:
        planned = _planned(records.snapshot_view(records.planned_record(
            sm.backend_name, 'available', name=name,
            volume_id=volume_record['id'], fields={
                'display_description': decl.get('description'),
                'volume_size': volume_record['size']})))
        return task.result(True, before={}, after=planned, snapshot=planned)
    created = None
    with task.exclusive(('volume', volume_record['id'])):
        volume_record = _locked_volume(sm, volume_record)
        raced = sm.find_snapshot(name, volume_record)
        if raced is None:
            volume = sm.volume(volume_record)
            if decl.get('existing_ref'):
                created = volume.manage_snapshot(
                    decl['existing_ref'], name=name,
                    description=decl.get('description'))
            else:
                created = volume.create_snapshot(
                    name=name, description=decl.get('description'))
    if raced is not None:
        # Another task made it meanwhile: converge it as found.
        return _snapshot_update(task, volume_record, raced)
    after = records.snapshot_view(records.fresh_record(
        sm.persistence, 'snapshot', created.id))
    return task.result(True, before={}, after=after, snapshot=after)


def _snapshot_absent(task, volume_record, record):
    sm = task.sm
    if record is None:
        return task.result(False, snapshot={})
    before = records.snapshot_view(record)
    if task.check_mode:
        return task.result(True, before=before, after={}, snapshot=before)
    with task.exclusive(('volume', volume_record['id'])):
        # Of many tasks removing it at once, the first does.
        if sm.find_snapshot(record['id']) is None:
            return task.result(False, snapshot={})
        core = sm.snapshot(record)
        if task.decl.get('keep_on_backend'):
            core.unmanage()
        else:
            core.delete()
    return task.result(True, before=before, after={}, snapshot=before)


def _snapshot_update(task, volume_record, record):
    sm = task.sm
    _check_usable(record, 'snapshot')
    before = records.snapshot_view(record)
    description = task.decl.get('description')
    labels = records.label_changes(record, description=description)
    if not labels:
        return task.result(False, snapshot=before)
    after = records.snapshot_view(records.relabelled(record, labels))
    if task.check_mode:
        return task.result(True, before=before, after=after, snapshot=after)
    with task.exclusive(('volume', volume_record['id'])):
        record = sm.find_snapshot(record['id'])
        if record is None:
            raise _removed_meanwhile('snapshot', before['name'])
        labels = records.label_changes(record, description=description)
        if not labels:
            return task.result(False, snapshot=records.snapshot_view(record))
        records.save_labels(sm.persistence, 'snapshot', record, labels)
    return task.result(True, before=before, after=after, snapshot=after)


# Connections ----------------------------------------------------------------
def connection(sm, decl):
    """Converge one storage-side cl_connection declaration."""
    task = _Task(sm, decl)
    volume_record = _declared_volume(task)
    if volume_record is None:
        return task.result(False, connection={})
    if task.absent:
        return _connection_absent(task, volume_record)
    connector = decl.get('connector')
    found = _host_connections(sm, volume_record, connector)
    if found:
        return task.result(False, connection=_connection_result(
            task, found[0]))
    _check_connectable(sm, volume_record)
    if task.check_mode:
        planned = _planned(records.connection_view(records.planned_record(
            sm.backend_name, 'attached', volume_id=volume_record['id'],
            fields={'connector': connector})))
        return task.result(True, before={}, after=planned,
                           connection=planned)
    with task.exclusive(('volume', volume_record['id'])):
        found = _host_connections(sm, volume_record, connector)
        if found:
            return task.result(False, connection=_connection_result(
                task, found[0]))
        volume_record = _locked_volume(sm, volume_record)
        _check_connectable(sm, volume_record)
        created = sm.volume(volume_record).connect(connector)
    record = records.fresh_record(sm.persistence, 'connection', created.id)
    return task.result(True, before={},
                       after=records.connection_view(record),
                       connection=_connection_result(task, record, created))


def _connection_absent(task, volume_record):
    sm = task.sm
    connector = task.decl.get('connector')
    found = _host_connections(sm, volume_record, connector)
    if not found:
        return task.result(False, connection={})
    before = records.connection_view(found[0])
    if task.check_mode:
        return task.result(True, before=before, after={}, connection=before)
    with task.exclusive(('volume', volume_record['id'])):
        # Of many tasks disconnecting the host at once, the first does.
        found = _host_connections(sm, volume_record, connector)
        if not found:
            return task.result(False, connection={})
        before = records.connection_view(found[0])
        for record in found:
            sm.connection(record).disconnect()
    return task.result(True, before=before, after={}, connection=before)


def _check_connectable(sm, volume_record):
    _check_usable(volume_record, 'volume')
    if volume_record['status'] == 'in-use' and \
            not records.multiattach(volume_record):
        raise Refused(
            'volume %s is already connected to %s and is not multiattach; '
            'disconnect it there first (cl_connection state=absent)' % (
                volume_record['name'] or volume_record['id'],
                _hosts(sm.records.get_connections(
                    volume_id=volume_record['id']))))


def _host_connections(sm, volume_record, connector):
    return [record for record in sm.records.get_connections(
        volume_id=volume_record['id']) if records.same_host(record,
                                                            connector)]


def _connection_result(task, record, live=None):
    """The connection as returned; credentials only when asked for."""
    view = records.connection_view(record)
    if task.decl.get('include_secrets'):
        live = live or task.sm.connection(record)
        view['conn_info'] = live.conn_info_with_secrets()
    return view


def gather_connector(sm, decl):
    """This host's connector, for a storage-side cl_connection task."""
    # Imported here: the node-side helpers are not needed by any other task.
    from ansible_collections.openstack.cinderlib.plugins.module_utils import attach
    sm.require('os_brick')
    root_helper = sm.params['root_helper']
    attach.setup_privsep(root_helper)
    return Result(False, connector=attach.connector_properties(
        root_helper, decl.get('multipath'), decl.get('enforce_multipath')))


# Backend facts -----------------------------------------------------------
def backend_facts(sm, decl):
    """What cl_backend_facts returns (``decl``: its options)."""
    facts = {'name': sm.backend_name,
             'volume_driver': sm.driver_options['volume_driver']}
    if decl.get('stats', True):
        cached = None if decl.get('refresh') else sm.cached_stats()
        cached = cached or sm.refresh_stats()
        stats = cached['stats']
        facts['stats'] = stats
        facts['stats_updated_at'] = cached['updated_at']
        facts['pools'] = [pool.get('pool_name') for pool in
                          stats.get('pools') or []] or [sm.backend_name]
        facts['driver_version'] = stats.get('driver_version')
        facts['capabilities'] = {key: value for key, value in stats.items()
                                 if key != 'pools'}
    if decl.get('resources', True):
        volumes = sm.records.get_volumes(backend_name=sm.backend_name)
        facts['volumes'] = [records.volume_view(r) for r in volumes]
        facts['volume_types'] = records.volume_type_facts(
            sm.records.get_volume_types(), volumes)
        facts['snapshots'] = []
        facts['connections'] = []
        for volume_record in volumes:
            facts['snapshots'].extend(
                records.snapshot_view(r) for r in sm.records.get_snapshots(
                    volume_id=volume_record['id']))
            facts['connections'].extend(
                records.connection_view(r) for r in
                sm.records.get_connections(volume_id=volume_record['id']))
    if decl.get('manageable'):
        paging = dict(marker=decl.get('marker'),
                      limit=decl.get('limit', 1000),
                      offset=decl.get('offset', 0),
                      sort_keys=decl.get('sort_keys'),
                      sort_dirs=decl.get('sort_dirs'))
        facts['manageable_volumes'] = sm.backend.list_manageable_volumes(
            **paging)
        facts['manageable_snapshots'] = sm.backend.list_manageable_snapshots(
            **paging)
    return Result(False, backend=facts,
                  ansible_facts={'cinderlib_backend': facts})
