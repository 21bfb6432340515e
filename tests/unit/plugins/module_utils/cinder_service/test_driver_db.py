# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""driver_db: the Cinder DB calls drivers make.

Moved from test_core.py (issue 12: tests mirror the layout).
"""

import pytest

from ansible_collections.openstack.cinderlib.plugins.module_utils import cinderlib as cl


def test_unserved_db_call_is_named(backend):
    from cinder.db import api as db
    with pytest.raises(cl.errors.NotSupported,
                       match='cinder.db.api.volume_get_all_by_host'):
        db.volume_get_all_by_host(None, 'host')
