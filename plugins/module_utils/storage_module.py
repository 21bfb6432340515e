# -*- coding: utf-8 -*-
# Copyright: contributors to the openstack.cinderlib collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the storage-side modules share: options, persistence, the backend.

Reads go to a light SQLite reader when the default database is used, so a
task that finds everything as declared never imports SQLAlchemy or Cinder;
the persistence plugin and the driver are built only when something must
change.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import contextlib
import hashlib
import importlib.util
import json
import os
import re
import traceback

from ansible.module_utils.basic import missing_required_lib

from ansible_collections.openstack.cinderlib.plugins.module_utils import errors
from ansible_collections.openstack.cinderlib.plugins.module_utils.ansible_module import AnsibleModule
from ansible_collections.openstack.cinderlib.plugins.module_utils.host_paths import default_data_dir
from ansible_collections.openstack.cinderlib.plugins.module_utils.persistence.sqlite_reader import SQLiteReader

BACKEND_ARGUMENT_SPEC = dict(
    backend=dict(type='dict'),
    db_url=dict(type='str'),
    persistence=dict(type='dict'),
    lock_path=dict(type='path'),
    coordination_url=dict(type='str'),
    root_helper=dict(type='str', default='sudo'),
)

# Python packages by import name, as pip names them.
PACKAGES = {
    'cinder': 'cinder>=29,<30', 'os_brick': 'os-brick',
    'oslo_config': 'oslo.config', 'sqlalchemy': 'SQLAlchemy>=2.0',
    'tooz': 'tooz',
}

# Driver option names that hold credentials; their values never reach output.
_CREDENTIAL_OPTION = re.compile(
    r'(password|passwd|secret|token|credential|api_?key|private_key)', re.I)
# user:password@ in a URL.
_URL_PASSWORD = re.compile(r'^[^:/]+://[^:/@]*:([^@]+)@')
STATS_KEY = 'cinderlib.stats.%s'
# How long a task waits for another task's lock on the same resource.
LOCK_WAIT = 300
# Locks are taken in this order of kinds (then of keys): never a deadlock.
_LOCK_KINDS = ('volume-name', 'volume')
# What may appear as is in a lock name (Cinder's are ASCII; file locks are
# files named after them).
_LOCK_NAME_PART = re.compile(r'^[A-Za-z0-9_.-]{1,80}$')


def _lock_order(resource):
    kind, key = resource
    return _LOCK_KINDS.index(kind), key


def lock_name(backend_name, kind, key):
    """The coordination lock of one resource: user names are hashed unless
    plain ASCII (file locks are files of that name)."""
    parts = [backend_name, kind, key]
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


def url_password(url):
    found = _URL_PASSWORD.match(url or '')
    return found.group(1) if found else None


