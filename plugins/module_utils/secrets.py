# -*- coding: utf-8 -*-
# Copyright: contributors to the openstack.cinderlib collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What counts as a secret, and how it is kept out of output: option names,
passwords in URLs, credentials in connection info.

Cinder-free and SQLAlchemy-free: the modules, persistence and the core
use it alike.
"""

import re

MASK = '********'
# Driver option names that hold credentials; their values never reach output.
CREDENTIAL_OPTION = re.compile(
    r'(password|passwd|secret|token|credential|api_?key|private_key)', re.I)
# Keys of connection info that carry credentials (CHAP, Ceph keyrings).
SECRET_CONN_INFO_KEYS = ('auth_password', 'discovery_auth_password',
                         'keyring')
# Those of them a driver hands out again: kept out of persistence, fetched
# from the driver when an attach needs them.
UNSAVED_CONN_INFO_KEYS = SECRET_CONN_INFO_KEYS
# user:password@ in a URL.
_URL_PASSWORD = re.compile(r'^[^:/]+://[^:/@]*:([^@]+)@')


def is_credential_option(name):
    return bool(CREDENTIAL_OPTION.search(name))


def url_password(url):
    """The password in a scheme://user:password@host URL, else None."""
    found = _URL_PASSWORD.match(url or '')
    return found.group(1) if found else None


def mask_url(url):
    """A URL without its password, for messages (not a string: its type)."""
    if not isinstance(url, str):
        return repr(type(url).__name__) if url is not None else url
    if '@' not in url or '://' not in url:
        return url
    scheme, rest = url.split('://', 1)
    credentials, host = rest.rsplit('@', 1)
    if ':' in credentials:
        credentials = credentials.split(':', 1)[0] + ':***'
    return '%s://%s@%s' % (scheme, credentials, host)


def masked_conn_info(conn_info):
    """A copy of ``conn_info`` with its credentials replaced by MASK."""
    data = dict(conn_info.get('data') or {})
    for key in data:
        if data[key] and (key in SECRET_CONN_INFO_KEYS or
                          'password' in key.lower()):
            data[key] = MASK
    masked = dict(conn_info)
    masked['data'] = data
    return masked
