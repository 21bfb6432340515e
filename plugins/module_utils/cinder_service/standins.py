# -*- coding: utf-8 -*-
# Copyright: contributors to the openstack.cinderlib collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Loading only what drivers use of Cinder: stand-ins and deferred imports.

Importing Cinder's versioned objects and a volume driver imports much of the
Cinder service: its SQL layer (``cinder.db.api`` with its ORM models and
oslo.db), the service runner, the backup API, the API's policy engine and
WSGI middleware.  That is over half of the start-up time, yet a driver run
here touches only a few names in them.  ``install()``, called before Cinder
is imported, avoids that cost in three ways:

- Stand-ins: light modules under the names of Cinder's service modules,
  offering what drivers and objects use (the options those modules
  register, the DB calls served by driver_db, a class attribute).  Any
  other name in them is a placeholder that raises NotSupported, naming what
  was used, when called: a driver that needs more fails clearly.
- Deferred imports: a module that binds a costly library at import time but
  uses it only in calls drivers never make is imported while that library's
  name resolves to a proxy; the proxy imports the real library on first
  use, and the real library stays importable by anyone else.
- Lazy modules: libraries used only inside some calls load on first use.

Modules already imported (a program that loaded Cinder itself) are left as
they are; driver_db then serves the real ``cinder.db.api``.  A unit test
checks that every Cinder driver module imports the same with and without
all this, and that the stand-ins' options match Cinder's.
"""


import builtins
import functools
import importlib
import importlib.machinery
import importlib.util
import re
import sys
import types

from ansible_collections.openstack.cinderlib.plugins.module_utils import errors


def _service_only(name):
    return errors.NotSupported(
        '%s is part of the Cinder service, which openstack.cinderlib does not '
        'run; please report the driver that needs it' % name)


# Stand-ins -----------------------------------------------------------------
class _PlaceholderType(type):
    def __getattr__(cls, name):
        if name.startswith('_'):
            raise AttributeError(name)
        raise _service_only('%s.%s.%s' % (cls.__module__, cls.__name__, name))


class Placeholder(metaclass=_PlaceholderType):
    """A service-only class or function: fails when called or used."""

    def __new__(cls, *args, **kwargs):
        raise _service_only('%s.%s' % (cls.__module__, cls.__name__))


def placeholder(module, name, **attributes):
    attributes['__module__'] = module
    return _PlaceholderType(name, (Placeholder,), attributes)


class StandInModule(types.ModuleType):
    """A module whose unknown public names are placeholders."""

    def __getattr__(self, name):
        if name.startswith('_'):
            raise AttributeError(name)
        value = self._resolve(name)
        setattr(self, name, value)
        return value

    def _resolve(self, name):
        return placeholder(self.__name__, name)


class DBAPIStandIn(StandInModule):
    """cinder.db.api: every DB call goes to driver_db."""

    def _resolve(self, name):
        from ansible_collections.openstack.cinderlib.plugins.module_utils.cinder_service import driver_db
        return driver_db.db_api_function(name)

    @staticmethod
    def get_model_for_versioned_object(versioned_object):
        # Objects keep their ORM model class from registration on; only the
        # SQL layer (replaced) uses it.
        name = (versioned_object if isinstance(versioned_object, str)
                else versioned_object.obj_name())
        return placeholder('cinder.db.models', name)


def standin_options(cfg):
    """Options the replaced modules register, by module and list name, with
    Cinder's names, types and defaults: drivers and objects read some of
    them (volume_name_template)."""
    return {
        'cinder.db.api': {
            'db_opts': [
                cfg.BoolOpt('enable_new_services', default=True,
                            help='Services join the available pool.'),
                cfg.StrOpt('volume_name_template', default='volume-%s',
                           help='Template of volume names on backends.'),
                cfg.StrOpt('snapshot_name_template', default='snapshot-%s',
                           help='Template of snapshot names on backends.'),
            ],
            'backup_opts': [
                cfg.StrOpt('backup_name_template', default='backup-%s',
                           help='Template of backup names.'),
            ],
        },
        'cinder.backup.api': {
            'backup_opts': [
                cfg.BoolOpt('backup_use_same_host', default=False,
                            help='Backups run on the volume\'s host.'),
            ],
        },
    }


def _check_is_admin(context):
    # Cinder's default context_is_admin rule: the admin role.
    return 'admin' in [role.lower() for role in context.roles]


def _standins():
    modules = {name: StandInModule(name) for name in (
        'cinder.db.utils',      # conditions for the SQL layer's updates
        'cinder.service',       # the service runner
        'cinder.backup.api',    # the backup API (drivers read one option)
        'cinder.policy')}       # the API's policy engine
    modules['cinder.db.api'] = DBAPIStandIn('cinder.db.api')
    # Cleanable objects read the id of the service running them: none.
    modules['cinder.service'].Service = placeholder(
        'cinder.service', 'Service', service_id=None)
    modules['cinder.policy'].check_is_admin = _check_is_admin
    return modules


# Deferred imports ----------------------------------------------------------
class DeferredUseError(RuntimeError):
    """A deferred library was used while the module deferring it imported.

    Not an ImportError, which modules catch to run without an optional
    library: this must fail loudly (the unit tests import every driver).
    """


class DeferredModule(types.ModuleType):
    """A library's module while a deferral is on; the real one afterwards.

    During the deferral, its submodules are deferred too and the names given
    to the constructor are served.  Afterwards, any attribute comes from the
    real module, imported then.
    """

    def __init__(self, spec, deferral, attributes=None):
        super().__init__(spec.name)
        self.__dict__.update(attributes or {})
        if spec.submodule_search_locations is not None:
            self.__path__ = list(spec.submodule_search_locations)
        self._real_spec = spec
        self._deferral = deferral

    def __getattr__(self, name):
        if name.startswith('__'):
            raise AttributeError(name)
        if not self._deferral.active:
            return getattr(importlib.import_module(self.__name__), name)
        return self._deferral.submodule('%s.%s' % (self.__name__, name))


class Deferral:
    """Imports a module while some libraries it imports are DeferredModules.

    Meanwhile it is the first meta path finder, so that ``import lib.sub``
    and ``from lib.sub import x`` give deferred modules too.
    """

    def __init__(self, libraries):
        self.libraries = libraries
        self.active = False
        self.modules = {}

    def import_module(self, name):
        if name in sys.modules:
            return
        package = name.rpartition('.')[0]
        if package:
            importlib.import_module(package)
        for library, attributes in self.libraries.items():
            spec = (None if library in sys.modules
                    else importlib.util.find_spec(library))
            if spec is not None:
                self._defer(spec, attributes)
        self.active = True
        sys.meta_path.insert(0, self)
        try:
            importlib.import_module(name)
        finally:
            self.active = False
            sys.meta_path.remove(self)
            for deferred in self.modules:
                sys.modules.pop(deferred, None)

    def _defer(self, spec, attributes=None):
        module = self.modules[spec.name] = DeferredModule(spec, self,
                                                          attributes)
        sys.modules[spec.name] = module
        return module

    def submodule(self, name):
        if name in self.modules:
            return self.modules[name]
        parent, _dot, child = name.rpartition('.')
        locations = self.modules[parent]._real_spec.submodule_search_locations
        spec = locations and importlib.machinery.PathFinder.find_spec(
            name, locations)
        if not spec:
            raise DeferredUseError(
                '%s is used while importing %s; it cannot be deferred' % (
                    name, ', '.join(self.libraries)))
        module = self._defer(spec)
        setattr(self.modules[parent], child, module)
        return module

    # The meta path finder and loader protocol.
    def find_spec(self, name, path=None, target=None):
        if name.rpartition('.')[0] in self.modules:
            return importlib.util.spec_from_loader(name, self)
        return None

    def create_module(self, spec):
        return self.submodule(spec.name)

    def exec_module(self, module):
        pass


def _identity(value):
    return value


# The capabilities os-brick's and Cinder's privileged contexts name (Linux
# ABI numbers; a unit test compares them with oslo.privsep's).
PRIVSEP_CAPABILITIES = {'CAP_CHOWN': 0, 'CAP_DAC_OVERRIDE': 1,
                        'CAP_DAC_READ_SEARCH': 2, 'CAP_FOWNER': 3,
                        'CAP_NET_ADMIN': 12, 'CAP_SYS_ADMIN': 21}
# PrivContext's option type converts the numbers through the name table.
PRIVSEP_CAPABILITIES['CAPS_BYNAME'] = dict(PRIVSEP_CAPABILITIES)


# module to import: {library to defer: names it uses at import time}
# First, before install() imports oslo.config to register options:
CONFIG_DEFERRED_IMPORTS = (
    # The URI option type parses with rfc3986 (its regular expressions
    # compile at import); no option Cinder or a driver registers is a URI.
    ('oslo_config.types', {'rfc3986': {}}),
)
# eventlet's green sockets name pyOpenSSL's exceptions (cryptography).
CINDER_PACKAGE = ('cinder', {'OpenSSL': {}})
DEFERRED_IMPORTS = (
    CINDER_PACKAGE,
    # Cross-origin settings for the API's WSGI pipeline: oslo.middleware
    # imports every middleware (Jinja2 included).
    ('cinder.common.config', {'oslo_middleware': {}}),
    # RequestContext gets oslo.db's session attributes (SQLAlchemy's ORM)
    # for the SQL layer, replaced here.
    ('cinder.context', {'oslo_db.sqlalchemy.enginefacade': {
        'transaction_context_provider': _identity}}),
    # Privileged contexts name Linux capabilities at import; oslo.privsep's
    # capabilities module parses C declarations with cffi (pycparser) to
    # set them, which only the privsep daemon does.
    ('os_brick.privileged', {'oslo_privsep.capabilities': PRIVSEP_CAPABILITIES}),
    ('cinder.privsep', {'oslo_privsep.capabilities': PRIVSEP_CAPABILITIES}),
    # The profiler's notifier loads every osprofiler driver (requests,
    # urllib3 and more); it notifies only when profiling is enabled.
    ('osprofiler.profiler', {'osprofiler.notifier': {}}),
    # File helpers: only is_yaml() parses YAML.
    ('oslo_utils.fileutils', {'yaml': {}}),
    # os-brick's VMDK connector (VMware backups), with the vSphere SDK.
    ('os_brick.initiator.connectors.vmware', {'oslo_vmware': {}}),
)


# Lazy modules --------------------------------------------------------------
# Imported by drivers' helpers, used only inside some calls (volume
# encryption, image signature checks), with no import side effect other
# code relies on.
LAZY_MODULES = ('os_brick.encryptors', 'cursive.signature_utils')


def _import_lazily(name):
    if name in sys.modules:
        return
    spec = importlib.util.find_spec(name)
    if spec is None:
        return
    spec.loader = importlib.util.LazyLoader(spec.loader)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    parent, _dot, child = name.rpartition('.')
    setattr(sys.modules[parent], child, module)


# Lazy patterns -------------------------------------------------------------
# Modules that compile many regular expressions at import, used only by
# some calls: oslo.utils' strutils compiles ~430 password-masking patterns
# (a tenth of the start-up's import time) that only mask_password uses.
LAZY_PATTERN_MODULES = ('oslo_utils.strutils',)


class LazyPattern:
    """A regular expression, compiled the first time it is used."""

    __slots__ = ('_args', '_compiled')

    def __init__(self, *args):
        self._args = args
        self._compiled = None

    def compiled(self):
        if self._compiled is None:
            self._compiled = re.compile(*self._args)
        return self._compiled

    def __getattr__(self, name):
        return getattr(self.compiled(), name)


def _lazy_re():
    """The ``re`` module as a lazy-pattern module sees it."""
    lazy = types.ModuleType('re')
    lazy.__dict__.update(re.__dict__)
    lazy.compile = LazyPattern

    def compiling(function):
        @functools.wraps(function)
        def call(pattern, *args, **kwargs):
            if isinstance(pattern, LazyPattern):
                pattern = pattern.compiled()
            return function(pattern, *args, **kwargs)
        return call

    for name in ('match', 'fullmatch', 'search', 'sub', 'subn', 'split',
                 'findall', 'finditer'):
        setattr(lazy, name, compiling(getattr(re, name)))
    return lazy


def _import_with_lazy_patterns(name):
    """Import ``name`` with its own ``import re`` giving lazy patterns;
    nothing else sees them."""
    if name in sys.modules:
        return
    spec = importlib.util.find_spec(name)
    if spec is None:
        return
    lazy_re = _lazy_re()
    real_import = builtins.__import__

    def import_(module, globals=None, locals=None, fromlist=(), level=0):
        if module == 're' and not level:
            return lazy_re
        return real_import(module, globals, locals, fromlist, level)

    module = importlib.util.module_from_spec(spec)
    module.__builtins__ = dict(builtins.__dict__, __import__=import_)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise
    parent, _dot, child = name.rpartition('.')
    setattr(sys.modules[parent], child, module)


def import_cinder_package():
    """Import the ``cinder`` package as install() does.

    Its __init__ turns eventlet's green DNS resolver off, then imports
    eventlet: anything importing eventlet before it (tooz, through
    futurist, for the modules' locks) makes eventlet load dnspython, a
    third of a second of a task that changes something.
    """
    module_name, libraries = CINDER_PACKAGE
    Deferral(libraries).import_module(module_name)


def install():
    """Set all of it up; call before importing any Cinder module."""
    for name in LAZY_PATTERN_MODULES:
        _import_with_lazy_patterns(name)
    for module_name, libraries in CONFIG_DEFERRED_IMPORTS:
        Deferral(libraries).import_module(module_name)
    from oslo_config import cfg
    options = standin_options(cfg)
    replaced = []
    for name, module in _standins().items():
        if name in sys.modules:
            continue
        module.__file__ = __file__
        for list_name, opts in options.get(name, {}).items():
            setattr(module, list_name, opts)
            cfg.CONF.register_opts(opts)
        sys.modules[name] = module
        replaced.append(name)
    # The first deferral imports the cinder package, which sets how
    # eventlet resolves names before anything imports eventlet.
    for module_name, libraries in DEFERRED_IMPORTS:
        Deferral(libraries).import_module(module_name)
    for name in LAZY_MODULES:
        _import_lazily(name)
    # ``import cinder.db.api`` then ``cinder.db.api.x`` reads the package's
    # attribute: attach each stand-in to its (real) package.
    for name in replaced:
        package, _dot, child = name.rpartition('.')
        setattr(importlib.import_module(package), child, sys.modules[name])
