# -*- coding: utf-8 -*-
# Copyright: contributors to the openstack.cinderlib collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Importing the class ``volume_driver`` names, and saying in one sentence
why it cannot run when the path is wrong or a library it needs is missing.

Drivers import their storage's client library at module level, and most
catch the ImportError (``try: import rados ... except ImportError: rados =
None``), then fail later with whatever using ``None`` gives:
``'NoneType' object has no attribute 'Rados'``.  So the imports that failed
while the driver's module was imported are noted, and a set-up failure of a
driver whose module lacked a library is reported as that missing library.
"""


import builtins
import importlib
import inspect
import os
import sys

from ansible_collections.openstack.cinderlib.plugins.module_utils import errors

EXAMPLE = 'cinder.volume.drivers.rbd.RBDDriver'

# Modules that import on behalf of their caller (importutils.try_import).
_IMPORT_HELPERS = ('importlib', 'oslo_utils.importutils')

# importer module -> {library: ImportError text}, for this process: a driver
# module is imported once, its failed imports are known from then on.
_failed_imports = {}

# Import names whose distribution is named otherwise (Cinder's extras name
# distributions).
_DISTRIBUTIONS = {
    'googleapiclient': 'google-api-python-client',
    'hpe3parclient': 'python-3parclient',
    'linstor': 'python-linstor',
    'OpenSSL': 'pyOpenSSL',
    'pypureclient': 'py-pure-client',
    'swiftclient': 'python-swiftclient',
    'websocket': 'websocket-client',
}

CEPH_BINDINGS = ('rados', 'rbd')
DEBIAN_DIST_PACKAGES = '/usr/lib/python3/dist-packages'


def import_driver_class(backend_name, driver_path):
    """The class ``driver_path`` names; errors name volume_driver and the fix."""
    module_name, _dot, class_name = driver_path.rpartition('.')
    prefix = 'backend %s: volume_driver %s' % (backend_name, driver_path)
    if not module_name:
        raise errors.BackendSetupError(
            '%s is not a Python path: set it to module.Class, e.g. %s'
            % (prefix, EXAMPLE))
    try:
        module = _import_noting_failures(module_name)
    except ImportError as exc:
        missing = exc.name
        if missing and (module_name == missing or
                        module_name.startswith(missing + '.')):
            raise errors.BackendSetupError(_no_module(prefix, missing))
        if missing and missing.startswith('cinder.') and \
                _is_cinder_core(missing):
            raise errors.BackendSetupError(
                '%s cannot be imported: it imports %s, which Cinder %s does '
                'not have (%s); use a driver written for this Cinder' % (
                    prefix, missing, _cinder_version(), exc))
        if missing:
            raise errors.DriverLibraryMissing(
                '%s cannot be imported: %s' % (
                    prefix, _library_advice(missing.partition('.')[0],
                                            str(exc), module_name)))
        raise errors.BackendSetupError('%s: importing %s failed: %s' % (
            prefix, module_name, exc))
    except Exception as exc:
        raise errors.BackendSetupError('%s: importing %s failed: %s (%s)' % (
            prefix, module_name, str(exc).strip(), type(exc).__name__))
    driver_class = getattr(module, class_name, None)
    if not inspect.isclass(driver_class):
        raise errors.BackendSetupError(
            '%s: module %s has no class %s; %s' % (
                prefix, module_name, class_name,
                _close_matches(class_name, _driver_classes(module),
                               module_name)))
    return driver_class


def setup_failure(backend_name, driver_path, driver_class, exc):
    """A DriverLibraryMissing if the driver failed (``exc``) for want of a
    library its modules could not import, else None."""
    if isinstance(exc, ImportError) and exc.name:
        failed = {exc.name.partition('.')[0]: str(exc)}
    else:
        failed = _failed_for(driver_class)
    if not failed:
        return None
    # What the driver then raised (using None: an AttributeError) follows
    # from the missing library; the library is what to fix.
    name = sorted(failed)[0]
    return errors.DriverLibraryMissing('backend %s: driver %s cannot run: %s' % (
        backend_name, driver_path,
        _library_advice(name, failed[name], driver_class.__module__)))


# Noting failed imports ---------------------------------------------------
def _import_noting_failures(module_name):
    original = builtins.__import__

    def noting_import(name, globals=None, locals=None, fromlist=(), level=0):
        try:
            return original(name, globals, locals, fromlist, level)
        except ImportError as exc:
            if level == 0:
                importer = _importer(globals)
                if importer:
                    _failed_imports.setdefault(importer, {}).setdefault(
                        (exc.name or name).partition('.')[0], str(exc))
            raise

    builtins.__import__ = noting_import
    try:
        return importlib.import_module(module_name)
    finally:
        builtins.__import__ = original


def _importer(globals):
    name = (globals or {}).get('__name__')
    if name and name not in _IMPORT_HELPERS:
        return name
    # importlib.import_module or try_import: the module that called them.
    frame = sys._getframe(2)
    while frame is not None:
        name = frame.f_globals.get('__name__')
        if name not in _IMPORT_HELPERS and name != __name__ and \
                not frame.f_code.co_filename.startswith('<frozen'):
            return name
        frame = frame.f_back
    return None


def _failed_for(driver_class):
    """{library: error} of the imports the driver's modules could not make:
    those of its class hierarchy, and of its own package unless that is
    Cinder's shared cinder.volume.drivers."""
    modules = set(klass.__module__ for klass in inspect.getmro(driver_class)
                  if not _is_cinder_core(klass.__module__))
    package = driver_class.__module__.rpartition('.')[0]
    failed = {}
    for importer, libraries in _failed_imports.items():
        if importer in modules or (
                package and package != 'cinder.volume.drivers' and
                importer.startswith(package + '.')):
            for library, text in libraries.items():
                failed.setdefault(library, text)
    return failed


