# -*- coding: utf-8 -*-
# Copyright: contributors to the openstack.cinderlib collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the storage-side modules share: options, persistence, the backend,
the locks.

Reads go to a light SQLite reader when the database is a SQLite file, so a
task that finds everything as declared never imports SQLAlchemy or Cinder;
the persistence plugin and the driver are built only when something must
change.

One StorageModule may serve many declarations at once (converge.volume(sm,
decl) from several threads): the set-up of the reader, the persistence
plugin, the backend and the lock service happens once, under a lock; the
locks a thread holds are its own.  It keeps no state about any one
declaration.
"""

import contextlib
import hashlib
import os
import re
import threading

from ansible_collections.openstack.cinderlib.plugins.module_utils import errors
from ansible_collections.openstack.cinderlib.plugins.module_utils import secrets
from ansible_collections.openstack.cinderlib.plugins.module_utils import stats_cache
from ansible_collections.openstack.cinderlib.plugins.module_utils import validation
from ansible_collections.openstack.cinderlib.plugins.module_utils.ansible_module import CollectionModule, require
from ansible_collections.openstack.cinderlib.plugins.module_utils.host_paths import default_data_dir
from ansible_collections.openstack.cinderlib.plugins.module_utils.persistence.sqlite_reader import SQLiteReader, sqlite_file
from ansible_collections.openstack.cinderlib.plugins.module_utils.results import Refused

BACKEND_ARGUMENT_SPEC = dict(
    backend=dict(type='dict'),
    db_url=dict(type='str'),
    persistence=dict(type='dict'),
    lock_path=dict(type='path'),
    coordination_url=dict(type='str'),
    root_helper=dict(type='str', default='sudo'),
)

# How long a task waits for another task's lock on the same resource.
LOCK_WAIT = 300
# Locks are taken in this order of kinds (then of keys): never a deadlock.
_LOCK_KINDS = ('volume-type', 'volume-name', 'volume')
# Kinds whose resources all backends share (named volume types): their locks
# are not per backend.
_SHARED_LOCK_KINDS = ('volume-type',)
# What may appear as is in a lock name (Cinder's are ASCII; file locks are
# files named after them).
_LOCK_NAME_PART = re.compile(r'^[A-Za-z0-9_.-]{1,80}$')


def _lock_order(resource):
    kind, key = resource
    return _LOCK_KINDS.index(kind), key


def lock_name(backend_name, kind, key):
    """The coordination lock of one resource: user names are hashed unless
    plain ASCII (file locks are files of that name)."""
    parts = ['all-backends' if kind in _SHARED_LOCK_KINDS else backend_name,
             kind, key]
    return 'cinderlib-' + '-'.join(
        part if _LOCK_NAME_PART.match(part) else
        'h' + hashlib.sha256(part.encode('utf-8')).hexdigest()[:32]
        for part in parts)


# The persistence plugins that enforce unique names when asked.
UNIQUE_NAME_STORAGES = ('memory', 'db', 'memory_db')


def persistence_option_message(option, exc):
    """The core's persistence error as a message about a module option."""
    message = str(exc)
    for prefix in ('persistence_config: ', 'persistence: '):
        if message.startswith(prefix):
            message = message[len(prefix):]
    if option == 'db_url':
        message = message.replace("'connection'", 'it').replace(
            'the URL', 'db_url')
    return '%s: %s' % (option, message)


def _error_text(exc):
    """'Type: first line of the message' of an exception."""
    text = str(exc).strip()
    return '%s: %s' % (type(exc).__name__,
                       text.splitlines()[0] if text else 'no message')


def backend_options(backend):
    """(name, driver options) of the module option ``backend``; refuses,
    naming the fix, what the core would refuse (Backend checks the same
    when it is built, but a task that changes nothing never builds it)."""
    if backend is None:
        raise Refused('backend is required: a dict with volume_backend_name, '
                      'volume_driver and the driver\'s options (or set it for '
                      'all modules with module_defaults for '
                      'group/openstack.cinderlib.cinderlib)')
    options = dict(backend)
    name = options.pop('volume_backend_name', None)
    try:
        validation.backend_identity(name, options.get('volume_driver'),
                                    option='backend')
    except errors.InvalidConfiguration as exc:
        raise Refused(str(exc))
    return name, options


