# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""plugin_utils/module_action.py: the normal action, collector paused."""

import gc

import pytest

from ansible.plugins.action.normal import ActionModule as NormalAction

from ansible_collections.openstack.cinderlib.plugins.plugin_utils.module_action import ActionModule


@pytest.fixture
def normal_run(monkeypatch):
    """Replace the normal action's run; record whether the collector ran."""
    seen = []

    def run(self, tmp=None, task_vars=None):
        seen.append(gc.isenabled())
        if task_vars == 'fail':
            raise RuntimeError('the module failed')
        return {'changed': False, 'task_vars': task_vars}
    monkeypatch.setattr(NormalAction, 'run', run)
    return seen


def action():
    # The action's own state is not used by run(): no task or connection.
    return ActionModule.__new__(ActionModule)


def test_runs_the_normal_action_with_the_collector_paused(normal_run):
    assert gc.isenabled()
    assert action().run(task_vars={'a': 1}) == {
        'changed': False, 'task_vars': {'a': 1}}
    assert normal_run == [False]
    assert gc.isenabled()


def test_resumes_the_collector_when_the_action_raises(normal_run):
    with pytest.raises(RuntimeError, match='the module failed'):
        action().run(task_vars='fail')
    assert normal_run == [False]
    assert gc.isenabled()


def test_leaves_a_paused_collector_paused(normal_run):
    gc.disable()
    try:
        action().run(task_vars={})
        assert not gc.isenabled()
    finally:
        gc.enable()
