# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Where the modules keep their database, and which values they hide."""

import pytest

from ansible_collections.openstack.cinderlib.plugins.module_utils import host_paths
from ansible_collections.openstack.cinderlib.plugins.module_utils import storage_module


@pytest.mark.parametrize('euid, env, expected', [
    (0, {}, '/var/lib/cinderlib'),
    (1000, {'HOME': '/home/u'}, '/home/u/.local/share/cinderlib'),
    (1000, {'HOME': '/home/u', 'XDG_DATA_HOME': '/data'}, '/data/cinderlib'),
])
def test_default_data_dir(monkeypatch, euid, env, expected):
    monkeypatch.setattr(host_paths.os, 'geteuid', lambda: euid)
    monkeypatch.delenv('XDG_DATA_HOME', raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    assert host_paths.default_data_dir() == expected


@pytest.mark.parametrize('url, password', [
    ('postgresql+psycopg://user:pw@db/cl', 'pw'),
    ('mysql+pymysql://user:p%40ss@db:3306/cl', 'p%40ss'),
    ('redis://:secret@127.0.0.1:6379', 'secret'),
    ('postgresql://user@db/cl', None),
    ('sqlite:////var/lib/cinderlib/cinderlib.sqlite', None),
    (None, None),
])
def test_url_password(url, password):
    assert storage_module.url_password(url) == password


@pytest.mark.parametrize('option, hidden', [
    ('san_password', True), ('rbd_secret_uuid', True), ('api_token', True),
    ('netapp_private_key', True), ('vendor_api_key', True),
    ('volume_group', False), ('rbd_keyring_conf', False),
    ('san_login', False),
])
def test_credential_options(option, hidden):
    assert bool(storage_module._CREDENTIAL_OPTION.search(option)) is hidden
