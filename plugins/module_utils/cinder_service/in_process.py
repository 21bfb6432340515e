# -*- coding: utf-8 -*-
# Copyright: contributors to the openstack.cinderlib collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Running Cinder's volume drivers inside this process, with no Cinder service.

cinder-volume prepares a lot before it builds a driver: versioned objects,
parsed options, locks, privsep, a database.  This module does the same once
per process, the database being our persistence layer (see driver_db), and
loads only the part of Cinder drivers use (see standins).  Nothing
here imports Cinder at module level: a task that only reads persistence
never pays for it.  Privileged calls run in this process as root, and
through root_helper otherwise (see attach.setup_privsep).
"""


import contextlib
import gc
import logging
import os
import re
import socket
import sys

from ansible_collections.openstack.cinderlib.plugins.module_utils import errors
from ansible_collections.openstack.cinderlib.plugins.module_utils.secrets import mask_url

# Loggers of the libraries a driver brings; silenced when disable_logs.
DRIVER_LOGGERS = ('cinder', 'os_brick', 'oslo', 'oslo_concurrency',
                  'oslo_privsep', 'oslo_db', 'oslo_utils', 'oslo_service',
                  'oslo_versionedobjects', 'tooz', 'stevedore', 'urllib3',
                  'eventlet', 'keystoneauth', 'py.warnings')
# Records of loggers named so (and of their children) have their secrets
# masked when they are made, whichever handler writes them.
_MASKED_LOGGER_PREFIXES = DRIVER_LOGGERS + ('os_', 'oslo', 'rbd', 'rados')
# oslo.log options that name where records go: given one, Cinder's own
# handlers are set up even if the program configured logging itself.
_LOG_DESTINATION_OPTIONS = ('log_file', 'log_dir', 'use_stderr',
                            'use_journal', 'use_syslog', 'use_json',
                            'use_eventlog')

# Default ports of the tooz backends we check before starting them.
_DEFAULT_PORTS = {'redis': 6379, 'etcd3': 2379, 'etcd3gw': 2379,
                  'zookeeper': 2181, 'kazoo': 2181, 'memcached': 11211}

# A cephx key (base64, 40 characters) as keyrings write it: "key = AQ...==".
_CEPHX_KEY = re.compile(r'(key\s*=\s*)[A-Za-z0-9+/]{20,}={0,2}')


def mask_secrets(text):
    """``text`` with passwords and Ceph keys replaced by ***."""
    from oslo_utils import strutils
    masked, keys = _CEPHX_KEY.subn(r'\1***', strutils.mask_password(text))
    if not keys and 'keyring' in masked and '[client.' in masked:
        # A keyring in a form the pattern missed: drop all of it.
        masked = masked.split('[client.')[0] + '***'
    return masked


def _mask_record(record):
    """Mask the message (and traceback) of a log record, in place."""
    try:
        message = record.getMessage()
    except Exception:       # a driver's broken format string: let it be
        return
    if record.exc_info:
        # Formatters format tracebacks late (oslo.log's always anew): put
        # the masked text in the message instead.
        import traceback
        message += '\n' + ''.join(
            traceback.format_exception(*record.exc_info)).rstrip()
        record.exc_info, record.exc_text = None, None
    record.msg, record.args = mask_secrets(message), None


@contextlib.contextmanager
def collector_paused():
    """Loading Cinder and a driver allocates most of a process's long-lived
    objects, and the cyclic garbage collector would scan them again and
    again (a tenth of the start-up's CPU time) to find almost no garbage.
    Pause it meanwhile, then move every object into the oldest generation
    unscanned: full collections still look at them, as at any old object.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        gc.unfreeze()
        if enabled:
            gc.enable()


class SecretMaskingFilter(logging.Filter):
    """Masks secrets in the records it sees (see install_secret_masking
    for the records of every driver logger)."""

    def filter(self, record):
        _mask_record(record)
        return True


_masking = []


def install_secret_masking():
    """Mask secrets in every record a driver library logs.

    A filter on the ``cinder`` logger would not see the records of
    ``cinder.volume.drivers.rbd`` (logger filters do not apply to records
    of child loggers), and the program may have handlers of its own: so
    the records are masked when they are made.
    """
    if _masking:
        return
    make_record = logging.getLogRecordFactory()

    def masked_record(name, *args, **kwargs):
        record = make_record(name, *args, **kwargs)
        if name.startswith(_MASKED_LOGGER_PREFIXES):
            _mask_record(record)
        return record
    logging.setLogRecordFactory(masked_record)
    _masking.append(masked_record)


class InProcessCinder:
    """Cinder, loaded and prepared once for this process."""

    def __init__(self, settings):
        self.settings = settings
        self._load()

    def _load(self):
        settings = self.settings
        self._configure_logging()
        # Drivers run commands such as cinder-rtstool or privsep-helper that
        # live beside this interpreter inside a virtualenv.
        bin_dir = os.path.dirname(sys.executable)
        path = os.environ.get('PATH', '')
        if bin_dir not in path.split(os.pathsep):
            os.environ['PATH'] = bin_dir + os.pathsep + path
        try:
            from ansible_collections.openstack.cinderlib.plugins.module_utils.cinder_service import standins
            standins.install()
            from oslo_config import cfg
            from cinder import objects
            objects.register_all()
            from cinder import context
            from cinder import exception
            from cinder import utils as cinder_utils
            from cinder.volume import configuration
            from cinder.volume import driver as volume_driver
        except ImportError as exc:
            raise errors.MissingDependency(
                'Cinder is not installed for %s (%s): install the '
                'collection requirements (pip install "cinder>=29,<30" '
                'os-brick)' % (sys.executable, exc))
        self.cfg = cfg
        self.conf = cfg.CONF
        self.objects = objects
        self.exception = exception
        self.configuration = configuration
        self.volume_opts = (volume_driver.volume_opts + volume_driver.iser_opts
                            + volume_driver.nvmet_opts + volume_driver.scst_opts
                            + volume_driver.image_opts
                            + volume_driver.fqdn_opts)
        self._parse_config()
        self._set_global_options()
        if not settings.disable_logs:
            self._start_logging()
        # cinder.utils.execute adds this helper to every run_as_root command.
        cinder_utils.get_root_helper = lambda: self.root_helper
        self.context = context.RequestContext(
            user_id=settings.user_id, project_id=settings.project_id,
            is_admin=True, overwrite=False)
        self._setup_privsep()
        self._start_coordination()
        from ansible_collections.openstack.cinderlib.plugins.module_utils.cinder_service import driver_db
        driver_db.install(self)
        self.hostname = settings.cinder_options.get('host') or socket.gethostname()

    @property
    def root_helper(self):
        # Root needs no helper; sudo may not even be installed.
        if os.geteuid() == 0:
            return ''
        return self.settings.root_helper

    def _configure_logging(self):
        install_secret_masking()
        # The program's own handlers, before importing Cinder adds oslo.log's
        # temporary one (oslo_log.log.register_options).
        self._program_handlers = list(logging.getLogger().handlers)
        if self.settings.disable_logs:
            for name in DRIVER_LOGGERS:
                logging.getLogger(name).setLevel(logging.CRITICAL + 1)
            import warnings
            # Cinder's dependencies warn about deprecations on import.
            warnings.filterwarnings('ignore', module='cinder')
            warnings.filterwarnings('ignore', category=DeprecationWarning)

    def _start_logging(self):
        """disable_logs=False: the drivers log as under cinder-volume.

        Cinder's logging options given to setup (debug, log_file,
        use_stderr, default_log_levels...) apply as oslo.log applies them;
        with none naming a destination, records go to standard output as
        Cinder's do.  A program that configured logging itself (handlers
        on the root logger) keeps its handlers, and gets the records there
        unless it named a destination.
        """
        from oslo_log import log as oslo_logging
        root = logging.getLogger()
        own_handlers = [handler for handler in self._program_handlers
                        if handler in root.handlers]
        own_level = root.level
        named_destination = any(
            name in self.settings.cinder_options
            for name in _LOG_DESTINATION_OPTIONS)
        if own_handlers and not named_destination:
            for pair in self.conf.default_log_levels:
                name, _sep, level = pair.partition('=')
                logging.getLogger(name).setLevel(level)
        else:
            try:
                oslo_logging.setup(self.conf, 'cinder')
            except (OSError, ValueError, TypeError, RuntimeError) as exc:
                raise errors.InvalidConfiguration(
                    'logging: Cinder\'s logging options (log_file, log_dir, '
                    'use_syslog, ...) cannot be applied: %s' % exc)
            for handler in own_handlers:
                if handler not in root.handlers:
                    root.addHandler(handler)
            if own_handlers:
                root.setLevel(min(own_level or logging.WARNING, root.level))
        # The driver libraries at the level Cinder's debug option asks, the
        # program's own loggers as it set them.
        level = logging.DEBUG if self.conf.debug else logging.INFO
        for name in DRIVER_LOGGERS:
            logger = logging.getLogger(name)
            if logger.level == logging.NOTSET or logger.level > level:
                if name not in ('urllib3', 'stevedore', 'keystoneauth',
                                'py.warnings'):
                    logger.setLevel(level)

    def _parse_config(self):
        # No command line and no /etc/cinder/cinder.conf: every option comes
        # from global_setup and the Backend arguments.
        self.conf([], project='cinder', default_config_files=[],
                  default_config_dirs=[], validate_default_values=True)

    def set_option(self, name, value, group=None):
        """Override one option, converting strings to the option's type."""
        try:
            self.conf.set_override(name, value, group=group)
        except (ValueError, TypeError) as exc:
            raise errors.InvalidConfiguration(
                'option %s%s: invalid value: %s' % (
                    '%s.' % group if group else '', name, exc))

    def _set_global_options(self):
        settings = self.settings
        locks = settings.file_locks_path
        self.set_option('lock_path', locks, group='oslo_concurrency')
        self.set_option('state_path', locks)
        self.set_option('backend_url', settings.coordination_url or
                        'file://' + locks, group='coordination')
        for name, value in settings.cinder_options.items():
            if self._is_registered(name, None):
                self.set_option(name, value)

    def _is_registered(self, name, group):
        try:
            self.conf._get_opt_info(name, group)
            return True
        except (self.cfg.NoSuchOptError, self.cfg.NoSuchGroupError):
            return False

    def _setup_privsep(self):
        import cinder.privsep
        from ansible_collections.openstack.cinderlib.plugins.module_utils import attach
        attach.setup_privsep(self.settings.root_helper,
                             extra_contexts=[cinder.privsep.sys_admin_pctxt])

    def _start_coordination(self):
        # Drivers decorate methods with coordination.synchronized; that
        # needs a started coordinator (file locks unless a tooz URL).  File
        # locks start on first use: many drivers (RBD) never lock, and
        # loading tooz's driver costs a noticeable part of the start-up.
        # A lock server is checked and started now, to fail at once.
        from cinder import coordination
        coordinator = coordination.COORDINATOR
        url = self.conf.coordination.backend_url
        if url.startswith('file://'):
            _start_on_first_use(coordinator, lambda: self._start_coordinator(
                coordinator, url))
            return
        self._check_reachable(url)
        self._start_coordinator(coordinator, url)

    @staticmethod
    def _start_coordinator(coordinator, url):
        try:
            coordinator.start()
        except Exception as exc:
            raise errors.InvalidConfiguration(
                'coordination: cannot start the lock backend %s: %s' % (
                    mask_url(url), exc))

    @staticmethod
    def _check_reachable(url):
        """Fail at once on a lock server that does not answer: tooz retries
        an unreachable Redis for about a minute before it gives up."""
        from urllib.parse import urlsplit
        parts = urlsplit(url)
        if parts.scheme == 'file' or not parts.hostname:
            return
        try:
            port = parts.port or _DEFAULT_PORTS.get(parts.scheme.split('+')[0])
        except ValueError:
            port = None
        if not port:
            return
        try:
            socket.create_connection((parts.hostname, port), timeout=2).close()
        except OSError as exc:
            raise errors.InvalidConfiguration(
                'coordination: cannot start the lock backend %s: %s:%s does '
                'not answer (%s)' % (mask_url(url), parts.hostname, port,
                                     exc.strerror or exc))


def _start_on_first_use(coordinator, start):
    """Start ``coordinator`` when a lock is first asked for or removed."""
    import threading
    starting = threading.Lock()

    def started(method):
        def call(*args, **kwargs):
            if not coordinator.started:
                with starting:
                    if not coordinator.started:
                        start()
            return method(*args, **kwargs)
        return call

    coordinator.get_lock = started(coordinator.get_lock)
    coordinator.remove_lock = started(coordinator.remove_lock)
