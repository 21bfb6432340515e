# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""results: what converging one declaration returns, and how it refuses."""

from ansible_collections.openstack.cinderlib.plugins.module_utils import errors
from ansible_collections.openstack.cinderlib.plugins.module_utils.results import Refused, Result


def test_a_result_carries_its_keys():
    result = Result(True, volume={'id': 'v'}, warnings=['careful'])
    assert result.changed is True and result.settled is False
    assert result['volume'] == {'id': 'v'} and result.values == {
        'volume': {'id': 'v'}}
    assert result.warnings == ['careful']
    assert repr(result) == 'Result(changed=True, volume)'


def test_settling_an_interrupted_run_is_a_change():
    result = Result(False, settled=True)
    assert (result.changed, result.settled) == (True, True)


def test_diff_only_with_a_before_or_an_after():
    assert Result(False).diff is None
    assert Result(True, before={'size': 1}).diff == {'before': {'size': 1},
                                                     'after': {}}
    assert Result(True, before={}, after={'size': 2}).diff == {
        'before': {}, 'after': {'size': 2}}


def test_warnings_are_the_list_given():
    # A result made inside a ``with`` of locks gets the warnings their
    # release adds later.
    warnings = []
    result = Result(True, warnings=warnings)
    warnings.append('lock release failed')
    assert result.warnings == ['lock release failed']
    assert Result(True).warnings == [] and \
        Result(True).warnings is not Result(True).warnings


def test_refused_has_a_message_and_result_keys():
    refused = Refused('size: cannot shrink', changed=False, volume={})
    assert isinstance(refused, errors.CinderlibError)
    assert (refused.msg, str(refused)) == ('size: cannot shrink',) * 2
    assert refused.result == {'changed': False, 'volume': {}}
