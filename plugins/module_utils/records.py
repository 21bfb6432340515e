# -*- coding: utf-8 -*-
# Copyright: contributors to the openstack.cinderlib collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Persistence records as users see them, without loading Cinder.

A module task that changes nothing answers from these views alone, so it
never pays for importing Cinder.  The layout read here is the one
``resources`` writes: top-level ``id``/``backend``/``name``/``status``
plus the Cinder object's fields under ``data['fields']``.  Outside the
core, only this file reads or writes that layout: the views, the accessors
below them, and the labels (name, description, metadata: fields no driver
sees), which a task changes without loading Cinder.
"""

import copy
import os
import socket
import time
import uuid

from ansible_collections.openstack.cinderlib.plugins.module_utils.type_specs import is_multiattach_spec
from ansible_collections.openstack.cinderlib.plugins.module_utils.secrets import (
    MASK, masked_conn_info)


def _fields(record):
    return record['data'].get('fields', {})


def volume_view(record):
    fields = _fields(record)
    data = record['data']
    host = fields.get('host') or ''
    return {
        'id': record['id'], 'backend': record['backend'],
        'name': record.get('name'), 'size': record.get('size'),
        'status': record['status'],
        'description': fields.get('display_description'),
        'metadata': dict(fields.get('metadata') or {}),
        'attach_status': fields.get('attach_status'),
        'pool_name': host.partition('#')[2] or None,
        'snapshot_id': fields.get('snapshot_id'),
        'source_volid': fields.get('source_volid'),
        'name_in_storage': data.get('name_in_storage'),
        'extra_specs': dict(data.get('extra_specs') or {}),
        'qos_specs': dict(data.get('qos_specs') or {}),
        'volume_type': data.get('volume_type'),
        'multiattach': bool(fields.get('multiattach')),
        'created_at': fields.get('created_at'),
        'error_message': data.get('error_message'),
    }


def snapshot_view(record):
    fields = _fields(record)
    return {
        'id': record['id'], 'backend': record['backend'],
        'name': record.get('name'), 'status': record['status'],
        'description': fields.get('display_description'),
        'volume_id': record.get('volume_id'),
        'volume_size': fields.get('volume_size'),
        'created_at': fields.get('created_at'),
        'error_message': record['data'].get('error_message'),
    }


def connection_view(record, include_secrets=False):
    fields = _fields(record)
    conn_info = fields.get('connection_info') or {}
    if not include_secrets:
        conn_info = masked_conn_info(conn_info)
        # Secrets kept out of persistence show as masked, so cl_attach can
        # tell that it was not given them.
        for key in record['data'].get('unsaved_secrets') or ():
            conn_info['data'][key] = MASK
    device = record['data'].get('device') or {}
    return {
        'id': record['id'], 'backend': record['backend'],
        'volume_id': record.get('volume_id'), 'status': record['status'],
        'protocol': conn_info.get('driver_volume_type'),
        'connector': fields.get('connector'),
        'conn_info': conn_info,
        'attached_host': fields.get('attached_host'),
        'path': device.get('path') if isinstance(device.get('path'),
                                                 str) else None,
        'attached': bool(device),
    }


# Accessors ------------------------------------------------------------------
def fields(record):
    """The Cinder object's fields kept in a record (read-only use)."""
    return _fields(record)


def fresh_record(reader, kind, record_id):
    """The record of ``kind`` (volume, snapshot, connection) with that id,
    read again from ``reader`` (a persistence plugin or reader), or None."""
    found = getattr(reader, 'get_%ss' % kind)(**{kind + '_id': record_id})
    return found[0] if found else None


def error_message(record):
    return record['data'].get('error_message')


def multiattach(volume_record):
    return bool(_fields(volume_record).get('multiattach'))


def typed(record, volume_type=None, extra_specs=None, qos_specs=None):
    """A copy of a volume record as a retype would leave it (check mode):
    ``volume_type`` a type record, or the volume's own specs."""
    record = copy.deepcopy(record)
    data = record['data']
    if volume_type is not None:
        data['volume_type'] = volume_type['name']
        extra_specs = volume_type['data'].get('extra_specs') or {}
        qos_specs = volume_type['data'].get('qos_specs') or {}
    else:
        data['volume_type'] = None
    data['extra_specs'], data['qos_specs'] = dict(extra_specs), dict(qos_specs)
    data.setdefault('fields', {})['multiattach'] = (
        is_multiattach_spec(extra_specs))
    return record


