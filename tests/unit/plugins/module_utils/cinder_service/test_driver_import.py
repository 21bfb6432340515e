# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""volume_driver that cannot be loaded: one sentence naming it and the fix.

Wrong paths and missing storage libraries, with fake driver modules; Cinder's
real RBD driver without the rados/rbd bindings in a child process whose
sys.path lacks them (as a virtualenv without the set-up script's link).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import subprocess
import sys
import textwrap

import pytest

from ansible_collections.openstack.cinderlib.plugins.module_utils import cinderlib as cl
from ansible_collections.openstack.cinderlib.plugins.module_utils.cinder_service import driver_import


def load_error(name, driver, **options):
    with pytest.raises(cl.errors.BackendSetupError) as raised:
        cl.Backend(name, volume_driver=driver, **options)
    assert name not in cl.Backend.backends
    message = str(raised.value)
    assert 'Traceback' not in message and '\n' not in message
    assert 'volume_driver' in message or driver in message
    return raised.value, message


@pytest.mark.parametrize('driver, fix', [
    ('fake_driver.FakeDrvier',
     'module fake_driver has no class FakeDrvier; did you mean '
     'fake_driver.FakeDriver'),
    ('cinder.volume.drivers.rbd.RBDDrvier',
     'did you mean cinder.volume.drivers.rbd.RBDDriver?'),
    ('cinder.volume.drivers.rbdd.RBDDriver',
     'cinder.volume.drivers has no module rbdd; did you mean '
     'cinder.volume.drivers.rbd?'),
    ('cl_unit_nosuch.Driver', 'has no module named cl_unit_nosuch'),
    ('RBDDriver', 'is not a Python path: set it to module.Class'),
])
def test_wrong_path_names_volume_driver_and_fix(driver, fix):
    _error, message = load_error('wrong-%s' % driver.replace('.', '-'), driver)
    assert message.startswith('backend wrong-')
    assert 'volume_driver %s' % driver in message
    assert fix in message
    assert 'cannot be found' not in message   # oslo's traceback text


def test_optional_library_missing_is_named_not_its_attribute_error():
    error, message = load_error(
        'optional-lib', 'fake_driver_missing_library.OptionalLibraryDriver')
    assert isinstance(error, cl.errors.DriverLibraryMissing)
    assert isinstance(error, ImportError)
    assert 'fake_driver_missing_library needs the Python library ' \
        'cl_unit_storage_client' in message
    assert os.path.abspath(sys.executable) in message
    assert "No module named 'cl_unit_storage_client'" in message
    assert 'AttributeError' not in message and 'NoneType' not in message
    # Known once the module is imported: a second backend says the same.
    assert load_error(
        'optional-lib-2',
        'fake_driver_missing_library.OptionalLibraryDriver')[1] == \
        message.replace('optional-lib', 'optional-lib-2')


def test_library_imported_at_setup_is_named():
    error, message = load_error(
        'late-lib', 'fake_driver_missing_library.LateImportDriver')
    assert isinstance(error, cl.errors.DriverLibraryMissing)
    assert 'cl_unit_late_client' in message and sys.executable in message


def test_required_library_names_module_and_library():
    error, message = load_error(
        'required-lib', 'fake_driver_required_library.RequiredLibraryDriver')
    assert isinstance(error, cl.errors.DriverLibraryMissing)
    assert 'cannot be imported: fake_driver_required_library needs the ' \
        'Python library cl_unit_required_client' in message


def test_other_setup_failures_keep_the_drivers_message():
    _error, message = load_error('fails-own', 'fake_driver.FakeDriver',
                                 fake_fail_setup=True)
    assert 'cannot reach the fake array' in message


def test_cinder_extra_gives_the_pip_requirement():
    advice = driver_import._library_advice(
        'pypureclient', "No module named 'pypureclient'",
        'cinder.volume.drivers.pure')
    assert "-m pip install 'py-pure-client>=" in advice


# Cinder's RBD driver without the bindings, in a fresh process.
RBD_CHILD = textwrap.dedent('''
    import sys, tempfile
    extra = sys.argv[1:]
    sys.path[:] = extra + [p for p in sys.path if not p.endswith(
        'ceph-bindings') and 'dist-packages' not in p]
    from ansible_collections.openstack.cinderlib.plugins.module_utils import cinderlib as cl
    cl.setup(file_locks_path=tempfile.mkdtemp(),
             persistence_config={'storage': 'memory'})
    try:
        cl.Backend('ceph', volume_driver='cinder.volume.drivers.rbd.RBDDriver',
                   rbd_pool='volumes', rbd_ceph_conf='/nonexistent.conf')
    except cl.errors.DriverLibraryMissing as exc:
        print(exc)
    else:
        print('NO ERROR')
''')


def rbd_without_bindings(*extra_path):
    proc = subprocess.run(
        [sys.executable, '-c', RBD_CHILD] + list(extra_path),
        capture_output=True, text=True, timeout=180, check=False,
        env=dict(os.environ, PYTHONWARNINGS='ignore'))
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc.stdout.strip()


@pytest.mark.parametrize('bindings', ['absent', 'dangling link'])
def test_rbd_without_bindings_says_what_to_install(tmp_path, bindings):
    extra = []
    if bindings == 'dangling link':
        # Linked once, the packages removed since.
        (tmp_path / 'rados.cpython-311-x86_64-linux-gnu.so').symlink_to(
            tmp_path / 'removed' / 'rados.so')
        extra = [str(tmp_path)]
    message = rbd_without_bindings(*extra)
    assert message.startswith(
        'backend ceph: driver cinder.volume.drivers.rbd.RBDDriver cannot run: '
        "it needs Ceph's Python bindings rados and rbd"), message
    assert os.path.abspath(sys.executable) in message
    assert 'python3-rados and python3-rbd' in message
    assert 'scripts/setup-venv.sh' in message
    assert 'AttributeError' not in message and 'NoneType' not in message