# Advice ------------------------------------------------------------------
def _is_cinder_core(module_name):
    """Cinder itself, not one of its drivers."""
    return (module_name == 'cinder' or module_name.startswith('cinder.')) \
        and not module_name.startswith('cinder.volume.drivers.')


def _cinder_version():
    try:
        from importlib import metadata
        return metadata.version('cinder')
    except Exception:
        return '(unknown version)'


def _is_ceph(library):
    return library in CEPH_BINDINGS


def _interpreter():
    return '%s (Python %d.%d)' % (sys.executable, sys.version_info[0],
                                  sys.version_info[1])


def _library_advice(library, error_text, importer):
    if _is_ceph(library):
        return _ceph_advice()
    distribution = _DISTRIBUTIONS.get(library, library)
    requirement = _cinder_requirement(distribution)
    if requirement:
        install = "install it: %s -m pip install '%s'" % (sys.executable,
                                                          requirement)
    else:
        install = ('install the Python package that provides %s into that '
                   "interpreter's environment" % library)
    return '%s needs the Python library %s, which %s cannot import (%s); %s' % (
        importer, library, _interpreter(), error_text, install)


def _ceph_advice():
    import glob  # error paths import what only they use
    installed = all(glob.glob(os.path.join(
        DEBIAN_DIST_PACKAGES, '%s.cpython-*.so' % name))
        for name in CEPH_BINDINGS)
    # A virtualenv's interpreter is <venv>/bin/python, next to pyvenv.cfg
    # (sys.prefix says so too, unless site was not imported).
    venv = os.path.dirname(os.path.dirname(os.path.abspath(sys.executable)))
    in_venv = os.path.exists(os.path.join(venv, 'pyvenv.cfg'))
    text = ("it needs Ceph's Python bindings rados and rbd (not on PyPI), "
            'which %s cannot import; ' % _interpreter())
    link = ('link them into the virtualenv %s (scripts/setup-venv.sh does, as '
            'does the controller role with controller_ceph: true)' % venv)
    if not installed:
        text += ("install Debian's python3-rados and python3-rbd "
                 '(apt-get install python3-rados python3-rbd)')
        if in_venv:
            text += ', then ' + link
    elif in_venv:
        text += ("Debian's python3-rados and python3-rbd are installed, but "
                 'this virtualenv does not see them: ' + link)
    else:
        text += ("Debian's python3-rados and python3-rbd are installed in %s, "
                 'which this interpreter does not read: use /usr/bin/python3 '
                 'or a virtualenv of it with them linked' % DEBIAN_DIST_PACKAGES)
    if sys.version_info[:2] != (3, 11):
        text += "; Debian 12's bindings are built for Python 3.11"
    return text


def _cinder_requirement(distribution):
    """Cinder's own requirement line for a driver library (its extras)."""
    try:
        from importlib import metadata
        requirements = metadata.requires('cinder') or ()
    except Exception:
        return None
    wanted = _normalized(distribution)
    for line in requirements:
        spec = line.split(';')[0].strip()
        name = spec
        for separator in '<>=!~[ ':
            name = name.split(separator)[0]
        if _normalized(name) == wanted:
            return spec
    return None


def _normalized(name):
    return name.lower().replace('_', '-').replace('.', '-')


# Wrong paths -------------------------------------------------------------
def _no_module(prefix, missing):
    import pkgutil  # error paths import what only they use
    package, _dot, child = missing.rpartition('.')
    if not package:
        return ('%s names no module: %s has no module named %s; set it to '
                "a driver class's Python path, e.g. %s" % (
                    prefix, _interpreter(), missing, EXAMPLE))
    try:
        parent = importlib.import_module(package)
        children = [info.name for info in pkgutil.iter_modules(
            getattr(parent, '__path__', []))]
    except Exception:
        children = []
    return '%s names no module: %s has no module %s; %s' % (
        prefix, package, child, _close_matches(child, children, package))


def _driver_classes(module):
    return [name for name, value in vars(module).items()
            if inspect.isclass(value) and value.__module__ == module.__name__
            and not name.startswith('_')]


def _close_matches(name, candidates, parent):
    """The fix: the candidates (names in module or package ``parent``) that
    look like ``name``, else the driver classes there, else an example."""
    import difflib  # error paths import what only they use
    matches = difflib.get_close_matches(name, candidates, n=3, cutoff=0.6)
    if matches:
        return 'did you mean %s?' % ' or '.join(
            '%s.%s' % (parent, match) for match in matches)
    drivers = sorted(c for c in candidates if c.lower().endswith('driver'))
    if drivers:
        return 'its driver classes: %s' % ', '.join(drivers[:10])
    return "set it to a driver class's Python path, e.g. %s" % EXAMPLE
