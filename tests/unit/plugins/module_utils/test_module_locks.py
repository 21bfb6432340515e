# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The locks the storage modules hold around a change (StorageModule.exclusive):
names, order, re-entry, and failures of the lock service.  Real concurrency
(ten Ansible hosts) is tested in tests/multihost."""

import os

import pytest

import parallel_processes
from ansible_collections.openstack.cinderlib.plugins.module_utils import storage_module


class Failed(BaseException):
    """What fail_json raises (SystemExit): not an Exception."""


class FakeLock:
    def __init__(self, log, name, acquire=True, release_error=None):
        self.log, self.name = log, name
        self._acquire, self._release_error = acquire, release_error

    def acquire(self, blocking=True):
        if isinstance(self._acquire, Exception):
            raise self._acquire
        self.log.append(('acquire', self.name))
        return self._acquire

    def release(self):
        if self._release_error:
            raise self._release_error
        self.log.append(('release', self.name))


class FakeCoordinator:
    def __init__(self, **lock_options):
        self.log = []
        self.lock_options = lock_options

    def get_lock(self, name):
        return FakeLock(self.log, name.decode(), **self.lock_options)


class FakeAnsible:
    def __init__(self):
        self.warnings = []

    def warn(self, msg):
        self.warnings.append(msg)


def module(tmp_path, coordinator=None, coordination_url=None):
    sm = storage_module.StorageModule.without_ansible({
        'coordination_url': coordination_url, 'lock_path': str(tmp_path),
        'backend': {'volume_backend_name': 'ceph',
                    'volume_driver': 'cinder.volume.drivers.rbd.RBDDriver'}})
    sm._coordinator = coordinator
    sm.module = FakeAnsible()

    def fail(msg, **result):
        raise Failed(msg)
    sm.fail = fail
    return sm


def test_lock_names_are_ascii_and_file_safe():
    assert storage_module.lock_name('ceph', 'volume', 'data-1') == \
        'cinderlib-ceph-volume-data-1'
    for key in ('données', 'a/../b', 'x' * 200, 'two words'):
        name = storage_module.lock_name('ceph', 'volume-name', key)
        name.encode('ascii')
        assert '/' not in name and ' ' not in name and len(name) < 100


def test_locks_taken_in_one_order_and_not_twice(tmp_path):
    coordinator = FakeCoordinator()
    sm = module(tmp_path, coordinator)
    with sm.exclusive(('volume', 'b'), ('volume-name', 'z'), ('volume', 'a')):
        with sm.exclusive(('volume', 'a'), ('volume', 'c')):
            pass
    prefix = 'cinder-cinderlib-ceph-'
    assert coordinator.log == [
        ('acquire', prefix + 'volume-name-z'),
        ('acquire', prefix + 'volume-a'), ('acquire', prefix + 'volume-b'),
        ('acquire', prefix + 'volume-c'), ('release', prefix + 'volume-c'),
        ('release', prefix + 'volume-b'), ('release', prefix + 'volume-a'),
        ('release', prefix + 'volume-name-z')]
    assert sm._held == set()


def test_locks_released_when_the_task_exits_inside(tmp_path):
    coordinator = FakeCoordinator()
    sm = module(tmp_path, coordinator)
    with pytest.raises(SystemExit):
        with sm.exclusive(('volume', 'a')):
            raise SystemExit(0)
    assert coordinator.log[-1] == ('release', 'cinder-cinderlib-ceph-volume-a')


def test_a_lock_held_too_long_fails_changing_nothing(tmp_path):
    sm = module(tmp_path, FakeCoordinator(acquire=False))
    with pytest.raises(Failed, match=r'volume a: another task held its lock '
                       r'\(cinderlib-ceph-volume-a\) for more than 300 s; '
                       r'nothing was changed'):
        with sm.exclusive(('volume', 'a')):
            raise AssertionError('ran without the lock')


def test_a_failing_lock_service_is_named(tmp_path):
    sm = module(tmp_path, FakeCoordinator(acquire=ConnectionError('gone')),
                coordination_url='redis://:pw@10.0.0.1:6379')
    with pytest.raises(Failed) as failed:
        with sm.exclusive(('volume', 'a')):
            raise AssertionError('ran without the lock')
    message = str(failed.value)
    assert message.startswith('coordination: the lock service '
                              'redis://:***@10.0.0.1:6379 failed taking the '
                              'lock of volume a (ConnectionError: gone); '
                              'nothing was changed')
    assert 'pw' not in message


def test_a_lock_service_lost_after_the_change_warns(tmp_path):
    coordinator = FakeCoordinator(release_error=ConnectionError('gone'))
    sm = module(tmp_path, coordinator, coordination_url='redis://h:1')
    with sm.exclusive(('volume', 'a')):
        pass
    assert len(sm.module.warnings) == 1
    assert 'releasing lock' in sm.module.warnings[0]


def test_an_unreachable_lock_service_is_named(tmp_path):
    sm = module(tmp_path, coordination_url='redis://127.0.0.1:1')
    with pytest.raises(Failed, match=r'^coordination: cannot start the lock '
                       r'backend redis://127.0.0.1:1: 127.0.0.1:1 does not '
                       r'answer'):
        with sm.exclusive(('volume', 'a')):
            raise AssertionError('ran without the lock')


def test_file_locks_without_cinder(tmp_path):
    sm = module(tmp_path)
    with sm.exclusive(('volume-name', 'données')):
        assert len(list(tmp_path.iterdir())) >= 1


# The first tasks of a run on a new lock_path create it, all at once -------
def test_lock_path_made_by_another_task_meanwhile_is_used(tmp_path,
                                                          monkeypatch):
    """The interleaving of the multihost flake (1 Create of 10 failed with
    "coordination: ... (FileExistsError: ...)"): this task finds no
    lock_path, another task creates it, then this one tries to."""
    lock_path = tmp_path / 'locks'
    real_mkdir = os.mkdir

    def other_task_makes_it_first(path, *args, **kwargs):
        if str(path) == str(lock_path) and not lock_path.exists():
            real_mkdir(path, 0o700)
        return real_mkdir(path, *args, **kwargs)
    monkeypatch.setattr(os, 'mkdir', other_task_makes_it_first)
    sm = module(lock_path)
    with sm.exclusive(('volume-name', 'v1')):
        pass
    assert lock_path.is_dir()


def test_lock_path_through_a_file_is_refused(tmp_path):
    (tmp_path / 'file').write_text('')
    sm = module(tmp_path / 'file' / 'locks')
    with pytest.raises(Failed, match=r'^coordination: '):
        with sm.exclusive(('volume', 'a')):
            raise AssertionError('ran without the lock')


def test_a_bad_lock_path_names_lock_path_and_the_fix(tmp_path):
    (tmp_path / 'file').write_text('')
    lock_path = tmp_path / 'file' / 'locks'
    sm = module(lock_path)
    with pytest.raises(Failed) as failed:
        with sm.exclusive(('volume', 'a')):
            raise AssertionError('ran without the lock')
    message = str(failed.value)
    assert message.startswith(
        'coordination: lock_path %s cannot be made a directory '
        '(NotADirectoryError: ' % lock_path), message
    assert message.endswith(
        'nothing was changed: set lock_path to a directory this user can '
        'create and write (or coordination_url to a lock service)')
    assert 'fix coordination_url' not in message


def test_failing_file_locks_name_lock_path(tmp_path):
    sm = module(tmp_path, FakeCoordinator(
        acquire=PermissionError(13, 'Permission denied')))
    with pytest.raises(Failed) as failed:
        with sm.exclusive(('volume', 'a')):
            raise AssertionError('ran without the lock')
    assert str(failed.value) == (
        'coordination: lock_path %s failed taking the lock of volume a '
        '(PermissionError: [Errno 13] Permission denied); nothing was '
        'changed: set lock_path to a directory this user can create and '
        'write (or coordination_url to a lock service)' % tmp_path)


def test_tasks_creating_one_lock_path_at_once_all_succeed(tmp_path):
    """Real processes released at once, each walking the same fresh lock
    directories (what the first lock of each task does)."""
    outcomes = parallel_processes.run(tmp_path / 'run', 10, setup='''
        from ansible_collections.openstack.cinderlib.plugins.module_utils import storage_module
        sm = storage_module.StorageModule.__new__(storage_module.StorageModule)
    ''', body='''
        for k in range(300):
            sm.params = {'lock_path': os.path.join(workdir, 'locks-%d' % k)}
            sm._lock_path()
    ''')
    assert not parallel_processes.failures(outcomes), \
        parallel_processes.failures(outcomes)[0]
