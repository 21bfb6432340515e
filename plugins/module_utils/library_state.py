# -*- coding: utf-8 -*-
# Copyright: contributors to the openstack.cinderlib collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The library's process-wide state, all of it in one place.

A process sets the library up once (``setup()``), loads Cinder once, and
holds one live object per resource id; all of that lasts as long as the
process.  Backend and the resources read and change it here, so neither
has to import the other to find it.  Nothing here imports Cinder.
"""

import os
import weakref

from ansible_collections.openstack.cinderlib.plugins.module_utils import errors
from ansible_collections.openstack.cinderlib.plugins.module_utils import persistence as persistence_mod


class Settings:
    """What global_setup was given (documented there)."""

    def __init__(self, file_locks_path=None, root_helper='sudo',
                 suppress_requests_ssl_warnings=True, disable_logs=True,
                 non_uuid_ids=False, output_all_backend_info=False,
                 project_id=None, user_id=None, persistence_config=None,
                 fail_on_missing_backend=True, coordination_url=None,
                 **cinder_options):
        self.file_locks_path = os.path.abspath(file_locks_path or os.getcwd())
        self.root_helper = root_helper or ''
        self.suppress_requests_ssl_warnings = suppress_requests_ssl_warnings
        self.disable_logs = disable_logs
        self.non_uuid_ids = non_uuid_ids
        self.output_all_backend_info = output_all_backend_info
        self.project_id = project_id or 'cinderlib'
        self.user_id = user_id or 'cinderlib'
        self.persistence_config = persistence_config
        self.fail_on_missing_backend = fail_on_missing_backend
        self.coordination_url = coordination_url
        self.cinder_options = cinder_options


class _State:
    settings = None             # Settings, once setup() or first use
    persistence = None          # the plugin every backend and resource uses
    in_process_cinder = None    # cinder_service.in_process.InProcessCinder


_state = _State()
# volume_backend_name -> the Backend set up under it in this process.
backends = {}
# name -> MissingBackend: what resources of a backend not set up here are
# bound to (fail_on_missing_backend=False) until it is set up.
missing_backends = {}
# oslo.config groups this process made for backends (Backend names).
backend_option_groups = set()
# kind -> {id: the one live Volume/Snapshot/Connection of that id}.
live_resources = {kind: weakref.WeakValueDictionary()
                  for kind in ('volume', 'snapshot', 'connection')}


def settings():
    """The library settings; the defaults if setup() was not called."""
    if _state.settings is None:
        apply_settings(Settings())
    return _state.settings


def settings_applied():
    return _state.settings is not None


def apply_settings(new_settings):
    persistence = persistence_mod.setup(new_settings.persistence_config)
    if new_settings.suppress_requests_ssl_warnings:
        _suppress_ssl_warnings()
    _state.settings = new_settings
    _state.persistence = persistence


def persistence():
    """The persistence plugin in use (set up with the settings)."""
    if _state.settings is None:
        settings()
    return _state.persistence


def set_persistence(plugin):
    _state.persistence = plugin


def cinder_loaded():
    return _state.in_process_cinder is not None


def cinder():
    """Cinder, loaded and prepared on first use (see
    cinder_service.in_process.InProcessCinder)."""
    if _state.in_process_cinder is None:
        from ansible_collections.openstack.cinderlib.plugins.module_utils.cinder_service import in_process
        with in_process.collector_paused():
            _state.in_process_cinder = in_process.InProcessCinder(settings())
    return _state.in_process_cinder


def check_setup_allowed():
    if _state.settings is not None or backends or cinder_loaded():
        raise errors.CinderlibError(
            'setup() must be called once, before any other library '
            'call (Backend, load, ...); it was called too late or twice')


class VolumeTracking:
    """The volumes a backend (or its placeholder) knows in this process."""

    _volumes = None

    def _track(self, volume):
        """Note a new or loaded volume (and add it to the list, if loaded)."""
        if volume._ovo.obj_attr_is_set('deleted') and volume._ovo.deleted:
            return      # loaded from the JSON of a deleted volume
        self._known[volume.id] = volume
        if self._volumes is not None and volume not in self._volumes:
            self._volumes.append(volume)

    def _untrack(self, volume):
        self._known.pop(volume.id, None)
        if self._volumes is not None:
            self._volumes = [v for v in self._volumes if v.id != volume.id]


class MissingBackend(VolumeTracking):
    """Stands for a backend not set up here (fail_on_missing_backend=False)."""

    def __init__(self, name):
        self.id = self.volume_backend_name = name
        self._known = {}

    @property
    def config(self):
        return {'volume_backend_name': self.id}

    def __getattr__(self, name):
        raise BackendNotSetUp(
            'backend %r is not set up in this process, so %s is not '
            'available; only local attach/detach work' % (self.id, name))


class BackendNotSetUp(errors.NotFound, AttributeError):
    """What a MissingBackend answers; an AttributeError too, so that
    hasattr(backend, 'driver') tells whether the driver is there."""


def backend_by_name(name):
    """The backend set up under this name (Backend.by_name)."""
    backend = backends.get(name)
    if backend is None:
        if settings().fail_on_missing_backend:
            raise errors.NotFound(
                'backend %r is not set up in this process; create '
                'Backend(%r, volume_driver=..., ...) before loading its '
                'resources' % (name, name))
        backend = missing_backends.get(name)
        if backend is None:
            backend = missing_backends[name] = MissingBackend(name)
    return backend


def _suppress_ssl_warnings():
    # urllib3's InsecureRequestWarning, by its message: importing urllib3
    # to name the class costs more than anything else in setup().
    import warnings
    warnings.filterwarnings('ignore', message='Unverified HTTPS request')