# Named volume types ------------------------------------------------------------
# Named types get ids derived from their names, so that two controllers
# defining the same type at once write the same record.
_TYPE_NAMESPACE = uuid.UUID('5f1b5a3e-5c1e-4a57-9a0c-6b1d3f6f0c11')


def volume_type_record(name, extra_specs=None, qos_specs=None,
                       description=None):
    """The persistence record of the named type (specs: dicts of strings,
    validated by the caller)."""
    return {'id': str(uuid.uuid5(_TYPE_NAMESPACE, name)), 'name': name,
            'data': {'extra_specs': dict(extra_specs or {}),
                     'qos_specs': dict(qos_specs or {}),
                     'description': description}}


def volume_type_view(record):
    data = record['data']
    extra_specs = dict(data.get('extra_specs') or {})
    return {'id': record['id'], 'name': record['name'],
            'description': data.get('description'),
            'extra_specs': extra_specs,
            'qos_specs': dict(data.get('qos_specs') or {}),
            'multiattach': is_multiattach_spec(extra_specs)}


def volumes_of_type(reader, type_record):
    """Ids of the volumes of a named type."""
    return sorted(record['id'] for record in reader.get_volumes()
                  if _type_id(record) == type_record['id'])


def _type_id(volume_record):
    return _fields(volume_record).get('volume_type_id')


def volume_type_facts(type_records, volume_records):
    """The named types as cl_backend_facts shows them: each type's view
    with the ids and the count of the volumes (of ``volume_records``, the
    backend's) of that type."""
    users = {}
    for record in volume_records:
        users.setdefault(_type_id(record), []).append(record['id'])
    facts = []
    for type_record in type_records:
        ids = sorted(users.get(type_record['id'], ()))
        facts.append(dict(volume_type_view(type_record), volumes=ids,
                          volume_count=len(ids)))
    return facts


# Labels: the user-facing fields no driver sees --------------------------------
# Label -> the Cinder field that holds it ('name' is also the record's own).
_LABEL_FIELDS = {'name': 'display_name', 'description': 'display_description',
                 'metadata': 'metadata'}


def _label(record, label):
    if label == 'name':
        return record.get('name')
    if label == 'metadata':
        return _fields(record).get('metadata') or {}
    return _fields(record).get(_LABEL_FIELDS[label])


def label_changes(record, **declared):
    """The labels (name, description, metadata) the declaration changes:
    {label: new value}; a label declared None is not declared."""
    return {label: value for label, value in declared.items()
            if value is not None and _label(record, label) != value}


def relabelled(record, changes):
    """A copy of ``record`` with ``changes`` (from label_changes) made."""
    record = copy.deepcopy(record)
    for label, value in changes.items():
        if label == 'name':
            record['name'] = value
        record['data'].setdefault('fields', {})[_LABEL_FIELDS[label]] = (
            dict(value) if label == 'metadata' else value)
    return record


def save_labels(persistence, kind, record, changes):
    """Save ``record`` (volume or snapshot) with ``changes`` made; the
    saved record."""
    record = relabelled(record, changes)
    getattr(persistence, 'set_' + kind)(record)
    return record


def same_host(connection_record, connector):
    """Whether a connection was made for the host ``connector`` describes."""
    existing = _fields(connection_record).get('connector') or {}
    for key in ('host', 'initiator', 'nqn', 'wwpns'):
        if existing.get(key) != connector.get(key):
            return False
    return True


# Crash recovery --------------------------------------------------------------
# Statuses a record holds only while one process works on it.  Such a record
# carries data['owner'] (see owner_stamp): who works on it and until when.
TRANSITIONAL = {'volume': ('creating', 'deleting', 'extending', 'managing',
                           'reverting', 'retyping'),
                'snapshot': ('creating', 'deleting', 'restoring')}
# Room for the record writes around the driver calls, and for clock skew
# between hosts, beyond the driver calls' own bound.
OWNER_GRACE = 60


def _boot_id():
    try:
        with open('/proc/sys/kernel/random/boot_id') as f:
            return f.read().strip()
    except OSError:
        return None


def _process_start(pid):
    """When process ``pid`` started (clock ticks since boot), None if gone.

    With the pid it tells a live owner from a new process that reuses its
    pid.
    """
    try:
        with open('/proc/%d/stat' % pid) as f:
            stat = f.read()
    except (OSError, ValueError):
        return None
    fields = stat.rpartition(')')[2].split()
    if not fields or fields[0] == 'Z':
        return None
    return fields[19] if len(fields) > 19 else ''


