# -*- coding: utf-8 -*-
# Copyright: contributors to the openstack.cinderlib collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What converging one declaration returns, and how it refuses.

``converge.volume(sm, decl)`` and its siblings decide, act and return a
``Result``; they never end the task.  The module wrapper
(``ansible_module.CollectionModule.run``) is the only place that turns a
Result into ``exit_json`` and a ``Refused`` (or any other error) into
``fail_json``, so a caller converging many declarations in one process
gets one Result or one exception per declaration.

Result
    ``changed``: whether storage or records changed (or, in check mode,
    would change); ``values``: the result keys (``volume=``,
    ``snapshot=``, ``connection=``, ``backend=``, ...), each a view from
    records.py, planned ones included; ``before``/``after``: the diff
    (None when the task has none to show); ``warnings``: sentences for the
    user.  ``settled``: the task settled what an interrupted run had left
    (which is a change, so ``changed`` is then True too).

Refused
    The declaration cannot be converged as given; nothing was changed.
    ``msg``: one sentence naming the field and the fix; ``result``: extra
    result keys for fail_json (usually none).  A declaration of many parts
    that converged all but some (cl_volumes) refuses with every part's
    result and ``changed``: what the others changed stays changed.
"""

from ansible_collections.openstack.cinderlib.plugins.module_utils import errors


class Result:
    """The outcome of converging one declaration (see the module doc)."""

    def __init__(self, changed, before=None, after=None, warnings=None,
                 settled=False, **values):
        self.changed = bool(changed or settled)
        self.settled = bool(settled)
        self.before, self.after = before, after
        # The list itself: a result made inside a ``with`` of locks gets
        # the warnings their release adds.
        self.warnings = [] if warnings is None else warnings
        self.values = values

    @property
    def diff(self):
        """{'before': ..., 'after': ...}, or None without one."""
        if self.before is None and self.after is None:
            return None
        return {'before': self.before or {}, 'after': self.after or {}}

    def __getitem__(self, key):
        return self.values[key]

    def __repr__(self):
        return 'Result(changed=%r, %s)' % (
            self.changed, ', '.join(sorted(self.values)))


class Refused(errors.CinderlibError):
    """Converging a declaration was refused; nothing was changed."""

    def __init__(self, msg, **result):
        super().__init__(msg)
        self.msg = msg
        self.result = result
