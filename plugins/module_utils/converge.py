# -*- coding: utf-8 -*-
# Copyright: contributors to the openstack.cinderlib collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the storage-side modules do: compare, then change only what differs.

Each function takes a StorageModule and ends the task.  The comparison
reads records only; the backend (Cinder and the driver) is set up only on
the branches that call the driver.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.openstack.cinderlib.plugins.module_utils import attach
from ansible_collections.openstack.cinderlib.plugins.module_utils import records

# Statuses a declared resource may be found in and used as it is.
USABLE = ('available', 'in-use')


def _check_usable(sm, record, what):
    if record['status'] not in USABLE:
        sm.fail('%s %s (%s) is in status %s%s; it cannot be used as it is: '
                'remove it with state=absent (add cascade for a volume with '
                'snapshots or connections) and declare it again' % (
                    what, record.get('name') or '', record['id'],
                    record['status'],
                    ' (%s)' % record['data']['error_message']
                    if record['data'].get('error_message') else ''))


def _volume_locks(record):
    """The locks a task holds while it changes this volume (or makes it)."""
    locks = [('volume', record['id'])]
    if record.get('name'):
        locks.append(('volume-name', record['name']))
    return locks


def _settled(sm, record, kind, reconcile=True):
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
    if sm.check_mode:
        if not reconcile:
            return record
        _check_no_live_owner(sm, record, kind)
        sm.settled = True
        return records.settled_view(record)
    # The locks its operation takes: a live owner holds them until it is
    # done, and two runs never settle one record at once.
    locks = (_volume_locks(record) if kind == 'volume' else
             [('volume', record['volume_id'])])
    with sm.exclusive(*locks):
        found = getattr(sm.persistence, 'get_%ss' % kind)(
            **{kind + '_id': record['id']})
        if not reconcile or not found or \
                not records.needs_settling(found[0], kind):
            return found[0] if found else None
        _check_no_live_owner(sm, found[0], kind)
        core = (sm.volume(found[0]) if kind == 'volume'
                else _core_snapshot(sm, found[0]))
        # Settling changes the storage or the records: the task says so.
        sm.settled = True
        if core.reconcile() is None:
            return None
    return getattr(sm.persistence, 'get_%ss' % kind)(
        **{kind + '_id': record['id']})[0]


def _check_no_live_owner(sm, record, kind):
    owner = records.owner_of(record)
    if records.owner_alive(owner):
        sm.fail('%s %s (%s) is in status %s: %s is working on it; run again '
                'once it has finished' % (
                    kind, record.get('name') or '', record['id'],
                    record['status'], records.describe_owner(
                        owner, record['status'])))


def _volume_by_id(sm, volume_id):
    found = sm.records.get_volumes(volume_id=volume_id)
    return found[0] if found else None


def _fresh_volume(sm, volume_id):
    return records.volume_view(sm.persistence.get_volumes(
        volume_id=volume_id)[0])


def _fresh_snapshot(sm, snapshot_id):
    return records.snapshot_view(sm.persistence.get_snapshots(
        snapshot_id=snapshot_id)[0])


# Volumes ------------------------------------------------------------------
def volume(sm):
    params = sm.params
    if params['size'] is not None and params['size'] < 1:
        sm.fail('size must be a whole number of GiB, 1 or more; got %s'
                % params['size'])
    key = params['id'] or params['name']
    record = sm.find_volume(key)
    if params['state'] == 'absent':
        return _volume_absent(sm, _settled(sm, record, 'volume',
                                           reconcile=False))
    record = _settled(sm, record, 'volume')
    if record is None:
        return _volume_create(sm, key)
    return _volume_update(sm, record)


