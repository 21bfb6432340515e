# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""in_process: Cinder in this process (secret masking of its logs).

Moved from test_core.py (issue 12: tests mirror the layout).
"""

import logging

from ansible_collections.openstack.cinderlib.plugins.module_utils.cinder_service import in_process


def test_secret_masking_filter():
    record = logging.LogRecord('cinder', logging.DEBUG, __file__, 1,
                               'conn %s', ({'auth_password': 'pw1'},), None)
    in_process.SecretMaskingFilter().filter(record)
    assert 'pw1' not in record.getMessage()
    record = logging.LogRecord('cinder', logging.DEBUG, __file__, 1,
                               "data {'keyring': '[client.cinder]\\n key = "
                               "AQXYZ'}", None, None)
    in_process.SecretMaskingFilter().filter(record)
    assert 'AQXYZ' not in record.getMessage()