class StorageModule(CollectionModule):
    """A module of the collection plus lazy, shared access to persistence,
    the backend and the locks."""

    def __init__(self, argument_spec, backend_required=True, **kwargs):
        spec = dict(BACKEND_ARGUMENT_SPEC)
        spec.update(argument_spec)
        exclusive = list(kwargs.pop('mutually_exclusive', []))
        exclusive.append(('db_url', 'persistence'))
        super().__init__(argument_spec=spec, mutually_exclusive=exclusive,
                         **kwargs)
        self._hide_secrets()
        try:
            self._configure(self.params, self.check_mode, backend_required)
        except Refused as exc:
            self.module.fail_json(msg=exc.msg, **exc.result)

    @classmethod
    def without_ansible(cls, params, check_mode=False,
                        backend_required=True, persistence=None,
                        backend=None):
        """A StorageModule over ``params`` (the shared options; defaults
        apply) outside an Ansible module: nothing to hide secrets from, and
        ``run`` cannot be used.  ``persistence`` and ``backend``: a plugin
        and a Backend this process has already set up (the library is set
        up once per process), used instead of building them."""
        sm = cls.__new__(cls)
        sm.module = None
        sm._configure(dict({key: spec.get('default') for key, spec in
                            BACKEND_ARGUMENT_SPEC.items()}, **params),
                      check_mode, backend_required)
        sm._persistence, sm._backend = persistence, backend
        return sm

    def _configure(self, params, check_mode, backend_required):
        self.params = params
        self.check_mode = check_mode
        self.backend_name = self.driver_options = None
        if backend_required or params['backend'] is not None:
            self.backend_name, self.driver_options = backend_options(
                params['backend'])
        self._reader = None
        self._persistence = None
        self._backend = None
        self._coordinator = None
        # The one-time set-ups (reader, persistence, backend, lock service)
        # happen under it, whichever thread asks first.
        self._setting_up = threading.RLock()
        self._locks_held = threading.local()

    # Input ---------------------------------------------------------------
    def declaration(self):
        """The module's own options (all but the shared ones): what the
        converge functions take as ``decl``."""
        return {key: value for key, value in self.params.items()
                if key not in BACKEND_ARGUMENT_SPEC}

    def _hide_secrets(self):
        hide = self.module.no_log_values.add
        for key, value in (self.params['backend'] or {}).items():
            if secrets.is_credential_option(key) and value not in (None, ''):
                hide(str(value))
        urls = [self.params['db_url'], self.params['coordination_url'],
                (self.params['persistence'] or {}).get('connection')]
        for url in urls:
            if isinstance(url, str) and secrets.url_password(url):
                hide(secrets.url_password(url))

    # Persistence ---------------------------------------------------------
    def _db_url(self):
        return self.params['db_url'] or 'sqlite:///%s' % os.path.join(
            default_data_dir(), 'cinderlib.sqlite')

    def _sqlite_path(self):
        """The SQLite file of the configured database, if it is one."""
        if self.params['persistence']:
            return None
        return sqlite_file(self._db_url())

    def persistence_config(self):
        if self.params['persistence']:
            config = dict(self.params['persistence'])
        else:
            config = {'storage': 'db', 'connection': self._db_url()}
        # Names are the modules' key: our plugins refuse a second volume
        # (per backend) or snapshot (per volume) with a name, even from
        # concurrent tasks (errors.DuplicateName).
        if config.get('storage') in UNIQUE_NAME_STORAGES:
            config.setdefault('unique_names', True)
        return config

    @property
    def records(self):
        """Read access to the records; the plugin's own once it is built."""
        if self._persistence is not None:
            return self._persistence
        with self._setting_up:
            if self._persistence is None and self._reader is None:
                path = self._sqlite_path()
                self._reader = (path and SQLiteReader.open(path)) or False
            if self._persistence is None and self._reader:
                return self._reader
        return self.persistence

    @property
    def persistence(self):
        """The persistence plugin (builds it, and the database if new)."""
        if self._persistence is not None:
            return self._persistence
        with self._setting_up:
            if self._persistence is None:
                self._persistence = self._setup_persistence()
        return self._persistence

    def _setup_persistence(self):
        config = self.persistence_config()
        if config.get('storage') in ('db', 'memory_db'):
            require('sqlalchemy')
        from ansible_collections.openstack.cinderlib.plugins.module_utils import persistence
        try:
            plugin = persistence.setup(config)
        except errors.CinderlibError as exc:
            raise Refused(persistence_option_message(
                'persistence' if self.params['persistence'] else 'db_url',
                exc)) from None
        # Threads still reading through the reader keep their rows; new
        # reads go to the plugin.  The reader is closed with the process.
        return plugin

    # Backend -------------------------------------------------------------
    @property
    def backend(self):
        """The set-up Backend: loads Cinder and the driver on first use."""
        if self._backend is not None:
            return self._backend
        with self._setting_up:
            if self._backend is None:
                self._backend = self._setup_backend()
        return self._backend

    def _setup_backend(self):
        require('cinder', 'os_brick', 'oslo_config')
        persistence = self.persistence
        from ansible_collections.openstack.cinderlib.plugins.module_utils import cinderlib as cl
        cl.setup(persistence_config={'storage': persistence},
                 file_locks_path=self._lock_path(),
                 root_helper=self.params['root_helper'],
                 coordination_url=self.params['coordination_url'],
                 disable_logs=True)
        return cl.Backend(self.backend_name, **self.driver_options)

    def _lock_path(self):
        lock_path = self._lock_dir()
        # The first tasks of a run create it at once: another may make it
        # between a check and a creation (exist_ok, not isdir first).
        try:
            os.makedirs(lock_path, 0o700, exist_ok=True)
        except OSError as exc:
            self.fail(self._file_locks_error('cannot be made a directory',
                                             exc))
        return lock_path

    def _lock_dir(self):
        return self.params['lock_path'] or os.path.join(default_data_dir(),
                                                        'locks')

    # Locks ---------------------------------------------------------------
    @property
    def _held(self):
        """The locks this thread holds (each thread converges its own
        declaration)."""
        held = getattr(self._locks_held, 'value', None)
        if held is None:
            held = self._locks_held.value = set()
        return held

    @_held.setter
    def _held(self, value):
        if not hasattr(self, '_locks_held'):
            self._locks_held = threading.local()
        self._locks_held.value = value

    @contextlib.contextmanager
    def exclusive(self, *resources, warnings=None):
        """Hold the locks of the resources a task changes.

        ``resources`` are (kind, key) pairs: ('volume-name', name) while a
        name is given to a volume (creation, rename), ('volume', id) while a
        volume, its snapshots or its connections change.  Tasks on other
        hosts sharing the database take the same locks, so of ten tasks
        declaring one change, one makes it and the others, looking again
        under the lock, find it made.  Locks are taken in one global order
        (no deadlock) and not again when already held by this thread.
        Cinder's coordination: file locks in lock_path, or a tooz lock
        service with coordination_url.  ``warnings``: a list for the
        warnings of the lock service (the module's otherwise).
        """
        held = self._held
        wanted = sorted(set(resources) - held, key=_lock_order)
        if not wanted:
            yield
            return
        acquired = []
        try:
            for kind, key in wanted:
                name = lock_name(self.backend_name, kind, key)
                try:
                    lock = self._get_lock(name)
                    taken = lock.acquire(blocking=LOCK_WAIT)
                except Refused:
                    raise
                except Exception as exc:
                    self.fail(self._lock_service_error(
                        'taking the lock of %s %s' % (kind, key), exc))
                if not taken:
                    self.fail('%s %s: another task held its lock (%s) for '
                              'more than %d s; nothing was changed: run again '
                              'once it is done' % (kind, key, name,
                                                   LOCK_WAIT))
                acquired.append(lock)
                held.add((kind, key))
            yield
        finally:
            for lock in reversed(acquired):
                try:
                    lock.release()
                except Exception as exc:
                    # The change is made and recorded; the lock service
                    # expires the lock (tooz's lock_timeout).
                    message = self._lock_service_error(
                        'releasing lock %s' % lock.name, exc)
                    if warnings is None:
                        self.module.warn(message)
                    else:
                        warnings.append(message)
            held.difference_update(wanted)

    def _get_lock(self, name):
        """A lock of Cinder's coordination, without loading Cinder.

        The same tooz backend as the driver's coordinator and the same
        'cinder-' prefix of its lock names; started on first use, so that a
        task finding, under the lock, its change made by another task ends
        without setting the backend up.
        """
        if self._coordinator is None:
            with self._setting_up:
                if self._coordinator is None:
                    self._coordinator = self._start_coordinator()
        return self._coordinator.get_lock(('cinder-' + name).encode('ascii'))

    def _start_coordinator(self):
        # Locks come before changes, and every change needs Cinder: name
        # it first, rather than the lock library Cinder brings.  (Only
        # looked for: the locks themselves are tooz's.)
        require('cinder', 'tooz')
        from ansible_collections.openstack.cinderlib.plugins.module_utils.cinder_service.in_process import InProcessCinder
        url = self.params['coordination_url'] or \
            'file://' + self._lock_path()
        try:
            InProcessCinder._check_reachable(url)
            # Cinder's package before tooz imports eventlet (standins).
            from ansible_collections.openstack.cinderlib.plugins.module_utils.cinder_service import standins
            standins.import_cinder_package()
            from tooz import coordination as tooz_coordination
            coordinator = tooz_coordination.get_coordinator(
                url, ('cinderlib-%d' % os.getpid()).encode('ascii'))
            coordinator.start(start_heart=True)
        except errors.CinderlibError as exc:
            self.fail(str(exc))
        except Exception as exc:
            self.fail(self._lock_service_error('starting', exc))
        return coordinator

    def _lock_service_error(self, doing, exc):
        """A failure of the lock service, naming the option to fix."""
        url = self.params['coordination_url']
        if not url:
            return self._file_locks_error('failed ' + doing, exc)
        return ('coordination: the lock service %s failed %s (%s); nothing '
                'was changed: check that it runs and answers, or fix '
                'coordination_url' % (secrets.mask_url(url), doing,
                                      _error_text(exc)))

    def _file_locks_error(self, doing, exc):
        return ('coordination: lock_path %s %s (%s); nothing was changed: '
                'set lock_path to a directory this user can create and '
                'write (or coordination_url to a lock service)' % (
                    self._lock_dir(), doing, _error_text(exc)))

    # Stats ---------------------------------------------------------------
    def cached_stats(self):
        """Stats saved by the last refresh, with their time, or None."""
        return stats_cache.cached(self.records, self.backend_name)

    def refresh_stats(self):
        return stats_cache.refresh(self.backend, self.persistence)

    # Lookups -------------------------------------------------------------
    def find_volume(self, name_or_id, what='volume'):
        """The record of this backend's volume with that id or name."""
        found = [record for record in self.records.get_volumes(
            volume_id=name_or_id) if record['backend'] == self.backend_name]
        if not found:
            found = self.records.get_volumes(volume_name=name_or_id,
                                             backend_name=self.backend_name)
        if len(found) > 1:
            self.fail('%s: %d volumes of backend %s are named %r; give the '
                      'id of the one you mean (%s)' % (
                          what, len(found), self.backend_name, name_or_id,
                          ', '.join(sorted(r['id'] for r in found))))
        return found[0] if found else None

    def find_snapshot(self, name_or_id, volume_record=None, what='snapshot'):
        found = [record for record in self.records.get_snapshots(
            snapshot_id=name_or_id) if record['backend'] == self.backend_name]
        if not found and volume_record is not None:
            found = self.records.get_snapshots(
                snapshot_name=name_or_id, volume_id=volume_record['id'])
        if len(found) > 1:
            self.fail('%s: %d snapshots are named %r; give the id of the '
                      'one you mean' % (what, len(found), name_or_id))
        return found[0] if found else None

    def volume(self, record):
        """The core Volume object for a record (sets the backend up)."""
        return self._core('Volume', record)

    def snapshot(self, record):
        return self._core('Snapshot', record)

    def connection(self, record):
        return self._core('Connection', record)

    def _core(self, kind, record):
        """The core's object for a record, as persistence has it now: this
        process may hold it live from an earlier declaration, and records
        change without it (labels, other hosts)."""
        _loaded = self.backend    # loads Cinder and the driver first
        from ansible_collections.openstack.cinderlib.plugins.module_utils import cinderlib as cl
        resource = getattr(cl, kind).get_by_id(record['id'])
        resource.refresh()
        return resource

    # Refusals ------------------------------------------------------------
    @staticmethod
    def fail(msg, **result):
        """Refuse the declaration (run() turns it into fail_json)."""
        raise Refused(msg, **result)
