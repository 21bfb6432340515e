# -*- coding: utf-8 -*-
# Copyright: contributors to the openstack.cinderlib collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every call into a Cinder driver goes through here.

``bounded`` waits at most the backend's driver_timeout for the call (see
bounded_calls); ``mapped_errors`` turns what the driver raises into the
core's errors, with one message format (``message``) and, for resources,
the status the failure leaves behind.  ``call`` is both at once.
Cinder-free: drivers' exception classes are told apart by name.
"""

import contextlib

from ansible_collections.openstack.cinderlib.plugins.module_utils import bounded_calls
from ansible_collections.openstack.cinderlib.plugins.module_utils import errors

# Seconds a driver call may take before the task fails (backend option
# driver_timeout): Cinder has no bound of its own, and a storage that stops
# answering would otherwise hang the caller forever.
DEFAULT_DRIVER_TIMEOUT = 300
# What a driver raises when it will not act now but nothing was done.
BUSY_ERRORS = ('VolumeIsBusy', 'SnapshotIsBusy')


def is_manage_refusal(exc):
    """The driver's verdict on a reference (or marker): the user's to fix."""
    name = type(exc).__name__
    return name.startswith('ManageExisting') or name == 'InvalidInput'


def message(exc, backend=None):
    """'message (Type)' of a driver's exception; with ``backend``, for a
    timeout, also which backend option bounds it."""
    text = errors.describe(exc)
    if backend is not None:
        from ansible_collections.openstack.cinderlib.plugins.module_utils.cinder_service import driver_tuning
        text += driver_tuning.timeout_hint(backend, exc)
    return text


def _seconds(value):
    return int(value) if value == int(value) else value


def bounded(backend, operation, func, *args, **kwargs):
    """``func(*args, **kwargs)``, waiting at most backend.driver_timeout.

    The call runs on a worker thread (bounded_calls); if it does not return
    in time we stop waiting and raise DriverTimeout, but it may still finish
    on the storage later.  ``resource_id`` (keyword) names the resource it
    acts on, for bounded_calls.running_on().
    """
    try:
        return bounded_calls.call(backend.driver_timeout, func, *args,
                                  **kwargs)
    except bounded_calls.Expired:
        raise errors.DriverTimeout(
            'backend %s: %s did not finish within %s s (driver_timeout); '
            'check that the storage is up and reachable, or raise the '
            'backend option driver_timeout if it needs longer' % (
                backend.id, operation,
                _seconds(backend.driver_timeout))) from None


@contextlib.contextmanager
def mapped_errors(subject, action, driver, backend=None, feature=None,
                  on_error=None, on_busy=None, user_error=None,
                  failure=None, passthrough=errors.CinderlibError,
                  not_implemented=True):
    """Run driver calls; raise the core's error for what they raise.

    ``subject`` ('volume <id>', 'backend <name>') and ``action`` name what
    failed.  ``backend``: add the timeout hint to driver messages.
    ``feature``: what a NotImplementedError says is not supported (else the
    action, in the words of the documented "cannot extend").  ``on_error(
    message)``: record the failure (the resource's error status);
    ``on_busy()``: the driver refused (busy) or does not implement it, so
    nothing was done.  ``user_error(exc)``: whether it is an InvalidInput
    (True for any: ``all``).  ``failure(exc, message)``: the error to raise
    instead of BackendError.  ``passthrough``: our errors, raised as they
    are (a DriverTimeout always: the outcome is unknown).
    ``not_implemented``: a NotImplementedError is NotSupported (False: a
    failure like any other).
    """
    try:
        yield
    except (errors.DriverTimeout, passthrough):
        raise
    except NotImplementedError as exc:
        if not_implemented:
            if on_busy is not None:
                on_busy()
            if feature:
                raise errors.NotSupported('%s: %s is not supported by %s' % (
                    subject, feature, type(driver).__name__))
            # Documented: "If the Cinder driver doesn't implement the extend
            # operation it will raise a NotImplementedError".
            raise errors.NotSupported(
                '%s: cannot %s: the driver %s does not implement it (%s)' % (
                    subject, action, type(driver).__name__, message(exc)))
        _raise_mapped(exc, subject, action, backend, on_error, on_busy,
                      user_error, failure)
    except Exception as exc:
        _raise_mapped(exc, subject, action, backend, on_error, on_busy,
                      user_error, failure)


def _raise_mapped(exc, subject, action, backend, on_error, on_busy,
                  user_error, failure):
    text = message(exc, backend)
    if failure is not None:
        raise failure(exc, text)
    if user_error is all or (user_error is not None and user_error(exc)):
        raise errors.InvalidInput('%s: %s: %s' % (subject, action, text))
    if on_busy is not None and type(exc).__name__ in BUSY_ERRORS:
        on_busy()
        raise errors.BackendError('%s: the driver refused to %s: %s' % (
            subject, action, text))
    if on_error is not None:
        on_error(text)
    raise errors.BackendError('%s: %s failed: %s' % (subject, action, text))


def call(backend, subject, action, doing, func, *args, errors_as=None,
         **kwargs):
    """One driver call: bounded (``doing`` names it in a timeout), its
    errors mapped (``errors_as``: mapped_errors' keyword options)."""
    with mapped_errors(subject, action, backend.driver, **(errors_as or {})):
        return bounded(backend, doing, func, *args, **kwargs)