def _volume_create(sm, key):
    params = sm.params
    if params['size'] is None and not (params['source_volume'] or
                                       params['source_snapshot'] or
                                       params['existing_ref']):
        sm.fail('size is required to create volume %s: give its size in '
                'GiB (or source_volume, source_snapshot or existing_ref)'
                % (params['name'] or params['id']))
    fields = dict(name=params['name'], description=params['description'],
                  id=params['id'])
    if params['metadata'] is not None:
        fields['metadata'] = params['metadata']
    create, sources = _volume_creator(sm, fields)
    planned = {'name': params['name'], 'size': params['size'],
               'description': params['description'],
               'metadata': params['metadata'] or {}, 'status': 'available'}
    if sm.check_mode:
        sm.exit(True, before={}, after=planned, volume=planned)
    locks = [('volume', source) for source in sources]
    if params['name']:
        locks.append(('volume-name', params['name']))
    if params['id']:
        locks.append(('volume', params['id']))
    with sm.exclusive(*locks):
        raced = sm.find_volume(key)
        if raced is not None:
            return _volume_update(sm, raced)
        if params['name']:
            _check_name_free(sm, params['name'])
        created = create()
    after = _fresh_volume(sm, created.id)
    sm.exit(True, before={}, after=after, volume=after)


def _volume_creator(sm, fields):
    """A function creating the volume as declared (validated first), and
    the ids of the volumes it reads (their locks are held meanwhile)."""
    params = sm.params
    size = params['size']
    specs = dict(extra_specs=params['extra_specs'],
                 qos_specs=params['qos_specs'])
    if params['existing_ref']:
        return lambda: sm.backend.manage_volume(
            params['existing_ref'], pool_name=params['pool_name'],
            **dict(fields, **specs)), ()
    if params['source_snapshot']:
        source_volume = None
        if params['source_volume']:
            source_volume = sm.find_volume(params['source_volume'],
                                           'source_volume')
        snapshot = sm.find_snapshot(params['source_snapshot'], source_volume,
                                    'source_snapshot')
        if snapshot is None:
            sm.fail('source_snapshot %s not found%s; give the id of a '
                    'snapshot of backend %s, or its name with source_volume'
                    % (params['source_snapshot'], ' on volume %s' %
                       params['source_volume'] if params['source_volume']
                       else '', sm.backend_name))
        _check_usable(sm, snapshot, 'source snapshot')
        _check_not_smaller(sm, size, snapshot['size'] or
                           records.snapshot_view(snapshot)['volume_size'],
                           'snapshot')
        return lambda: _core_snapshot(sm, snapshot).create_volume(
            size=size, **fields), (snapshot['volume_id'],)
    if params['source_volume']:
        source = sm.find_volume(params['source_volume'], 'source_volume')
        if source is None:
            sm.fail('source_volume %s not found on backend %s' % (
                params['source_volume'], sm.backend_name))
        _check_usable(sm, source, 'source volume')
        _check_not_smaller(sm, size, source['size'], 'source volume')
        return lambda: sm.volume(source).clone(size=size, **fields), \
            (source['id'],)
    return lambda: sm.backend.create_volume(
        size, pool_name=params['pool_name'], **dict(fields, **specs)), ()


def _check_name_free(sm, name, renamed=None):
    """Fail unless no volume of the backend but ``renamed`` has ``name``
    (names are how tasks find volumes: two would make them ambiguous)."""
    holders = [r for r in sm.records.get_volumes(
        volume_name=name, backend_name=sm.backend_name)
        if renamed is None or r['id'] != renamed['id']]
    if not holders:
        return
    holder = ', '.join(sorted(r['id'] for r in holders))
    if renamed is None:
        sm.fail('name: volume %s already exists on backend %s with another '
                'id (%s); give its id, or another name for the new volume'
                % (name, sm.backend_name, holder))
    sm.fail('name: volume %s (%s) cannot be renamed to %s: volume %s on '
            'backend %s already has that name; nothing was changed: choose '
            'another name, or remove or rename that volume first' % (
                renamed['name'] or renamed['id'], renamed['id'], name,
                holder, sm.backend_name))


def _check_not_smaller(sm, size, source_size, what):
    if size is not None and source_size and size < source_size:
        sm.fail('size %s GiB is smaller than the %s (%s GiB); give at least '
                '%s or leave size out' % (size, what, source_size,
                                          source_size))


def _core_snapshot(sm, record):
    sm.setup_backend()
    from ansible_collections.openstack.cinderlib.plugins.module_utils import cinderlib as cl
    return cl.Snapshot.get_by_id(record['id'])


