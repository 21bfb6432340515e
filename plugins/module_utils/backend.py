# -*- coding: utf-8 -*-
# Copyright: contributors to the openstack.cinderlib collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Backend: one Cinder driver with its configuration (the library's
settings and other process-wide state live in library_state)."""

from ansible_collections.openstack.cinderlib.plugins.module_utils import driver_calls
from ansible_collections.openstack.cinderlib.plugins.module_utils import errors
from ansible_collections.openstack.cinderlib.plugins.module_utils import library_state
from ansible_collections.openstack.cinderlib.plugins.module_utils import persistence as persistence_mod
from ansible_collections.openstack.cinderlib.plugins.module_utils import serialization
from ansible_collections.openstack.cinderlib.plugins.module_utils import validation
from ansible_collections.openstack.cinderlib.plugins.module_utils.library_state import Settings
from ansible_collections.openstack.cinderlib.plugins.module_utils.resources import Volume
from ansible_collections.openstack.cinderlib.plugins.module_utils.resources import manageable

DEFAULT_DRIVER_TIMEOUT = driver_calls.DEFAULT_DRIVER_TIMEOUT
# Backend keys the core reads itself; they are not driver options.
CORE_OPTIONS = ('volume_driver', 'driver_timeout')


class DriverConfiguration:
    """The ``configuration`` a driver gets.

    Cinder's backend-group Configuration, plus the user's values: each is
    set as an override the moment its option is registered (drivers
    register theirs in __init__ and read them right after), so values are
    converted and checked by the option's own type.  Each backend has its
    own option group, so backends never see each other's values.
    """

    def __init__(self, cinder, group, values):
        self._cinder = cinder
        self._group = group
        self._values = values
        self._applied = set()
        # Options drivers read by name without registering them (the RBD
        # driver's rbd_keyring_conf): used, though no option type checks them.
        self._read = set()
        self._conf = cinder.configuration.Configuration(
            cinder.volume_opts, config_group=group)
        self._apply(cinder.volume_opts)

    def _apply(self, opts):
        for opt in opts:
            if opt.name in self._values:
                self._cinder.set_option(opt.name, self._values[opt.name],
                                        group=self._group)
                self._applied.add(opt.name)

    def append_config_values(self, volume_opts):
        self._conf.append_config_values(volume_opts)
        self._apply(volume_opts)

    def unused_options(self):
        """User options no driver code registered or read (typos, most likely)."""
        return sorted(set(self._values) - self._applied - self._read -
                      set(CORE_OPTIONS))

    def set_default(self, name, value):
        """Our default for a registered option the user did not set."""
        if name not in self._values:
            self._cinder.set_option(name, value, group=self._group)
            self._applied.add(name)

    def clear(self):
        for name in self._applied:
            self._cinder.conf.clear_override(name, group=self._group)

    def safe_get(self, name):
        value = self._conf.safe_get(name)
        if value is None and name not in self._applied:
            if name in self._values:
                self._read.add(name)
            return self._values.get(name)
        return value

    def get(self, key, default=None):
        value = self.safe_get(key)
        return default if value is None else value

    def __getattr__(self, name):
        conf = object.__getattribute__(self, '_conf')
        try:
            return getattr(conf, name)
        except Exception:
            values = object.__getattribute__(self, '_values')
            if name in values:
                object.__getattribute__(self, '_read').add(name)
                return values[name]
            raise


class _LibraryStateOfBackend(type):
    """Backend.persistence and Backend._settings (documented class
    attributes) read and set library_state."""

    @property
    def persistence(cls):
        return library_state.persistence()

    @persistence.setter
    def persistence(cls, plugin):
        library_state.set_persistence(plugin)

    @property
    def _settings(cls):
        return library_state.settings() if \
            library_state.settings_applied() else None


class Backend(serialization.Serializable, library_state.VolumeTracking,
              metaclass=_LibraryStateOfBackend):
    """A storage backend: a Cinder driver and its configuration.

    ``Backend(volume_backend_name, volume_driver=..., **driver_cfg)``; the
    same name with the same configuration returns the existing Backend.
    """

    backends = library_state.backends

    @property
    def persistence(self):
        return library_state.persistence()

    def __new__(cls, volume_backend_name=None, **driver_cfg):
        existing = cls.backends.get(volume_backend_name)
        if existing is not None:
            if existing._driver_cfg != driver_cfg:
                raise errors.InvalidConfiguration(
                    'backend %r is already set up with a different '
                    'configuration; use another volume_backend_name for a '
                    'second configuration' % volume_backend_name)
            return existing
        return super().__new__(cls)

    def __init__(self, volume_backend_name=None, **driver_cfg):
        if self.backends.get(volume_backend_name) is self:
            return
        driver_path = validation.backend_identity(
            volume_backend_name, driver_cfg.get('volume_driver'))[1]
        self._name = volume_backend_name
        self._driver_cfg = dict(driver_cfg)
        self._volumes = None
        # Volumes created or loaded through this backend in this process,
        # listed by json even before the lazy volumes list is loaded.
        self._known = {}
        self._pool_names = None
        cinder = library_state.cinder()
        self._check_group_name(cinder)
        values = dict(self.settings().cinder_options)
        values.update(driver_cfg)
        values['volume_backend_name'] = volume_backend_name
        self.driver_timeout = _check_driver_timeout(
            volume_backend_name,
            values.pop('driver_timeout', DEFAULT_DRIVER_TIMEOUT))
        self.configuration = DriverConfiguration(cinder, volume_backend_name,
                                                 values)
        from ansible_collections.openstack.cinderlib.plugins.module_utils.cinder_service import in_process
        try:
            with in_process.collector_paused():
                self.driver = self._load_driver(cinder, driver_path)
        except Exception:
            self.configuration.clear()
            raise
        Backend.backends[volume_backend_name] = self
        self._adopt(library_state.missing_backends.pop(volume_backend_name,
                                                       None))

    def _adopt(self, placeholder):
        """Rebind to this backend what was loaded before it was set up."""
        if placeholder is None:
            return
        for volume in list(placeholder._known.values()):
            volume.backend = self
            self._track(volume)

    def _check_group_name(self, cinder):
        # Each backend's options live in an oslo.config group of its name,
        # which must not be one of Cinder's own groups.
        name = self._name
        groups = library_state.backend_option_groups
        if name not in groups and (
                name in ('DEFAULT', 'backend_defaults') or name in cinder.conf):
            raise errors.InvalidConfiguration(
                'volume_backend_name %r is the name of a Cinder option group; '
                'choose another name' % name)
        groups.add(name)

    def _load_driver(self, cinder, driver_path):
        from ansible_collections.openstack.cinderlib.plugins.module_utils.cinder_service import driver_import
        from ansible_collections.openstack.cinderlib.plugins.module_utils.cinder_service import driver_tuning
        driver_class = driver_import.import_driver_class(self._name,
                                                         driver_path)
        is_empty = not library_state.persistence().get_volumes(
            backend_name=self._name)

        def setup_error(what, advice=''):
            def failure(exc, text):
                return driver_import.setup_failure(
                    self._name, driver_path, driver_class, exc) or \
                    errors.BackendSetupError('backend %s: driver %s %s: %s%s' % (
                        self._name, driver_path, what, text, advice))
            return failure

        subject = 'backend %s' % self._name
        with driver_calls.mapped_errors(
                subject, 'loading the driver', None, not_implemented=False,
                failure=setup_error('rejected its configuration')):
            driver = driver_class(
                configuration=self.configuration,
                host=self.host_for(None, cinder),
                cluster_name=None, is_vol_db_empty=is_empty,
                active_backend_id=None)
        self.driver = driver
        driver_tuning.tune(driver)

        def set_up():
            driver.do_setup(cinder.context)
            driver.check_for_setup_error()
            driver.init_capabilities()
            driver.set_initialized()
        try:
            driver_calls.call(
                self, subject, 'setting up the driver',
                'setting up the driver', set_up, errors_as=dict(
                    passthrough=errors.DriverTimeout, not_implemented=False,
                    failure=setup_error(
                        'failed to set up', '; check the driver options and '
                        'that the storage is reachable')))
        except errors.DriverTimeout:
            raise
        except Exception:
            driver_tuning.release(driver)
            raise
        return driver

    # Library settings ---------------------------------------------------
    @classmethod
    def settings(cls):
        return library_state.settings()

    @classmethod
    def global_setup(cls, file_locks_path=None, root_helper='sudo',
                     suppress_requests_ssl_warnings=True, disable_logs=True,
                     non_uuid_ids=False, output_all_backend_info=False,
                     project_id=None, user_id=None, persistence_config=None,
                     fail_on_missing_backend=True, coordination_url=None,
                     **cinder_options):
        """Set the library up; call it before anything else.

        Other keyword arguments are Cinder options for every driver.
        ``coordination_url`` (e.g. redis://host:6379) shares the driver
        locks between hosts; by default they are files in file_locks_path.
        """
        library_state.check_setup_allowed()
        library_state.apply_settings(Settings(
            file_locks_path=file_locks_path, root_helper=root_helper,
            suppress_requests_ssl_warnings=suppress_requests_ssl_warnings,
            disable_logs=disable_logs, non_uuid_ids=non_uuid_ids,
            output_all_backend_info=output_all_backend_info,
            project_id=project_id, user_id=user_id,
            persistence_config=persistence_config,
            fail_on_missing_backend=fail_on_missing_backend,
            coordination_url=coordination_url, **cinder_options))

    @classmethod
    def set_persistence(cls, persistence_config):
        """Switch every backend to another persistence plugin.

        To migrate, dump first: ``data = cl.dump()``, then
        ``set_persistence(new_config)`` and ``cl.load(data, save=True)``.
        """
        persistence = persistence_mod.setup(persistence_config)
        cls.settings().persistence_config = persistence_config
        library_state.set_persistence(persistence)
        for backend in cls.backends.values():
            backend._volumes = None

    @classmethod
    def by_name(cls, name):
        """The backend set up under this name."""
        return library_state.backend_by_name(name)

    @classmethod
    def load_backend(cls, backend_data):
        """The backend a serialized ``backend`` entry names (documented
        with load): see from_config."""
        return cls.from_config(backend_data)

    @classmethod
    def from_config(cls, config):
        """The backend a serialized ``config`` names: the one set up here
        under that name, else one set up from ``config`` when it holds the
        whole configuration (output_all_backend_info)."""
        name = config['volume_backend_name']
        if name not in cls.backends and set(config) - {'volume_backend_name'}:
            return cls(**config)
        return cls.by_name(name)

    # Serialization ----------------------------------------------------------
    def _to_json(self, load_lazy):
        data = serialization.envelope('Backend', self)
        if load_lazy or self._volumes is not None:
            volumes = self.volumes
        else:
            # Not loaded from persistence: what this process made or loaded.
            volumes = list(self._known.values())
        if load_lazy or volumes:
            data['volumes'] = [volume._body(load_lazy) for volume in volumes]
        return data

    @classmethod
    def _from_json(cls, data, loading):
        backend = cls.from_config(data['backend'])
        if 'volumes' in data:
            volumes = [Volume._from_body(body, backend, loading)
                       for body in data['volumes']]
            # Listed from now on (unsaved ones too: see volumes).
            for volume in volumes:
                backend._track(volume)
        return backend

    # Attributes -----------------------------------------------------------
    @property
    def id(self):
        return self._name

    @property
    def volume_backend_name(self):
        return self._name

    @property
    def config(self):
        """What serialization writes: the name only, unless
        output_all_backend_info (then every option, passwords included, as
        a self-contained file needs them)."""
        if self.settings().output_all_backend_info:
            config = dict(self._driver_cfg)
            config['volume_backend_name'] = self._name
            return config
        return {'volume_backend_name': self._name}

    @property
    def unused_options(self):
        return self.configuration.unused_options()

    def __getattr__(self, name):
        # Unknown attributes are the driver's (documented behaviour).
        driver = self.__dict__.get('driver')
        if driver is None or name.startswith('__'):
            raise AttributeError(name)
        return getattr(driver, name)

    def __repr__(self):
        return '<Backend %s>' % self._name

    def host_for(self, pool_name, cinder=None):
        """Cinder's host@backend#pool string for a pool of this backend."""
        cinder = cinder or library_state.cinder()
        if pool_name is None:
            pool_name = self.pool_names[0] if self.__dict__.get(
                'driver') else self._name
        elif pool_name not in self.pool_names:
            raise errors.InvalidInput(
                'backend %s has no pool %r; its pools are: %s' % (
                    self._name, pool_name, ', '.join(self.pool_names)))
        return '%s@%s#%s' % (cinder.hostname, self._name, pool_name)

    def bounded(self, operation, func, *args, **kwargs):
        """``func(*args, **kwargs)``, waiting at most driver_timeout (see
        driver_calls.bounded)."""
        return driver_calls.bounded(self, operation, func, *args, **kwargs)

    def stats(self, refresh=False):
        stats = driver_calls.call(
            self, 'backend %s' % self._name, 'getting stats', 'getting stats',
            self.driver.get_volume_stats, refresh=refresh,
            errors_as=dict(passthrough=errors.DriverTimeout,
                           not_implemented=False))
        if refresh:
            self._pool_names = None
        return stats

    @property
    def pool_names(self):
        if self._pool_names is None:
            pools = self.stats().get('pools') or []
            names = tuple(pool['pool_name'] for pool in pools
                          if pool.get('pool_name'))
            self._pool_names = names or (self._name,)
        return self._pool_names

    @property
    def volumes(self):
        """The backend's volumes, loaded on first use (see refresh)."""
        if self._volumes is None:
            volumes = [
                Volume._from_record(record, backend=self)
                for record in library_state.persistence().get_volumes(
                    backend_name=self._name)]
            # And those loaded here without save=True that persistence
            # does not know: this process does.
            listed = set(volume.id for volume in volumes)
            self._volumes = volumes + [
                volume for volume in self._known.values()
                if volume.id not in listed and not volume._in_persistence]
        return self._volumes

    def refresh(self):
        """Reload the volume list from persistence if it was loaded."""
        if self._volumes is not None:
            self._fresh_volumes()

    def _fresh_volumes(self):
        self._volumes = None
        return self.volumes

    def create_volume(self, size, name='', description='', extra_specs=None,
                      qos_specs=None, pool_name=None, **kwargs):
        volume = Volume(self, size=size, name=name,
                        description=description, extra_specs=extra_specs,
                        qos_specs=qos_specs, pool_name=pool_name, **kwargs)
        return volume.create()

    # Existing storage objects --------------------------------------------
    def manage_volume(self, existing_ref, name=None, description=None,
                      id=None, pool_name=None, extra_specs=None,
                      qos_specs=None, **kwargs):
        """Bring a volume that exists on the storage under management.

        ``existing_ref`` is {'source-name': <name>} or {'source-id': <id>}
        (which one the driver reads; list_manageable_volumes shows them).
        The size is the driver's.  Drivers may rename the object (RBD:
        volume-<id>, see Volume.name_in_storage).  On failure nothing is
        kept and the error says why.
        """
        return Volume.manage(
            self, existing_ref, name=name, description=description, id=id,
            pool_name=pool_name, extra_specs=extra_specs,
            qos_specs=qos_specs, **kwargs)

    def list_manageable_volumes(self, marker=None, limit=1000, offset=0,
                                sort_keys=None, sort_dirs=None):
        """Volumes on the storage, as dicts: reference, size,
        safe_to_manage, reason_not_safe, cinder_id, extra_info.

        Ours are reported as not safe ('already managed').  sort_keys:
        reference (default) and/or size; sort_dirs: asc (default) or desc;
        marker: the reference of the last entry of the previous page.
        """
        return manageable.list_manageable(self, 'volumes', marker, limit,
                                          offset, sort_keys, sort_dirs)

    def list_manageable_snapshots(self, marker=None, limit=1000, offset=0,
                                  sort_keys=None, sort_dirs=None):
        """As list_manageable_volumes, for snapshots; each entry also has
        source_reference, the reference of its volume."""
        return manageable.list_manageable(self, 'snapshots', marker, limit,
                                          offset, sort_keys, sort_dirs)

    def validate_connector(self, connector_dict):
        return driver_calls.call(
            self, 'backend %s' % self._name, 'invalid connector',
            'validating a connector', self.driver.validate_connector,
            connector_dict, errors_as=dict(passthrough=errors.DriverTimeout,
                                           not_implemented=False,
                                           user_error=all))


def _check_driver_timeout(name, value):
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            pass
    if isinstance(value, bool) or not isinstance(value, (int, float)) or \
            not 0 < value < 10 ** 7:
        raise errors.InvalidConfiguration(
            'backend %s: driver_timeout must be a number of seconds greater '
            'than 0 (default %s); got %r' % (name, DEFAULT_DRIVER_TIMEOUT,
                                             value))
    return value
