# -*- coding: utf-8 -*-
# Copyright: contributors to the openstack.cinderlib collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Controller side of cl_volumes: plugin_utils/module_action.py says why."""

from ansible_collections.openstack.cinderlib.plugins.plugin_utils.module_action import ActionModule

__all__ = ('ActionModule',)