def _volume_update(sm, record):
    plan = _volume_plan(sm, record)
    if plan is None:
        sm.exit(False, volume=records.volume_view(record))
    if sm.check_mode:
        sm.exit(True, before=plan['before'], after=plan['after'],
                volume=plan['after'])
    locks = [('volume', record['id'])]
    if plan['rename']:
        locks.append(('volume-name', sm.params['name']))
    with sm.exclusive(*locks):
        # Another task may have made the same change meanwhile.
        record = _volume_by_id(sm, record['id'])
        if record is None:
            sm.fail('volume %s was removed by another task meanwhile; '
                    'nothing was changed' % (sm.params['name'] or
                                             sm.params['id']))
        plan = _volume_plan(sm, record)
        if plan is None:
            sm.exit(False, volume=records.volume_view(record))
        if plan['relabel'] or plan['rename']:
            sm.persistence.set_volume(record)
        if plan['grow']:
            sm.volume(record).extend(sm.params['size'])
    after = _fresh_volume(sm, record['id'])
    sm.exit(True, before=plan['before'], after=after, volume=after)


def _volume_plan(sm, record):
    """What the declaration changes on the volume (``record`` is updated
    for the record-only changes), or None."""
    params = sm.params
    _check_usable(sm, record, 'volume')
    before = records.volume_view(record)
    size = params['size']
    if size is not None and size < record['size']:
        sm.fail('size: volume %s is %s GiB; shrinking to %s GiB is refused '
                '(it would destroy data); declare %s or more' % (
                    record['name'] or record['id'], record['size'], size,
                    record['size']))
    grow = size is not None and size > record['size']
    rename = bool(params['id'] and params['name'] and
                  params['name'] != record['name'])
    if rename:
        _check_name_free(sm, params['name'], record)
    relabel = records.update_volume_record(record, params['description'],
                                           params['metadata'])
    if rename:
        record['name'] = record['data']['fields']['display_name'] = \
            params['name']
    if not (grow or relabel or rename):
        return None
    after = records.volume_view(record)
    if grow:
        after['size'] = size
    return dict(before=before, after=after, grow=grow, relabel=relabel,
                rename=rename)


def _volume_absent(sm, record):
    if record is None:
        sm.exit(False, volume={})
    before = records.volume_view(record)
    _check_removable(sm, record)
    if sm.check_mode:
        sm.exit(True, before=before, after={}, volume=before)
    with sm.exclusive(('volume', record['id'])):
        # Of many tasks removing it at once, the first does.
        record = _volume_by_id(sm, record['id'])
        if record is None:
            sm.exit(False, volume={})
        _check_removable(sm, record)
        volume = sm.volume(record)
        for connection in list(volume.connections):
            connection.disconnect()
        for snapshot in list(volume.snapshots):
            if sm.params['keep_on_backend']:
                snapshot.unmanage()
            else:
                snapshot.delete()
        if sm.params['keep_on_backend']:
            volume.unmanage()
        else:
            volume.delete()
    sm.exit(True, before=before, after={}, volume=before)


def _check_removable(sm, record):
    params = sm.params
    snapshots = sm.records.get_snapshots(volume_id=record['id'])
    connections = sm.records.get_connections(volume_id=record['id'])
    if (snapshots or connections) and not params['cascade']:
        sm.fail('volume %s has %s; set cascade: true to remove them first '
                '(snapshots are %s, connections terminated), or remove them '
                'with cl_snapshot / cl_connection state=absent' % (
                    record['name'] or record['id'],
                    _dependents(snapshots, connections),
                    'unmanaged' if params['keep_on_backend'] else 'deleted'))


def _dependents(snapshots, connections):
    parts = []
    if snapshots:
        parts.append('%d snapshot(s): %s' % (len(snapshots), ', '.join(
            s['name'] or s['id'] for s in snapshots)))
    if connections:
        parts.append('%d connection(s) for host(s) %s' % (
            len(connections), ', '.join(
                str(records.connection_view(c)['attached_host'])
                for c in connections)))
    return ' and '.join(parts)


