# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Loading only what drivers use of Cinder (cinder_standins).

What a process has imported depends on everything it did before, so the
checks on a fresh start run in child interpreters.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import os
import subprocess
import sys

import pytest

from ansible_collections.openstack.cinderlib.plugins.module_utils.cinder_service import standins as cinder_standins
from ansible_collections.openstack.cinderlib.plugins.module_utils import cinderlib as cl

# The fake drivers' directory, one up from this one.
HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run_python(code, timeout=300):
    out = subprocess.run([sys.executable, '-W', 'ignore', '-c', code],
                         check=True, capture_output=True, text=True,
                         timeout=timeout, cwd=HERE).stdout
    return json.loads(out.strip().splitlines()[-1])


def test_standin_options_are_cinders():
    """Same names, types and defaults as the modules they replace."""
    def described(opts):
        return [[opt.name, type(opt).__name__, opt.default] for opt in opts]

    from oslo_config import cfg
    ours = {module: {name: described(opts) for name, opts in lists.items()}
            for module, lists in cinder_standins.standin_options(cfg).items()}
    cinders = run_python(r'''
import importlib, json
from cinder import objects
objects.register_all()
names = %r
print(json.dumps({module: {name: [[o.name, type(o).__name__, o.default]
                                  for o in getattr(importlib.import_module(module), name)]
                           for name in lists}
                  for module, lists in names.items()}))
''' % {module: sorted(lists) for module, lists in ours.items()})
    assert ours == cinders


MODULE_IMPORTS = r'''
import importlib, json, os, sys
if %(standins)r:
    from ansible_collections.openstack.cinderlib.plugins.module_utils.cinder_service import standins as cinder_standins
    cinder_standins.install()
from cinder import objects
objects.register_all()
import cinder
root = os.path.dirname(cinder.__file__)
names = []
for area in ('volume', 'image', 'zonemanager', 'brick', 'keymgr', 'backup',
             'scheduler', 'api'):
    for path, _dirs, files in os.walk(os.path.join(root, area)):
        if os.sep + 'tests' not in path:
            names += [os.path.relpath(os.path.join(path, f), os.path.dirname(root))
                      [:-3].replace(os.sep, '.').replace('.__init__', '')
                      for f in files if f.endswith('.py')]
result = {}
for name in sorted(names):
    try:
        importlib.import_module(name)
        result[name] = 'ok'
    except BaseException as exc:
        result[name] = '%%s: %%s' %% (type(exc).__name__, exc)
print(json.dumps(result))
'''


def test_every_driver_module_imports_as_with_cinder_alone():
    """Every module of Cinder's drivers, targets, image, zone manager,
    brick, key manager, backup, scheduler and API packages imports (or
    fails) as it does without stand-ins, deferred and lazy imports."""
    plain = run_python(MODULE_IMPORTS % {'standins': False})
    light = run_python(MODULE_IMPORTS % {'standins': True})
    assert len(plain) > 500
    assert light == plain


READY = r'''
import json, sys
from ansible_collections.openstack.cinderlib.plugins.module_utils import cinderlib as cl
cl.setup(file_locks_path=%(locks)r)
cl.Backend('fresh', volume_driver='fake_driver.FakeDriver')
heavy = ['sqlalchemy', 'oslo_db.sqlalchemy.enginefacade', 'oslo_middleware',
         'oslo_vmware', 'OpenSSL', 'cryptography.x509', 'os_brick.encryptors.nop',
         'oslo_policy', 'keystonemiddleware', 'cinder.db.models', 'cinder.api',
         'rfc3986', 'yaml', 'osprofiler.notifier', 'oslo_privsep.capabilities',
         'pycparser']
loaded = [name for name in heavy if name in sys.modules]
import cinder.common.config
cors = cinder.common.config.cors.set_defaults
print(json.dumps({'loaded': loaded, 'db_api': type(sys.modules['cinder.db.api']).__name__,
                  'deferred_then_real': type(sys.modules['oslo_middleware']).__name__,
                  'cors': cors.__module__}))
'''


def test_ready_backend_loads_no_service_module(tmp_path):
    result = run_python(READY % {'locks': str(tmp_path)})
    assert result == {'loaded': [], 'db_api': 'DBAPIStandIn',
                      'deferred_then_real': 'module',
                      'cors': 'oslo_middleware.cors'}


LVM = r'''
import json
from ansible_collections.openstack.cinderlib.plugins.module_utils import cinderlib as cl
cl.setup(file_locks_path=%(locks)r)
try:
    cl.Backend('lvm', volume_driver='cinder.volume.drivers.lvm.LVMVolumeDriver',
               volume_group='cl-no-such-vg', target_helper='lioadm')
except cl.errors.CinderlibError as exc:
    print(json.dumps(str(exc)))
'''


def test_lvm_driver_imports_and_constructs(tmp_path):
    """The driver is built; only its set-up fails, on the missing VG."""
    message = run_python(LVM % {'locks': str(tmp_path)})
    assert message.startswith('backend lvm: driver cinder.volume.drivers.lvm.'
                              'LVMVolumeDriver failed to set up:')
    assert 'cl-no-such-vg' in message


@pytest.fixture
def cinder_loaded():
    cl.Backend('standins', volume_driver='fake_driver.FakeDriver')


def test_deferred_capabilities_are_oslo_privseps():
    from oslo_privsep import capabilities
    served = dict(cinder_standins.PRIVSEP_CAPABILITIES)
    assert served.pop('CAPS_BYNAME') == served
    assert served == {name: getattr(capabilities, name) for name in served}


def test_unserved_db_call_names_itself(cinder_loaded):
    from cinder.db import api as db
    with pytest.raises(cl.errors.NotSupported,
                       match=r'cinder\.db\.api\.volume_get_all,'):
        db.volume_get_all(None)


