# -*- coding: utf-8 -*-
# Copyright: contributors to the openstack.cinderlib collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Persistence records as users see them, without loading Cinder.

A module task that changes nothing answers from these views alone, so it
never pays for importing Cinder.  The layout read here is the one
``resources.py`` writes: top-level ``id``/``backend``/``name``/``status``
plus the Cinder object's fields under ``data['fields']``.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

# Keys of connection info that carry credentials (CHAP, Ceph keyrings).
SECRET_CONN_INFO_KEYS = ('auth_password', 'discovery_auth_password',
                         'keyring')
MASK = '********'


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
        'extra_specs': dict(data.get('extra_specs') or {}),
        'qos_specs': dict(data.get('qos_specs') or {}),
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
    }


def masked_conn_info(conn_info):
    """A copy of ``conn_info`` with its credentials replaced by a mask."""
    data = dict(conn_info.get('data') or {})
    for key in data:
        if data[key] and (key in SECRET_CONN_INFO_KEYS or
                          'password' in key.lower()):
            data[key] = MASK
    masked = dict(conn_info)
    masked['data'] = data
    return masked


def update_volume_record(record, description=None, metadata=None):
    """Set user-facing fields that no driver sees; True if one changed."""
    fields = _fields(record)
    changed = False
    if description is not None and \
            fields.get('display_description') != description:
        fields['display_description'] = description
        changed = True
    if metadata is not None and (fields.get('metadata') or {}) != metadata:
        fields['metadata'] = dict(metadata)
        changed = True
    return changed


def same_host(connection_record, connector):
    """Whether a connection was made for the host ``connector`` describes."""
    existing = _fields(connection_record).get('connector') or {}
    for key in ('host', 'initiator', 'nqn', 'wwpns'):
        if existing.get(key) != connector.get(key):
            return False
    return True
