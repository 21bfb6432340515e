# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""persistence/__init__.py: choosing the plugin that persistence_config
names (memory by default; a name, an entry point, a class with options or
an instance), and the refusals."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.openstack.cinderlib.plugins.module_utils import errors
from ansible_collections.openstack.cinderlib.plugins.module_utils import persistence
from ansible_collections.openstack.cinderlib.plugins.module_utils.persistence import memory


def test_default_is_memory():
    assert isinstance(persistence.setup(None), memory.MemoryPersistence)


def test_unknown_storage():
    with pytest.raises(errors.InvalidConfiguration, match='unknown storage'):
        persistence.setup({'storage': 'nosuch'})


def test_missing_storage_key():
    with pytest.raises(errors.InvalidConfiguration, match="'storage'"):
        persistence.setup({'connection': 'sqlite://'})


class MyPlugin(memory.MemoryPersistence):
    def __init__(self, location, **kwargs):
        super(MyPlugin, self).__init__(**kwargs)
        self.location = location


def test_plugin_class_with_options():
    plugin = persistence.setup({'storage': MyPlugin, 'location': 'here'})
    assert isinstance(plugin, MyPlugin) and plugin.location == 'here'


def test_plugin_class_bad_options():
    with pytest.raises(errors.InvalidConfiguration, match='MyPlugin rejected'):
        persistence.setup({'storage': MyPlugin, 'where': 'here'})


def test_plugin_instance():
    instance = MyPlugin('x')
    assert persistence.setup({'storage': instance}) is instance
    with pytest.raises(errors.InvalidConfiguration, match='instance'):
        persistence.setup({'storage': instance, 'location': 'y'})


def test_not_a_plugin():
    with pytest.raises(errors.InvalidConfiguration, match='not a '
                                                          'PersistenceDriverBase'):
        persistence.setup({'storage': dict})
