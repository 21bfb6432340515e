# -*- coding: utf-8 -*-
# Copyright: contributors to the openstack.cinderlib collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Exceptions raised by the openstack.cinderlib core.

Every error names what was wrong and, where there is one, the fix.  Callers
(the Ansible modules among them) turn them into ``fail_json(msg=str(err))``.
"""


class CinderlibError(Exception):
    """Base class of every error raised by the core."""


class InvalidConfiguration(CinderlibError, ValueError):
    """Library or backend settings are wrong; nothing was changed."""


class InvalidInput(CinderlibError, ValueError):
    """An argument is wrong (size, id, state); nothing was changed."""


class NotFound(CinderlibError, LookupError):
    """The resource is not known to the persistence layer."""


class NotSupported(CinderlibError, NotImplementedError):
    """The driver (or the core) does not implement the operation."""


class BackendError(CinderlibError):
    """The driver or the storage failed; the message carries its answer."""


class BackendSetupError(BackendError):
    """The driver could not be loaded or set up."""


class MissingDependency(CinderlibError, ImportError):
    """A Python library the requested feature needs is not installed."""


class PersistenceError(CinderlibError):
    """The persistence store failed (a database went away, a disk filled);
    the message names the store and what was being done."""


class DuplicateName(InvalidInput):
    """Saving would give a volume the name of another volume of its backend,
    or a snapshot the name of another snapshot of its volume (persistence
    with ``unique_names``); nothing was saved.

    ``kind`` (volume or snapshot), ``resource_id`` (the one being saved),
    ``name``, ``holder_id`` (the one that has the name) and ``scope`` (the
    backend name, or the volume id for snapshots) say which.
    """

    def __init__(self, kind, resource_id, name, holder_id, scope):
        self.kind, self.resource_id, self.name = kind, resource_id, name
        self.holder_id, self.scope = holder_id, scope
        where = 'backend %s' % scope if kind == 'volume' else 'volume %s' % scope
        super().__init__(
            '%s %s cannot be named %r: %s %s of %s already has that name; '
            'choose another name, or rename or remove %s %s first' % (
                kind, resource_id, name, kind, holder_id, where, kind,
                holder_id))


class DriverLibraryMissing(BackendSetupError, MissingDependency):
    """The driver needs a Python library its interpreter cannot import."""


class DriverTimeout(BackendError):
    """A driver call did not return within the backend's driver_timeout.

    What it was doing may still finish on the storage: the record stays in
    its transitional status, and the next run reconciles it.
    """


def describe(exc):
    """'message (Type)' of a driver's exception, and of the one it wraps.

    Drivers often turn the library error that says what is wrong (RADOS
    permission denied, pool not found) into a generic one ("Error
    connecting to ceph cluster"): name both.
    """
    message = '%s (%s)' % (str(exc).strip() or type(exc).__name__,
                           type(exc).__name__)
    cause = exc.__cause__ or exc.__context__
    cause_text = str(cause).strip() if cause is not None else ''
    if cause_text and cause_text not in message:
        message += ', from %s (%s)' % (cause_text, type(cause).__name__)
    return message
