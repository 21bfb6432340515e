# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""host_paths: the default data directory (database and locks) on a host,
for root and for other users (XDG_DATA_HOME, else ~/.local/share)."""

import pytest

from ansible_collections.openstack.cinderlib.plugins.module_utils import host_paths


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
