# -*- coding: utf-8 -*-
# Copyright: contributors to the openstack.cinderlib collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Where the collection keeps its state on a host (storage host or node)."""

import os


def default_data_dir():
    """The default database and locks live here: /var/lib/cinderlib for
    root, else the user's XDG data directory."""
    if os.geteuid() == 0:
        return '/var/lib/cinderlib'
    base = os.environ.get('XDG_DATA_HOME') or os.path.expanduser(
        '~/.local/share')
    return os.path.join(base, 'cinderlib')
