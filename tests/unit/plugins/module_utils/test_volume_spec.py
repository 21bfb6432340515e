# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""volume_spec: the options that declare one volume, and the declaration
of one cl_volumes item (volume_declaration), which must mean what the same
options mean to a cl_volume task.  cl_volumes' plan over those
declarations is tested in test_bulk.py."""

import pytest

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.openstack.cinderlib.plugins.module_utils.volume_spec import (
    VOLUME_ACTION_OPTIONS, VOLUME_MUTUALLY_EXCLUSIVE, VOLUME_OPTIONS,
    VOLUME_REQUIRED_ONE_OF, volume_declaration)


CL_VOLUME = dict(VOLUME_OPTIONS, **VOLUME_ACTION_OPTIONS)


def validated(values, spec=None):
    """The parameters a cl_volume task (``spec``: or a cl_volumes item) with
    these options gets: nulls dropped (ansible_module.AnsibleModule), then
    Ansible's validation, with the rules both modules give it."""
    result = ArgumentSpecValidator(
        CL_VOLUME if spec is None else spec, required_one_of=VOLUME_REQUIRED_ONE_OF,
        mutually_exclusive=VOLUME_MUTUALLY_EXCLUSIVE).validate(
            {key: value for key, value in values.items() if value is not None})
    return result.validated_parameters, result.error_messages


def test_options_not_given_take_their_defaults():
    assert volume_declaration({'name': 'v'}) == dict(
        {option: None for option in VOLUME_OPTIONS}, name='v',
        state='present', keep_on_backend=False, cascade=False)


def test_null_options_are_options_not_given():
    nulls = {option: None for option in VOLUME_OPTIONS}
    assert volume_declaration(dict(nulls, id='i')) == volume_declaration(
        {'id': 'i'})


def test_given_values_are_kept_false_and_empty_ones_too():
    given = {'name': 'v', 'state': 'absent', 'size': 0, 'description': '',
             'metadata': {}, 'keep_on_backend': True, 'cascade': True,
             'multiattach': False, 'existing_ref': {'source-name': 'x'}}
    declaration = volume_declaration(given)
    assert {option: declaration[option] for option in given} == given


def test_only_the_declaring_options():
    declaration = volume_declaration({'name': 'v', 'revert_to_snapshot': 's',
                                      'unknown': 1})
    assert set(declaration) == set(VOLUME_OPTIONS)


@pytest.mark.parametrize('values', [
    {'name': 'v'},
    {'id': 'i', 'state': 'absent', 'cascade': True},
    {'name': 'v', 'state': None, 'cascade': None, 'keep_on_backend': None},
    {'name': 'v', 'size': 2, 'volume_type': 'gold', 'multiattach': True,
     'metadata': {'k': 'v'}, 'description': 'd', 'pool_name': 'p'},
    {'name': 'v', 'source_snapshot': 's', 'extra_specs': {'a': 'b'},
     'qos_specs': {'total_iops_sec': '100'}},
    {'name': 'v', 'existing_ref': {'source-name': 'x'},
     'keep_on_backend': True},
])
def test_an_item_means_what_a_cl_volume_task_means(values):
    params, refusals = validated(values)
    assert refusals == []
    params.pop('revert_to_snapshot')            # cl_volume's action alone
    assert volume_declaration(values) == params


def test_the_actions_are_cl_volumes_alone():
    assert not set(VOLUME_ACTION_OPTIONS) & set(VOLUME_OPTIONS)


def test_the_rules_name_declaring_options():
    # cl_volumes applies them to items, which have VOLUME_OPTIONS only.
    for rule in VOLUME_REQUIRED_ONE_OF + VOLUME_MUTUALLY_EXCLUSIVE:
        assert set(rule) <= set(VOLUME_OPTIONS), rule


@pytest.mark.parametrize('values, refusal', [
    ({'size': 1}, 'one of the following is required: name, id'),
    ({'name': 'v', 'source_volume': 'a', 'existing_ref': {}},
     'mutually exclusive: source_volume|existing_ref'),
    ({'name': 'v', 'source_snapshot': 's', 'existing_ref': {}},
     'mutually exclusive: source_snapshot|existing_ref'),
    ({'name': 'v', 'volume_type': 'gold', 'extra_specs': {}},
     'mutually exclusive: volume_type|extra_specs'),
    ({'name': 'v', 'volume_type': 'gold', 'qos_specs': {}},
     'mutually exclusive: volume_type|qos_specs'),
    ({'name': 'v', 'state': 'gone'}, 'value of state must be one of'),
])
def test_ansible_refuses_these_declarations(values, refusal):
    for spec in (CL_VOLUME, VOLUME_OPTIONS):    # cl_volume, a cl_volumes item
        _params, refusals = validated(values, spec)
        assert any(refusal in message for message in refusals), refusals
