# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The core as an unprivileged user, from a virtualenv, on the RBD backend.

A system user (cl-nonroot, created here and removed afterwards if it did
not exist) runs nonroot_child.py: setup with file locks in a directory it
owns and a SQLite file, a volume created, connected, attached through
librbd, written, read back, detached and deleted.  Its root_helper is a
script that only records its arguments and fails, so any attempt to gain
root (a run_as_root command, a privsep daemon) shows.

The interpreter is a virtualenv the user can run: the tests' own, or, when
the user cannot execute it (a pyenv interpreter under /root), one made
from the system Python of the same version that sees the tests' packages.
Needs root, to create the user; skipped otherwise.
"""

import json
import os
import pwd
import shutil
import subprocess
import sys
import sysconfig
import tempfile

import pytest

from ansible_collections.openstack.cinderlib.plugins.module_utils import cinderlib as cl

import conftest

USER = 'cl-nonroot'
HERE = os.path.dirname(os.path.abspath(__file__))
RBD_DRIVER = 'cinder.volume.drivers.rbd.RBDDriver'

pytestmark = pytest.mark.skipif(
    os.geteuid() != 0, reason='creating the unprivileged test user needs root')


def rbd_backend_config():
    for name in conftest.BACKEND_NAMES:
        config = conftest.backend_config(name)
        if config.get('volume_driver') == RBD_DRIVER:
            return config
    pytest.skip('no RBD backend in %s' % conftest.CONFIG_FILE)


@pytest.fixture(scope='module')
def user():
    if not shutil.which('runuser'):
        pytest.skip('runuser (util-linux) is needed to run as another user')
    try:
        yield pwd.getpwnam(USER)
        return
    except KeyError:
        pass
    try:
        created = subprocess.run(
            ['useradd', '--system', '--no-create-home', '--home-dir',
             '/nonexistent', '--shell', '/usr/sbin/nologin', USER],
            capture_output=True, text=True, check=False)
        error = created.returncode and (created.stderr.strip() or
                                        created.returncode)
    except OSError as exc:
        error = exc
    if error:
        pytest.skip('cannot create user %s: %s' % (USER, error))
    yield pwd.getpwnam(USER)
    subprocess.run(['userdel', USER], check=True)


def as_user(user, argv, env=None, check=True):
    return subprocess.run(
        ['runuser', '-u', user.pw_name, '--', 'env', '-i',
         'PATH=/usr/bin:/bin', 'HOME=/nonexistent'] +
        ['%s=%s' % item for item in sorted((env or {}).items())] + argv,
        capture_output=True, text=True, check=check, timeout=300)


@pytest.fixture(scope='module')
def sandbox(user):
    """A directory everyone may enter; `work` in it belongs to the user."""
    root = tempfile.mkdtemp(prefix='cl-nonroot-')
    os.chmod(root, 0o755)
    work = os.path.join(root, 'work')
    os.mkdir(work, 0o700)
    os.chown(work, user.pw_uid, user.pw_gid)
    yield root
    shutil.rmtree(root)


@pytest.fixture(scope='module')
def user_python(user, sandbox):
    """A virtualenv interpreter the user can run, seeing our packages."""
    if not as_user(user, [sys.executable, '-c', 'pass'], check=False).returncode:
        return sys.executable
    version = 'python%d.%d' % sys.version_info[:2]
    base = shutil.which(version, path='/usr/bin:/bin:/usr/local/bin')
    if not base or as_user(user, [base, '-c', 'pass'], check=False).returncode:
        pytest.skip('%s cannot run %s and no system %s exists to make a '
                    'virtualenv from' % (USER, sys.executable, version))
    venv = os.path.join(sandbox, 'venv')
    subprocess.run([base, '-m', 'venv', '--without-pip', venv], check=True)
    site = subprocess.run(
        [os.path.join(venv, 'bin', 'python'), '-c',
         'import sysconfig; print(sysconfig.get_paths()["purelib"])'],
        capture_output=True, text=True, check=True).stdout.strip()
    with open(os.path.join(site, 'cinderlib-tests.pth'), 'w') as pth:
        pth.write('import site; site.addsitedir(%r)\n'
                  % sysconfig.get_paths()['purelib'])
    # pip writes this entry point into every virtualenv with oslo.privsep.
    helper = os.path.join(venv, 'bin', 'privsep-helper')
    with open(helper, 'w') as script:
        script.write('#!%s/bin/python\nimport sys\nfrom oslo_privsep.daemon '
                     'import helper_main\nsys.exit(helper_main())\n' % venv)
    os.chmod(helper, 0o755)
    return os.path.join(venv, 'bin', 'python')


@pytest.fixture(scope='module')
def rbd(user, sandbox):
    """The RBD backend options, with the Ceph files copied for the user."""
    config = dict(rbd_backend_config())
    config.pop('volume_backend_name')
    work = os.path.join(sandbox, 'work')
    keyring = os.path.join(work, 'ceph.keyring')
    shutil.copy(config['rbd_keyring_conf'], keyring)
    ceph_conf = os.path.join(work, 'ceph.conf')
    shutil.copy(config['rbd_ceph_conf'], ceph_conf)
    with open(ceph_conf, 'a') as conf:
        conf.write('\n[client.%s]\nkeyring = %s\n' % (config['rbd_user'],
                                                      keyring))
    for path in (keyring, ceph_conf):
        os.chown(path, user.pw_uid, user.pw_gid)
        os.chmod(path, 0o600)
    config.update(rbd_keyring_conf=keyring, rbd_ceph_conf=ceph_conf)
    return config


def recording_root_helper(sandbox, name):
    """A root_helper that records its arguments and gains nothing."""
    log = os.path.join(sandbox, name + '.log')
    path = os.path.join(sandbox, name)
    with open(path, 'w') as script:
        script.write('#!/bin/sh\necho "$*" >> %s\nexit 1\n' % log)
    os.chmod(path, 0o755)
    open(log, 'w').close()
    os.chmod(log, 0o666)
    return path, log


def run_child(user, user_python, sandbox, rbd, root_helper, attach):
    collections = cl.__file__.split(os.sep + 'ansible_collections' + os.sep, maxsplit=1)[0]
    child = os.path.join(sandbox, 'nonroot_child.py')
    shutil.copy(os.path.join(HERE, 'nonroot_child.py'), child)
    os.chmod(child, 0o644)
    args = {'work': os.path.join(sandbox, 'work'), 'root_helper': root_helper,
            'backend': rbd, 'attach': attach}
    result = as_user(user, [user_python, '-W', 'ignore', child,
                            json.dumps(args)],
                     env={'PYTHONPATH': collections}, check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def assert_gone(backend, report):
    """Neither a record nor an image (or trashed image) is left."""
    assert report['rows_left'] == 0
    from cinder.volume.drivers import rbd as rbd_driver
    with rbd_driver.RADOSClient(backend.driver) as client:
        proxy = backend.driver.RBDProxy()
        names = list(proxy.list(client.ioctx)) + [
            entry['name'] for entry in proxy.trash_list(client.ioctx)]
    assert [name for name in names
            if any(vid in name for vid in report['volume_ids'])] == []


def test_unprivileged_user_with_root_helper(backend, user, user_python,
                                            sandbox, rbd):
    helper, log = recording_root_helper(sandbox, 'root-helper')
    report = run_child(user, user_python, sandbox, rbd, helper, 'connect')
    assert report['euid'] == user.pw_uid
    assert report['in_virtualenv']
    assert report['read_back'] == 'nonroot'
    assert_gone(backend, report)
    # Privileged calls would go through the helper and the virtualenv's
    # privsep-helper, in a daemon started on the first such call: none
    # happened, so no daemon ran.
    venv_bin = os.path.dirname(user_python)
    assert report['helper_command'] == [
        '%s %s' % (helper, os.path.join(venv_bin, 'privsep-helper'))]
    assert report['daemon_started'] == [False, False]
    assert report['in_process'] == [False, False]
    # A run_as_root command goes through the helper (which fails here).
    assert report['root_command'].startswith('failed: ProcessExecutionError')
    with open(log) as calls:
        assert calls.read().splitlines() == ['id -u']


def test_unprivileged_user_without_root_helper(backend, user, user_python,
                                               sandbox, rbd):
    """No sudo: privileged calls run unprivileged in the process, so the
    whole local attach works for RBD, and run_as_root commands fail
    naming the missing helper."""
    report = run_child(user, user_python, sandbox, rbd, 'cl-no-such-sudo',
                       'volume')
    assert report['euid'] == user.pw_uid
    assert report['read_back'] == 'nonroot'
    assert_gone(backend, report)
    assert report['in_process'] == [True, True]
    assert report['daemon_started'] == [False, False]
    assert report['root_command'] == (
        "failed: FileNotFoundError: [Errno 2] No such file or directory: "
        "'cl-no-such-sudo'")


def test_root_runs_privileged_calls_in_process(backend):
    """As root no helper is used, and no privsep daemon is started."""
    import cinder.privsep
    import os_brick.privileged
    from ansible_collections.openstack.cinderlib.plugins.module_utils import library_state
    assert library_state.cinder().root_helper == ''
    for context in (os_brick.privileged.default,
                    cinder.privsep.sys_admin_pctxt):
        assert not context.client_mode
        assert context.channel is None