class StorageModule(object):
    """An AnsibleModule plus lazy access to persistence and the backend."""

    def __init__(self, argument_spec, backend_required=True, **kwargs):
        spec = dict(BACKEND_ARGUMENT_SPEC)
        spec.update(argument_spec)
        exclusive = list(kwargs.pop('mutually_exclusive', []))
        exclusive.append(('db_url', 'persistence'))
        self.module = AnsibleModule(argument_spec=spec,
                                    mutually_exclusive=exclusive, **kwargs)
        self.params = self.module.params
        self.check_mode = self.module.check_mode
        self._hide_secrets()
        self.backend_name = self.driver_options = None
        if backend_required or self.params['backend'] is not None:
            self.backend_name, self.driver_options = self._backend_params()
        self._reader = None
        self._persistence = None
        self._backend = None
        self._coordinator = None
        self._held = set()

    # Input ---------------------------------------------------------------
    def _hide_secrets(self):
        hide = self.module.no_log_values.add
        for key, value in (self.params['backend'] or {}).items():
            if _CREDENTIAL_OPTION.search(key) and value not in (None, ''):
                hide(str(value))
        urls = [self.params['db_url'], self.params['coordination_url'],
                (self.params['persistence'] or {}).get('connection')]
        for url in urls:
            if isinstance(url, str) and url_password(url):
                hide(url_password(url))

    def _backend_params(self):
        if self.params['backend'] is None:
            self.fail('backend is required: a dict with volume_backend_name, '
                      'volume_driver and the driver\'s options (or set it for '
                      'all modules with module_defaults for '
                      'group/openstack.cinderlib.cinderlib)')
        options = dict(self.params['backend'])
        name = options.pop('volume_backend_name', None)
        if not name or not isinstance(name, str):
            self.fail('backend.volume_backend_name is required: a name for '
                      'this backend, unique among your backends (e.g. ceph '
                      'or lvm-node1); volumes are looked up under it')
        if not options.get('volume_driver') or \
                not isinstance(options['volume_driver'], str):
            self.fail('backend.volume_driver is required: the Python path '
                      'of the Cinder driver class, e.g. '
                      'cinder.volume.drivers.rbd.RBDDriver')
        return name, options

    def require(self, *import_names):
        """Fail naming the package to install if one is missing."""
        for name in import_names:
            if importlib.util.find_spec(name) is None:
                self.module.fail_json(msg=missing_required_lib(
                    PACKAGES[name]))

    # Persistence ---------------------------------------------------------
    def _sqlite_path(self):
        """The SQLite file of the configured database, if it is one."""
        url = self.params['db_url']
        if self.params['persistence']:
            return None
        if url is None:
            return os.path.join(default_data_dir(), 'cinderlib.sqlite')
        if url.startswith('sqlite:///') and url != 'sqlite:///:memory:':
            return url[len('sqlite:///'):] or None
        return None

    def persistence_config(self):
        if self.params['persistence']:
            config = dict(self.params['persistence'])
        else:
            path = self._sqlite_path()
            url = 'sqlite:///%s' % path if path else self.params['db_url']
            config = {'storage': 'db', 'connection': url}
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
        if self._reader is None:
            path = self._sqlite_path()
            self._reader = (path and SQLiteReader.open(path)) or False
        return self._reader or self.persistence

    @property
    def persistence(self):
        """The persistence plugin (builds it, and the database if new)."""
        if self._persistence is None:
            if self._reader:
                self._reader.close()
            config = self.persistence_config()
            if config.get('storage') in ('db', 'memory_db'):
                self.require('sqlalchemy')
            from ansible_collections.openstack.cinderlib.plugins.module_utils import persistence
            try:
                self._persistence = persistence.setup(config)
            except errors.CinderlibError as exc:
                self.fail(persistence_option_message(
                    'persistence' if self.params['persistence'] else
                    'db_url', exc))
        return self._persistence

    # Backend -------------------------------------------------------------
    @property
    def backend(self):
        return self.setup_backend()

    def setup_backend(self):
        """The set-up Backend: loads Cinder and the driver on first use."""
        if self._backend is None:
            self.require('cinder', 'os_brick', 'oslo_config')
            from ansible_collections.openstack.cinderlib.plugins.module_utils import cinderlib as cl
            cl.setup(persistence_config={'storage': self.persistence},
                     file_locks_path=self._lock_path(),
                     root_helper=self.params['root_helper'],
                     coordination_url=self.params['coordination_url'],
                     disable_logs=True)
            self._backend = cl.Backend(self.backend_name,
                                       **self.driver_options)
        return self._backend

    def _lock_path(self):
        lock_path = self.params['lock_path'] or os.path.join(
            default_data_dir(), 'locks')
        # The first tasks of a run create it at once: another may make it
        # between a check and a creation (exist_ok, not isdir first).
        os.makedirs(lock_path, 0o700, exist_ok=True)
        return lock_path

    @contextlib.contextmanager
    def exclusive(self, *resources):
        """Hold the locks of the resources a task changes.

        ``resources`` are (kind, key) pairs: ('volume-name', name) while a
        name is given to a volume (creation, rename), ('volume', id) while a
        volume, its snapshots or its connections change.  Tasks on other
        hosts sharing the database take the same locks, so of ten tasks
        declaring one change, one makes it and the others, looking again
        under the lock, find it made.  Locks are taken in one global order
        (no deadlock) and not again when already held by this task.  Cinder's
        coordination: file locks in lock_path, or a tooz lock service with
        coordination_url.
        """
        wanted = sorted(set(resources) - self._held, key=_lock_order)
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
                except Exception as exc:
                    self.fail(self._lock_service_error(
                        'taking the lock of %s %s' % (kind, key), exc))
                if not taken:
                    self.fail('%s %s: another task held its lock (%s) for '
                              'more than %d s; nothing was changed: run again '
                              'once it is done' % (kind, key, name,
                                                   LOCK_WAIT))
                acquired.append(lock)
                self._held.add((kind, key))
            yield
        finally:
            for lock in reversed(acquired):
                try:
                    lock.release()
                except Exception as exc:
                    # The change is made and recorded; the lock service
                    # expires the lock (tooz's lock_timeout).
                    self.module.warn(self._lock_service_error(
                        'releasing lock %s' % lock.name, exc))
            self._held.difference_update(wanted)

    def _get_lock(self, name):
        """A lock of Cinder's coordination, without loading Cinder.

        The same tooz backend as the driver's coordinator and the same
        'cinder-' prefix of its lock names; started on first use, so that a
        task finding, under the lock, its change made by another task exits
        without setting the backend up.
        """
        if self._coordinator is None:
            # Locks come before changes, and every change needs Cinder:
            # name it first, rather than the lock library Cinder brings.
            self.require('cinder', 'tooz')
            from ansible_collections.openstack.cinderlib.plugins.module_utils.runtime import Runtime
            url = self.params['coordination_url'] or \
                'file://' + self._lock_path()
            try:
                Runtime._check_reachable(url)
                from tooz import coordination as tooz_coordination
                coordinator = tooz_coordination.get_coordinator(
                    url, ('cinderlib-%d' % os.getpid()).encode('ascii'))
                coordinator.start(start_heart=True)
            except errors.CinderlibError as exc:
                self.fail(str(exc))
            except Exception as exc:
                self.fail(self._lock_service_error('starting', exc))
            self._coordinator = coordinator
        return self._coordinator.get_lock(('cinder-' + name).encode('ascii'))

    def _lock_service_error(self, doing, exc):
        from ansible_collections.openstack.cinderlib.plugins.module_utils.runtime import mask_url
        url = self.params['coordination_url'] or \
            'file://' + (self.params['lock_path'] or 'lock_path')
        return ('coordination: the lock service %s failed %s (%s: %s); '
                'nothing was changed: check that it runs and answers, or '
                'fix coordination_url' % (
                    mask_url(url), doing, type(exc).__name__,
                    str(exc).strip().splitlines()[0] if str(exc).strip()
                    else 'no message'))

    def cached_stats(self):
        """Stats saved by the last refresh, with their time, or None."""
        found = self.records.get_key_values(STATS_KEY % self.backend_name)
        return json.loads(found[0].value) if found else None

    def refresh_stats(self):
        from ansible_collections.openstack.cinderlib.plugins.module_utils import cinderlib as cl
        from ansible_collections.openstack.cinderlib.plugins.module_utils.serialization import jsonable
        import datetime
        cached = {'stats': jsonable(self.backend.stats(refresh=True)),
                  'updated_at': datetime.datetime.now(
                      datetime.timezone.utc).isoformat()}
        self.persistence.set_key_value(cl.KeyValue(
            STATS_KEY % self.backend_name, json.dumps(cached)))
        return cached

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
        self.setup_backend()
        from ansible_collections.openstack.cinderlib.plugins.module_utils import cinderlib as cl
        return cl.Volume.get_by_id(record['id'])

    # Output --------------------------------------------------------------
    def fail(self, msg, **result):
        self.module.fail_json(msg=msg, **result)

    def exit(self, changed, before=None, after=None, **result):
        # Or it settled what an interrupted run left (converge._settled).
        changed = changed or getattr(self, 'settled', False)
        if self.module._diff and (before is not None or after is not None):
            result['diff'] = {'before': before or {}, 'after': after or {}}
        self.module.exit_json(changed=changed, **result)

    def run(self, task):
        """Run ``task(self)``; errors become failures without tracebacks."""
        try:
            task(self)
        except errors.CinderlibError as exc:
            self.fail(str(exc))
        except Exception as exc:
            self.fail('unexpected %s: %s' % (type(exc).__name__, exc),
                      exception=traceback.format_exc())