# (pid, boot id, start) of this process, read once: each read of /proc
# costs 2 ms here, and every transitional record write stamps its owner.
_own_identity = (None, None, None)


def _this_process():
    """(pid, boot id, start) of this process; a forked child reads its own."""
    global _own_identity
    pid = os.getpid()
    if _own_identity[0] != pid:
        _own_identity = (pid, _boot_id(), _process_start(pid))
    return _own_identity


def owner_stamp(operation, bound_seconds, **details):
    """data['owner'] of a record this process is about to work on.

    ``bound_seconds``: how long its driver calls may take in all; past
    ``expires`` a live owner would have finished or given up, so a record
    still transitional then was abandoned, even by a host we cannot look at.
    ``details``: what finishing the operation needs (an extension's size).
    """
    now = time.time()
    pid, boot_id, process_start = _this_process()
    return dict(details, operation=operation, host=socket.gethostname(),
                boot_id=boot_id, pid=pid, process_start=process_start,
                since=now, expires=now + bound_seconds + OWNER_GRACE)


def owner_of(record):
    return record['data'].get('owner') or {}


def is_transitional(record, kind):
    return record['status'] in TRANSITIONAL.get(kind, ())


def interrupted(record):
    """The operation a record shows unfinished: its transitional status, or
    the failed one to finish (a creation that could not be cleaned up, an
    extension the storage did not answer)."""
    if record['status'].startswith('error'):
        return (record['data'].get('failed') or {}).get('operation')
    return record['status']


def needs_settling(record, kind):
    """Whether the next run must settle the record with the backend first."""
    return is_transitional(record, kind) or bool(
        record['status'].startswith('error') and interrupted(record))


def settled_view(record):
    """The record as settling it would leave it (for check mode): None for
    an interrupted creation or deletion, the size asked for and the former
    status for an extension."""
    operation = interrupted(record)
    if operation in ('creating', 'deleting'):
        return None
    work = record['data'].get('failed') or owner_of(record)
    if operation in ('reverting', 'retyping', 'restoring'):
        # Reverted again / back to the type the record keeps.
        return dict(record, status=work.get('previous') or 'available')
    if operation != 'extending':
        return record
    planned = dict(record, status=work.get('previous') or 'available')
    if work.get('size'):
        planned['size'] = work['size']
    return planned


def _same_machine(owner):
    return (owner.get('host') == socket.gethostname() and
            owner.get('boot_id') is not None and
            owner.get('boot_id') == _this_process()[1])


def owner_is_this_process(owner):
    pid, _boot, process_start = _this_process()
    return (_same_machine(owner) and owner.get('pid') == pid and
            owner.get('process_start') == process_start)


def owner_alive(owner, now=None):
    """Whether another live process may still be working on the record.

    On this machine the answer is exact (the owner's pid and start time; a
    reboot changes the boot id).  For another host it is its deadline: every
    driver call is bounded (driver_timeout), so a live owner is done by then.
    This process counts as not alive here: the core tracks its own calls.
    """
    if not owner:
        return False     # written before owners were recorded: abandoned
    if _same_machine(owner):
        pid = owner.get('pid')
        if not isinstance(pid, int) or owner_is_this_process(owner):
            return False
        return _process_start(pid) == owner.get('process_start')
    if owner.get('host') == socket.gethostname():
        return False     # this machine rebooted since
    now = time.time() if now is None else now
    return now < (owner.get('expires') or 0)


def describe_owner(owner, status):
    """'process 123 on host h (creating since ...)', for messages."""
    since = owner.get('since')
    return 'process %s on host %s (%s since %s)' % (
        owner.get('pid'), owner.get('host'), owner.get('operation') or status,
        time.strftime('%Y-%m-%d %H:%M:%S UTC', time.gmtime(since))
        if isinstance(since, (int, float)) else 'an unknown time')


# Planned records (check mode) ------------------------------------------------
def planned_record(backend_name, status, fields=None, data=None, **top):
    """A record as a creation would save it, as far as the declaration
    tells, so check mode answers with the views real results use.
    ``top``: the record's own columns (id, name, size, volume_id)."""
    record = dict({'id': None, 'name': None}, **top)
    record.update(backend=backend_name, status=status,
                  data=dict(data or {}, fields=dict(fields or {})))
    return record
