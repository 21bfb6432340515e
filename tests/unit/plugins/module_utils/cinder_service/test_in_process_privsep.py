# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""How privileged calls run: as root, through a root helper, or neither.

tests/functional/test_nonroot.py runs the same for real as another user.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import sys

import pytest

from ansible_collections.openstack.cinderlib.plugins.module_utils import attach


@pytest.fixture
def interpreter(tmp_path, monkeypatch):
    """A virtualenv-like bin/ holding this 'interpreter' and privsep-helper."""
    bin_dir = tmp_path / 'bin'
    bin_dir.mkdir()
    helper = bin_dir / 'privsep-helper'
    helper.write_text('#!/bin/sh\n')
    helper.chmod(0o755)
    monkeypatch.setattr(sys, 'executable', str(bin_dir / 'python'))
    monkeypatch.setenv('PATH', '/usr/bin:/bin')
    return bin_dir


def test_helper_command_is_root_helper_and_venv_privsep_helper(interpreter):
    assert attach.privsep_helper_command('env -i') == (
        'env -i %s' % (interpreter / 'privsep-helper'))


@pytest.mark.parametrize('root_helper', ['', None, 'cl-no-such-sudo'])
def test_no_helper_command_without_usable_root_helper(interpreter,
                                                      root_helper):
    assert attach.privsep_helper_command(root_helper) is None


def test_no_helper_command_without_privsep_helper(interpreter):
    (interpreter / 'privsep-helper').unlink()
    assert attach.privsep_helper_command('env') is None


class FakeContext(object):
    def __init__(self, real):
        self.cfg_section = real.cfg_section
        self.client_mode = True

    def set_client_mode(self, enabled):
        self.client_mode = enabled


@pytest.fixture
def contexts(monkeypatch):
    import os_brick.privileged
    from oslo_config import cfg
    fakes = []
    for name in ('default', 'brick_privsep_hide_output'):
        fake = FakeContext(getattr(os_brick.privileged, name))
        monkeypatch.setattr(os_brick.privileged, name, fake)
        fakes.append(fake)
    yield fakes
    for fake in fakes:
        cfg.CONF.clear_override('helper_command', group=fake.cfg_section)


def helper_commands(contexts):
    from oslo_config import cfg
    return [cfg.CONF[ctx.cfg_section].helper_command for ctx in contexts]


def test_root_runs_privileged_calls_in_process(contexts, monkeypatch):
    monkeypatch.setattr(os, 'geteuid', lambda: 0)
    attach.setup_privsep('sudo')
    assert [ctx.client_mode for ctx in contexts] == [False, False]


def test_user_starts_the_daemon_through_the_root_helper(
        contexts, interpreter, monkeypatch):
    monkeypatch.setattr(os, 'geteuid', lambda: 1000)
    attach.setup_privsep('env')
    assert [ctx.client_mode for ctx in contexts] == [True, True]
    assert helper_commands(contexts) == [
        'env %s' % (interpreter / 'privsep-helper')] * 2


def test_user_without_root_helper_runs_them_unprivileged(
        contexts, interpreter, monkeypatch):
    monkeypatch.setattr(os, 'geteuid', lambda: 1000)
    attach.setup_privsep('cl-no-such-sudo')
    assert [ctx.client_mode for ctx in contexts] == [False, False]
    assert helper_commands(contexts) == [None, None]
