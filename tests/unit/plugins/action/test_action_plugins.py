# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""plugins/action/: one per module, each the collection's module action."""

import importlib
import os

import pytest

from ansible_collections.openstack.cinderlib.plugins.plugin_utils.module_action import ActionModule

PLUGINS = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(
    __file__)), '..', '..', '..', '..', 'plugins'))
MODULES = sorted(name[:-3] for name in os.listdir(os.path.join(
    PLUGINS, 'modules')) if name.endswith('.py') and name != '__init__.py')


def test_every_module_has_its_action():
    actions = sorted(name[:-3] for name in os.listdir(os.path.join(
        PLUGINS, 'action')) if name.endswith('.py') and name != '__init__.py')
    assert actions == MODULES


@pytest.mark.parametrize('module', MODULES)
def test_the_action_is_the_module_action(module):
    plugin = importlib.import_module(
        'ansible_collections.openstack.cinderlib.plugins.action.' + module)
    assert plugin.ActionModule is ActionModule
