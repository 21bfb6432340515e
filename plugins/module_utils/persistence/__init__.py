# -*- coding: utf-8 -*-
# Copyright: contributors to the openstack.cinderlib collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Choosing the metadata persistence plugin from ``persistence_config``."""


from ansible_collections.openstack.cinderlib.plugins.module_utils import errors

ENTRY_POINT_GROUP = 'cinderlib.persistence.storage'
BUILTIN = ('memory', 'db', 'memory_db')


def _builtin_class(storage):
    # Plain imports, not importlib: Ansible bundles only the module_utils it
    # sees imported.
    if storage == 'memory':
        from ansible_collections.openstack.cinderlib.plugins.module_utils.persistence import memory
        return memory.MemoryPersistence
    from ansible_collections.openstack.cinderlib.plugins.module_utils.persistence import dbms
    return dbms.DBPersistence if storage == 'db' else dbms.MemoryDBPersistence


def _load_entry_point(name):
    from importlib import metadata
    try:
        found = metadata.entry_points(group=ENTRY_POINT_GROUP)
    except TypeError:     # Python < 3.10
        found = metadata.entry_points().get(ENTRY_POINT_GROUP, [])
    for entry_point in found:
        if entry_point.name == name:
            return entry_point.load()
    return None


def _plugin_class(storage):
    if storage in BUILTIN:
        return _builtin_class(storage)
    cls = _load_entry_point(storage)
    if cls is None:
        raise errors.InvalidConfiguration(
            "persistence_config: unknown storage %r; use one of %s, or a "
            "plugin registered under the %r entry point group, or pass a "
            "PersistenceDriverBase class or instance" % (
                storage, ', '.join(sorted(BUILTIN)), ENTRY_POINT_GROUP))
    return cls


def setup(persistence_config=None):
    """Build the plugin that ``persistence_config`` names (memory if None)."""
    # Here, not at the top: importing the package (a no-change task reads
    # its records through persistence.sqlite_reader) needs no plugin code.
    from ansible_collections.openstack.cinderlib.plugins.module_utils.persistence import base
    config = dict(persistence_config or {'storage': 'memory'})
    if 'storage' not in config:
        raise errors.InvalidConfiguration(
            "persistence_config needs the key 'storage' (memory, db, "
            "memory_db, an entry point name, or a plugin class or instance)")
    storage = config.pop('storage')
    if isinstance(storage, base.PersistenceDriverBase):
        if config:
            raise errors.InvalidConfiguration(
                'persistence_config: options %s cannot be applied to a plugin '
                'instance; pass its class instead' % ', '.join(sorted(config)))
        return _for_the_core(storage)
    if isinstance(storage, str):
        storage = _plugin_class(storage)
    if not (isinstance(storage, type) and
            issubclass(storage, base.PersistenceDriverBase)):
        raise errors.InvalidConfiguration(
            'persistence_config: storage %r is not a PersistenceDriverBase '
            'subclass or instance' % (storage,))
    try:
        plugin = storage(**config)
    except TypeError as exc:
        raise errors.InvalidConfiguration(
            'persistence_config: %s rejected its options (%s): %s' % (
                storage.__name__, ', '.join(sorted(config)) or 'none', exc))
    return _for_the_core(plugin)


def _for_the_core(plugin):
    """The plugin as the core uses it: records in and out (plugins handed
    resource objects, the documented contract, are wrapped)."""
    if getattr(plugin, 'stores_records', False):
        return plugin
    from ansible_collections.openstack.cinderlib.plugins.module_utils.persistence import resource_contract
    return resource_contract.ResourcePluginAdapter(plugin)
