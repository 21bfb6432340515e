# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ansible_module: null options, dependency checks and the one way a task
ends (a real AnsibleModule, in process)."""

import json

import pytest

from ansible.module_utils.testing import patch_module_args

from ansible_collections.openstack.cinderlib.plugins.module_utils import ansible_module
from ansible_collections.openstack.cinderlib.plugins.module_utils import errors
from ansible_collections.openstack.cinderlib.plugins.module_utils.results import Refused, Result

SPEC = dict(name=dict(type='str'), size=dict(type='int'),
            root_helper=dict(type='str', default='sudo'),
            state=dict(type='str', default='present',
                       choices=['present', 'absent']))


def ended(capsys, args, task=None, module_class=None, **kwargs):
    """The JSON a module printed as it ended, and its exit status."""
    module_class = module_class or ansible_module.CollectionModule
    with patch_module_args(args), pytest.raises(SystemExit) as exited:
        module = module_class(SPEC, **kwargs)
        if task is not None:
            module.run(task)
    return json.loads(capsys.readouterr().out), exited.value.code


def collection_module(args, **kwargs):
    with patch_module_args(args):
        return ansible_module.CollectionModule(SPEC, **kwargs)


def test_null_options_count_as_not_given():
    module = collection_module({'name': 'v1', 'size': None,
                                'root_helper': None, 'state': None})
    assert module.params['root_helper'] == 'sudo'
    assert module.params['state'] == 'present'
    assert module.params['size'] is None


def test_a_null_required_option_is_reported_missing(capsys):
    result, code = ended(capsys, {'name': None},
                         required_if=[('state', 'present', ['name'])])
    assert code == 1 and 'name' in result['msg'] and result['failed']


def test_require_names_the_package_to_install(monkeypatch):
    ansible_module.require('json')
    monkeypatch.setattr(ansible_module.importlib.util, 'find_spec',
                        lambda name: None)
    with pytest.raises(Refused, match='cinder>=29,<30'):
        ansible_module.require('cinder')


def test_a_result_ends_the_task(capsys):
    def task():
        return Result(True, before={'size': 1}, after={'size': 2},
                      warnings=['grown'], volume={'size': 2})
    result, code = ended(capsys, {'name': 'v1', '_ansible_diff': True}, task)
    assert code == 0
    assert (result['changed'], result['volume']) == (True, {'size': 2})
    assert result['diff'] == {'before': {'size': 1}, 'after': {'size': 2}}
    assert 'grown' in json.dumps(result['warnings'])


def test_no_diff_unless_asked(capsys):
    result, code = ended(capsys, {}, lambda: Result(True, before={},
                                                    after={'size': 1}))
    assert code == 0 and 'diff' not in result


def raising(exc):
    def task():
        raise exc
    return task


@pytest.mark.parametrize('exc, missing_library, expected', [
    (Refused('size: cannot shrink', volume={'size': 2}), None,
     {'msg': 'size: cannot shrink', 'volume': {'size': 2}}),
    (errors.InvalidInput('bad id'), None, {'msg': 'bad id'}),
    (errors.MissingDependency('the driver needs rados'), None,
     {'msg': 'the driver needs rados'}),
])
def test_every_error_is_one_fail_json(capsys, exc, missing_library,
                                      expected):
    result, code = ended(capsys, {}, raising(exc))
    assert code == 1 and result['failed']
    assert {key: result[key] for key in expected} == expected
    assert 'exception' not in result


def test_a_missing_library_is_named_as_pip_names_it(capsys):
    class NodeModule(ansible_module.CollectionModule):
        missing_library = 'os-brick'
    result, code = ended(capsys, {}, raising(errors.MissingDependency(
        'No module named os_brick')), module_class=NodeModule)
    assert code == 1 and 'os-brick' in result['msg']


def test_an_unexpected_error_is_named_with_its_type(capsys):
    result, code = ended(capsys, {}, raising(KeyError('fields')))
    assert code == 1
    assert result['msg'] == "unexpected KeyError: 'fields'"
    # ansible-core 2.19+ shows the traceback when the user asks for it.
    assert 'Traceback' not in result['msg']
