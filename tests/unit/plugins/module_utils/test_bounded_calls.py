# -*- coding: utf-8 -*-
# Copyright: contributors to the openstack.cinderlib collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""bounded_calls: time-bounded calls on reused worker threads."""

import os
import threading
import time

import pytest

from ansible_collections.openstack.cinderlib.plugins.module_utils import bounded_calls


def test_result_and_error_come_back():
    assert bounded_calls.call(5, lambda a, b=0: a + b, 2, b=3) == 5
    with pytest.raises(KeyError):
        bounded_calls.call(5, {}.__getitem__, 'missing')


def test_a_driver_timeout_error_is_not_taken_for_the_bound():
    def socket_timeout():
        raise TimeoutError('the driver\'s own socket timed out')
    with pytest.raises(TimeoutError) as caught:
        bounded_calls.call(5, socket_timeout)
    assert not isinstance(caught.value, bounded_calls.Expired)


def test_workers_are_reused():
    first = bounded_calls.call(5, threading.get_ident)
    again = {bounded_calls.call(5, threading.get_ident) for _n in range(20)}
    assert again == {first}
    assert first != threading.get_ident()


def test_an_overrunning_call_expires_and_goes_on():
    release = threading.Event()
    finished = threading.Event()

    def slow():
        release.wait(10)
        finished.set()
        return 'late'
    with pytest.raises(bounded_calls.Expired):
        bounded_calls.call(0.2, slow, resource_id='vol-1')
    assert bounded_calls.running_on('vol-1')
    # Other calls still run meanwhile, on another worker.
    assert bounded_calls.call(5, lambda: 'other') == 'other'
    release.set()
    assert finished.wait(5)
    deadline = time.monotonic() + 5
    while bounded_calls.running_on('vol-1') and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not bounded_calls.running_on('vol-1')


def test_a_call_inside_a_call_does_not_wait_for_itself():
    assert bounded_calls.call(
        5, lambda: bounded_calls.call(5, lambda: 'inner')) == 'inner'


def test_a_forked_child_starts_its_own_workers():
    bounded_calls.call(5, lambda: None)
    pid = os.fork()
    if pid == 0:    # pragma: no cover - the child reports by exit status
        try:
            ok = bounded_calls.call(2, lambda: 'child') == 'child'
        except BaseException:
            ok = False
        os._exit(0 if ok else 1)
    _pid, status = os.waitpid(pid, 0)
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