# Snapshots ----------------------------------------------------------------
def snapshot(sm):
    params = sm.params
    absent = params['state'] == 'absent'
    volume_record = _settled(sm, sm.find_volume(params['volume'], 'volume'),
                             'volume', reconcile=not absent)
    if volume_record is None:
        if absent:
            sm.exit(False, snapshot={})
        sm.fail('volume %s not found on backend %s; create it first with '
                'cl_volume' % (params['volume'], sm.backend_name))
    record = sm.find_snapshot(params['name'], volume_record)
    record = _settled(sm, record, 'snapshot', reconcile=not absent)
    if absent:
        return _snapshot_absent(sm, volume_record, record)
    if record is not None:
        return _snapshot_update(sm, volume_record, record)
    _check_usable(sm, volume_record, 'volume')
    planned = {'name': params['name'], 'description': params['description'],
               'volume_id': volume_record['id'], 'status': 'available'}
    if sm.check_mode:
        sm.exit(True, before={}, after=planned, snapshot=planned)
    with sm.exclusive(('volume', volume_record['id'])):
        volume_record = _locked_volume(sm, volume_record)
        raced = sm.find_snapshot(params['name'], volume_record)
        if raced is not None:
            return _snapshot_update(sm, volume_record, raced)
        volume = sm.volume(volume_record)
        if params['existing_ref']:
            created = volume.manage_snapshot(
                params['existing_ref'], name=params['name'],
                description=params['description'])
        else:
            created = volume.create_snapshot(
                name=params['name'], description=params['description'])
    after = _fresh_snapshot(sm, created.id)
    sm.exit(True, before={}, after=after, snapshot=after)


def _locked_volume(sm, volume_record):
    """The volume's record read again under its lock, usable."""
    record = _volume_by_id(sm, volume_record['id'])
    if record is None:
        sm.fail('volume %s was removed by another task meanwhile; nothing '
                'was changed' % (volume_record['name'] or volume_record['id']))
    _check_usable(sm, record, 'volume')
    return record


def _snapshot_absent(sm, volume_record, record):
    if record is None:
        sm.exit(False, snapshot={})
    before = records.snapshot_view(record)
    if sm.check_mode:
        sm.exit(True, before=before, after={}, snapshot=before)
    with sm.exclusive(('volume', volume_record['id'])):
        # Of many tasks removing it at once, the first does.
        if sm.find_snapshot(record['id']) is None:
            sm.exit(False, snapshot={})
        core = _core_snapshot(sm, record)
        if sm.params['keep_on_backend']:
            core.unmanage()
        else:
            core.delete()
    sm.exit(True, before=before, after={}, snapshot=before)


def _snapshot_update(sm, volume_record, record):
    _check_usable(sm, record, 'snapshot')
    before = records.snapshot_view(record)
    description = sm.params['description']
    if description is None or description == before['description']:
        sm.exit(False, snapshot=before)
    after = dict(before, description=description)
    if sm.check_mode:
        sm.exit(True, before=before, after=after, snapshot=after)
    with sm.exclusive(('volume', volume_record['id'])):
        record = sm.find_snapshot(record['id'])
        if record is None:
            sm.fail('snapshot %s was removed by another task meanwhile; '
                    'nothing was changed' % before['name'])
        if record['data']['fields'].get('display_description') == \
                description:
            sm.exit(False, snapshot=records.snapshot_view(record))
        record['data']['fields']['display_description'] = description
        sm.persistence.set_snapshot(record)
    sm.exit(True, before=before, after=after, snapshot=after)


# Connections ----------------------------------------------------------------
def connection(sm):
    params = sm.params
    absent = params['state'] == 'absent'
    volume_record = _settled(sm, sm.find_volume(params['volume'], 'volume'),
                             'volume', reconcile=not absent)
    connector = params['connector']
    if volume_record is None:
        if absent:
            sm.exit(False, connection={})
        sm.fail('volume %s not found on backend %s; create it first with '
                'cl_volume' % (params['volume'], sm.backend_name))
    found = _host_connections(sm, volume_record, connector)
    if absent:
        if not found:
            sm.exit(False, connection={})
        before = records.connection_view(found[0])
        if sm.check_mode:
            sm.exit(True, before=before, after={}, connection=before)
        with sm.exclusive(('volume', volume_record['id'])):
            # Of many tasks disconnecting the host at once, the first does.
            found = _host_connections(sm, volume_record, connector)
            if not found:
                sm.exit(False, connection={})
            before = records.connection_view(found[0])
            for record in found:
                _core_connection(sm, record).disconnect()
        sm.exit(True, before=before, after={}, connection=before)
    if found:
        sm.exit(False, connection=_connection_result(sm, found[0]))
    _check_connectable(sm, volume_record)
    planned = {'volume_id': volume_record['id'], 'connector': connector,
               'status': 'attached'}
    if sm.check_mode:
        sm.exit(True, before={}, after=planned, connection=planned)
    with sm.exclusive(('volume', volume_record['id'])):
        found = _host_connections(sm, volume_record, connector)
        if found:
            sm.exit(False, connection=_connection_result(sm, found[0]))
        volume_record = _locked_volume(sm, volume_record)
        _check_connectable(sm, volume_record)
        created = sm.volume(volume_record).connect(connector)
    record = sm.persistence.get_connections(connection_id=created.id)[0]
    result = _connection_result(sm, record, created)
    sm.exit(True, before={}, after=records.connection_view(record),
            connection=result)


