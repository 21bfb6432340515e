# -*- coding: utf-8 -*-
# Copyright: contributors to the openstack.cinderlib collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Exceptions raised by the openstack.cinderlib core.

Every error names what was wrong and, where there is one, the fix.  Callers
(the Ansible modules among them) turn them into ``fail_json(msg=str(err))``.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type


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


class DriverTimeout(BackendError):
    """A driver call did not return within the backend's driver_timeout.

    What it was doing may still finish on the storage: the record stays in
    its transitional status, and the next run reconciles it.
    """
