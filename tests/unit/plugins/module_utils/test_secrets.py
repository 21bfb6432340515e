# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""secrets: credential names, URL passwords, conn_info masking."""
import pytest

from ansible_collections.openstack.cinderlib.plugins.module_utils import secrets


def test_mask_url():
    assert secrets.mask_url('redis://u:pw@h:6379') == 'redis://u:***@h:6379'
    assert secrets.mask_url('file:///tmp/x') == 'file:///tmp/x'
    assert secrets.mask_url('postgresql://u:p@ss@db/cl') == \
        'postgresql://u:***@db/cl'
    assert secrets.mask_url('postgresql://u@db/cl') == 'postgresql://u@db/cl'
    assert secrets.mask_url(None) is None
    assert secrets.mask_url(42) == "'int'"


@pytest.mark.parametrize('url, password', [
    ('postgresql+psycopg://user:pw@db/cl', 'pw'),
    ('mysql+pymysql://user:p%40ss@db:3306/cl', 'p%40ss'),
    ('redis://:secret@127.0.0.1:6379', 'secret'),
    ('postgresql://user@db/cl', None),
    ('sqlite:////var/lib/cinderlib/cinderlib.sqlite', None),
    (None, None),
])
def test_url_password(url, password):
    assert secrets.url_password(url) == password


@pytest.mark.parametrize('option, hidden', [
    ('san_password', True), ('rbd_secret_uuid', True), ('api_token', True),
    ('netapp_private_key', True), ('vendor_api_key', True),
    ('volume_group', False), ('rbd_keyring_conf', False),
    ('san_login', False),
])
def test_credential_options(option, hidden):
    assert secrets.is_credential_option(option) is hidden


def test_masked_conn_info_is_a_copy():
    info = {'driver_volume_type': 'iscsi',
            'data': {'auth_password': 'pw', 'keyring': 'k', 'my_password': 'x',
                     'target_iqn': 'iqn', 'discovery_auth_password': ''}}
    masked = secrets.masked_conn_info(info)
    assert masked['data'] == {'auth_password': secrets.MASK,
                              'keyring': secrets.MASK,
                              'my_password': secrets.MASK,
                              'target_iqn': 'iqn',
                              'discovery_auth_password': ''}
    assert info['data']['auth_password'] == 'pw'