def _check_connectable(sm, volume_record):
    _check_usable(sm, volume_record, 'volume')
    if volume_record['status'] == 'in-use' and not volume_record['data'][
            'fields'].get('multiattach'):
        hosts = ', '.join(str(records.connection_view(c)['attached_host'])
                          for c in sm.records.get_connections(
                              volume_id=volume_record['id']))
        sm.fail('volume %s is already connected to %s and is not '
                'multiattach; disconnect it there first (cl_connection '
                'state=absent)' % (volume_record['name'] or
                                   volume_record['id'], hosts))


def _host_connections(sm, volume_record, connector):
    return [record for record in sm.records.get_connections(
        volume_id=volume_record['id']) if records.same_host(record,
                                                            connector)]


def gather_connector(sm):
    """This host's connector, for a storage-side cl_connection task."""
    sm.require('os_brick')
    params = sm.params
    attach.setup_privsep(params['root_helper'])
    sm.exit(False, connector=attach.connector_properties(
        params['root_helper'], params['multipath'],
        params['enforce_multipath']))


def _core_connection(sm, record):
    sm.setup_backend()
    from ansible_collections.openstack.cinderlib.plugins.module_utils import cinderlib as cl
    return cl.Connection.get_by_id(record['id'])


def _connection_result(sm, record, live=None):
    """The connection as returned; credentials only when asked for."""
    view = records.connection_view(record)
    if sm.params['include_secrets']:
        live = live or _core_connection(sm, record)
        view['conn_info'] = live.conn_info_with_secrets()
    return view


# Backend facts -----------------------------------------------------------
def backend_facts(sm):
    params = sm.params
    facts = {'name': sm.backend_name,
             'volume_driver': sm.driver_options['volume_driver']}
    if params['stats']:
        cached = None if params['refresh'] else sm.cached_stats()
        cached = cached or sm.refresh_stats()
        stats = cached['stats']
        facts['stats'] = stats
        facts['stats_updated_at'] = cached['updated_at']
        facts['pools'] = [pool.get('pool_name') for pool in
                          stats.get('pools') or []] or [sm.backend_name]
        facts['driver_version'] = stats.get('driver_version')
        facts['capabilities'] = {key: value for key, value in stats.items()
                                 if key != 'pools'}
    if params['resources']:
        volumes = sm.records.get_volumes(backend_name=sm.backend_name)
        facts['volumes'] = [records.volume_view(r) for r in volumes]
        facts['snapshots'] = []
        facts['connections'] = []
        for volume_record in volumes:
            facts['snapshots'].extend(
                records.snapshot_view(r) for r in sm.records.get_snapshots(
                    volume_id=volume_record['id']))
            facts['connections'].extend(
                records.connection_view(r) for r in
                sm.records.get_connections(volume_id=volume_record['id']))
    if params['manageable']:
        paging = {key: params[key] for key in
                  ('marker', 'limit', 'offset', 'sort_keys', 'sort_dirs')}
        facts['manageable_volumes'] = sm.backend.list_manageable_volumes(
            **paging)
        facts['manageable_snapshots'] = sm.backend.list_manageable_snapshots(
            **paging)
    sm.exit(False, backend=facts, ansible_facts={'cinderlib_backend': facts})