def test_service_only_names_fail_when_used(cinder_loaded):
    import cinder.db.utils
    import cinder.service
    assert cinder.service.Service.service_id is None
    with pytest.raises(cl.errors.NotSupported,
                       match=r'cinder\.service\.Service is part of the '
                             r'Cinder service'):
        cinder.service.Service('host', 'binary', 'topic', 'manager')
    with pytest.raises(cl.errors.NotSupported, match=r'cinder\.db\.utils\.Not'):
        cinder.db.utils.Not(None)
    with pytest.raises(cl.errors.NotSupported,
                       match=r'cinder\.service\.Service\.create'):
        cinder.service.Service.create()


def test_policy_admin_is_the_admin_role(cinder_loaded):
    from cinder import context
    from cinder import policy
    assert policy.check_is_admin(context.RequestContext(roles=['Admin']))
    assert not policy.check_is_admin(context.RequestContext(roles=['member']))


# Deferral on a package of our own -------------------------------------------
@pytest.fixture
def demo(tmp_path, monkeypatch):
    """Package cl_demo_lib (a marker records its import) and its users."""
    lib = tmp_path / 'cl_demo_lib'
    (lib / 'sub').mkdir(parents=True)
    (lib / '__init__.py').write_text('import sys\nsys.cl_demo_imported = True\n'
                                     'VALUE = 42\n')
    (lib / 'part.py').write_text('PART = "part"\n')
    (lib / 'sub' / '__init__.py').write_text('')
    (lib / 'sub' / 'leaf.py').write_text('LEAF = "leaf"\n')
    (tmp_path / 'cl_demo_binds.py').write_text(
        'from cl_demo_lib import part\nimport cl_demo_lib.sub.leaf\n'
        'from cl_demo_lib.sub import leaf\nfrom cl_demo_lib import tag\n'
        'TAGGED = tag("x")\n')
    (tmp_path / 'cl_demo_uses.py').write_text(
        'import cl_demo_lib\nVALUE = cl_demo_lib.VALUE\n')
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delattr(sys, 'cl_demo_imported', raising=False)
    yield
    for name in list(sys.modules):
        if name.startswith(('cl_demo_lib', 'cl_demo_binds', 'cl_demo_uses')):
            del sys.modules[name]


def test_deferred_library_loads_on_first_use(demo):
    deferral = cinder_standins.Deferral(
        {'cl_demo_lib': {'tag': lambda value: 'tagged ' + value}})
    deferral.import_module('cl_demo_binds')
    import cl_demo_binds
    assert cl_demo_binds.TAGGED == 'tagged x'
    assert not hasattr(sys, 'cl_demo_imported')
    assert 'cl_demo_lib' not in sys.modules      # others get the real one
    assert cl_demo_binds.part.PART == 'part'
    assert cl_demo_binds.leaf.LEAF == 'leaf'
    assert cl_demo_binds.cl_demo_lib.sub.leaf.LEAF == 'leaf'
    assert sys.cl_demo_imported
    assert type(sys.modules['cl_demo_lib']).__name__ == 'module'


def test_library_used_at_import_fails_loudly(demo):
    deferral = cinder_standins.Deferral({'cl_demo_lib': {}})
    # Not an ImportError: modules catch those to run without a library.
    with pytest.raises(cinder_standins.DeferredUseError,
                       match='cl_demo_lib.VALUE is used while importing'):
        deferral.import_module('cl_demo_uses')
    assert 'cl_demo_lib' not in sys.modules
    assert 'cl_demo_uses' not in sys.modules
    assert sys.meta_path[0] is not deferral


# Lazy patterns -----------------------------------------------------------------
MASKING = r'''
import json
if %(lazy)r:
    from ansible_collections.openstack.cinderlib.plugins.module_utils.cinder_service import standins as cinder_standins
    cinder_standins.install()
from oslo_utils import strutils
samples = ['password=secret123 user=bob', '{"password": "abc", "auth_token": "t"}',
           '<adminPass>xyz</adminPass>', '--password hunter2 --x',
           "rbd_secret_uuid='42'", "chapsecret = 'x' CHAPPASSWORD=y",
           'nothing to mask', b'password=bytes']
out = [strutils.mask_password(s) for s in samples]
out.append(strutils.mask_dict_password({'password': 'x', 'a': {'secret': 'y'}}))
out += [strutils.string_to_bytes('10KiB'), strutils.to_slug('Hello World!')]
import re
print(json.dumps({'out': out, 'lazy': type(strutils._SANITIZE_PATTERNS_1['password'][0]).__name__,
                  'only_there': [strutils.re is not re, type(re.compile('x')).__name__]}))
'''


def test_masking_patterns_compile_lazily_and_mask_the_same():
    real = run_python(MASKING % {'lazy': False})
    lazy = run_python(MASKING % {'lazy': True})
    assert lazy['out'] == real['out']
    assert 'password=***' in real['out'][0]
    assert (real['lazy'], lazy['lazy']) == ('Pattern', 'LazyPattern')
    # Everyone else's re.compile is the real one.
    assert lazy['only_there'] == [True, 'Pattern']


def test_cinder_package_first_keeps_eventlet_off_dnspython():
    """The modules' locks import tooz (and eventlet) before Cinder loads."""
    loaded = run_python('''
import json, sys
from ansible_collections.openstack.cinderlib.plugins.module_utils.cinder_service import standins
standins.import_cinder_package()
from tooz import coordination
import eventlet
print(json.dumps(sorted(name for name in ('dns', 'OpenSSL', 'cinder')
                        if type(sys.modules.get(name)).__name__ == 'module')))
''')
    assert loaded == ['cinder']
