# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""persistence/resource_contract.py: plugins written to the cinderlib
documentation (documented_plugins.py), handed resource objects through the
adapter: the conformance suite on what the core sees, the objects they are
handed, changed fields only, and a bad read naming the plugin.  Both forms
through the core's operations are in test_third_party_plugins.py."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.openstack.cinderlib.plugins.module_utils import cinderlib as cl
from ansible_collections.openstack.cinderlib.plugins.module_utils import persistence

import documented_plugins
from persistence_conformance import PersistenceConformance, using_persistence


class TestDocumentedPluginsRecords(PersistenceConformance):
    """Plugins handed resource objects, as the core sees them."""

    @pytest.fixture(params=['documented-dict', 'documented-fields'])
    def plugin(self, request):
        return persistence.setup(documented_plugins.CONFIGS[request.param])


def test_documented_plugin_is_handed_objects(backend):
    config = documented_plugins.CONFIGS['documented-dict']
    with using_persistence(config) as core:
        plugin = core.plugin
        volume = backend.create_volume(1, name='seen')
        snapshot = volume.create_snapshot()
        # The live objects themselves, as cinderlib hands them out.
        assert plugin.volumes == {volume.id: volume}
        assert plugin.snapshots == {snapshot.id: snapshot}
        assert all(not isinstance(r, dict) for r in plugin.received)
        assert core.location == 'here'
        snapshot.delete()
        volume.delete()
        assert plugin.volumes == plugin.snapshots == {}


def test_fields_plugin_writes_only_changes(backend):
    with using_persistence(documented_plugins.CONFIGS['documented-fields']) as core:
        volume = backend.create_volume(1)
        volume.extend(2)
        updates = [changed for kind, vid, changed in core.plugin.updates
                   if vid == volume.id]
        # creating -> available, then extending -> available with the size.
        assert ['status'] in [[f for f in c if f != 'data'] for c in updates]
        assert any('size' in changed for changed in updates)
        volume.delete()


def test_bad_read_names_the_plugin():
    class Broken(documented_plugins.DictPlugin):
        def get_volumes(self, **filters):
            return ['not a volume']
    plugin = persistence.setup({'storage': Broken, 'location': None})
    with pytest.raises(cl.errors.PersistenceError,
                       match="plugin Broken: get_volumes returned 'not a "
                             "volume'; return the Volume objects"):
        plugin.get_volumes()
