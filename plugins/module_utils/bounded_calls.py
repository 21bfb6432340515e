# -*- coding: utf-8 -*-
# Copyright: contributors to the openstack.cinderlib collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Driver calls with a time bound, on reused worker threads.

A call runs on a worker thread while the caller waits at most ``timeout``
seconds; past that the caller gets Expired and the call may still finish
on the storage.  Workers are kept and reused: starting a thread for each call
cost about 0.3 ms, several times what a cheap driver call (an RBD export or
terminate_connection) costs itself.  A worker whose call overran is simply
not handed new work until that call returns.
"""


import os
import queue
import threading

_idle = []                  # workers waiting for a call
_idle_lock = threading.Lock()
# resource id -> calls not finished yet, for running_on()
_running = {}
_running_lock = threading.Lock()


class Expired(Exception):
    """The call did not return in time (it may still be running)."""


class _Call:
    __slots__ = ('func', 'args', 'kwargs', 'resource_id', 'done', 'value',
                 'error')

    def __init__(self, func, args, kwargs, resource_id):
        self.func, self.args, self.kwargs = func, args, kwargs
        self.resource_id = resource_id
        self.done = threading.Event()
        self.value = self.error = None

    def run(self):
        try:
            self.value = self.func(*self.args, **self.kwargs)
        except BaseException as exc:     # re-raised by the caller
            self.error = exc
        finally:
            if self.resource_id is not None:
                with _running_lock:
                    calls = _running.get(self.resource_id)
                    if calls is not None:
                        calls.discard(self)
                        if not calls:
                            del _running[self.resource_id]


class _Worker(threading.Thread):
    def __init__(self):
        super().__init__(daemon=True, name='cinderlib driver call')
        self.calls = queue.SimpleQueue()

    def run(self):
        while True:
            call = self.calls.get()
            call.run()
            # Idle again before the caller wakes, so that its next call
            # finds this worker.
            with _idle_lock:
                _idle.append(self)
            call.done.set()
            call = None         # drop the result before waiting again


def _worker():
    with _idle_lock:
        while _idle:
            worker = _idle.pop()
            if worker.is_alive():
                return worker
    worker = _Worker()
    worker.start()
    return worker


def call(timeout, func, *args, resource_id=None, **kwargs):
    """``func(*args, **kwargs)`` on a worker; Expired after
    ``timeout`` seconds (the call goes on)."""
    task = _Call(func, args, kwargs, resource_id)
    if resource_id is not None:
        with _running_lock:
            _running.setdefault(resource_id, set()).add(task)
    _worker().calls.put(task)
    if not task.done.wait(timeout):
        raise Expired()
    if task.error is not None:
        raise task.error
    return task.value


def running_on(resource_id):
    """Whether a call on this resource is still running in this process."""
    with _running_lock:
        return bool(_running.get(resource_id))


def _forget_workers():
    # A forked child has none of its parent's threads.
    del _idle[:]
    _running.clear()


os.register_at_fork(after_in_child=_forget_workers)
