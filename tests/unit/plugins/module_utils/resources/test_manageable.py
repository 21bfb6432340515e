# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""resources.manageable.list_manageable with the fake driver: what the
driver is asked, and what the listing makes of its answer.  The listings
through Backend (paging, sorting, refusals) are in test_manage.py."""

import datetime
import json

import pytest

from ansible_collections.openstack.cinderlib.plugins.module_utils import cinderlib as cl
from ansible_collections.openstack.cinderlib.plugins.module_utils.resources import manageable as manageable_mod

from core_helpers import persistence_state, store


def recording(backend, kind, answer=()):
    """Replace the driver's listing of ``kind`` by one that records its
    arguments and answers ``answer``."""
    calls = []

    def listing(ours, marker, limit, offset, sort_keys, sort_dirs):
        calls.append(dict(ours=ours, marker=marker, limit=limit,
                          offset=offset, sort_keys=sort_keys,
                          sort_dirs=sort_dirs))
        return [dict(entry) for entry in answer]
    setattr(backend.driver, 'get_manageable_%s' % kind, listing)
    return calls


def listed(backend, kind='volumes', marker=None, limit=1000, offset=0,
           sort_keys=None, sort_dirs=None):
    return manageable_mod.list_manageable(backend, kind, marker, limit,
                                          offset, sort_keys, sort_dirs)


def test_driver_gets_one_direction_per_key(manageable):
    calls = recording(manageable, 'volumes')
    listed(manageable)
    listed(manageable, sort_keys=['size', 'reference'], sort_dirs='desc',
           limit=5, offset=2, marker={'source-name': 'a'})
    assert [(c['sort_keys'], c['sort_dirs']) for c in calls] == [
        (['reference'], ['asc']), (['size', 'reference'], ['desc', 'asc'])]
    assert (calls[1]['marker'], calls[1]['limit'], calls[1]['offset']) == (
        {'source-name': 'a'}, 5, 2)


def test_driver_gets_this_backends_objects_only(manageable):
    ours = manageable.create_volume(1)
    snapshot = ours.create_snapshot()
    other = cl.Backend('other-' + manageable.id,
                       volume_driver='fake_driver.ManageableFakeDriver')
    other.create_volume(1).create_snapshot()
    volumes = recording(manageable, 'volumes')
    snapshots = recording(manageable, 'snapshots')
    listed(manageable)
    listed(manageable, 'snapshots')
    assert [ovo.id for ovo in volumes[0]['ours']] == [ours.id]
    assert [ovo.id for ovo in snapshots[0]['ours']] == [snapshot.id]


def test_entries_have_the_documented_keys_as_json(manageable):
    made = datetime.datetime(2026, 11, 30, 12, 0)
    recording(manageable, 'volumes', answer=[{
        'reference': {'source-name': 'a'}, 'size': 2, 'safe_to_manage': True,
        'reason_not_safe': None, 'cinder_id': None,
        'extra_info': {'made': made, 'handle': object()},
        'driver_private': 'not listed'}])
    [entry] = listed(manageable)
    assert sorted(entry) == sorted(manageable_mod.MANAGEABLE_VOLUME_KEYS)
    assert entry['extra_info'] == {'made': '2026-11-30T12:00:00'}
    json.dumps(entry)


def test_snapshot_entries_name_their_source(manageable):
    recording(manageable, 'snapshots', answer=[{
        'reference': {'source-name': 's'}, 'size': 1,
        'source_reference': {'source-name': 'v'}}])
    [entry] = listed(manageable, 'snapshots')
    assert sorted(entry) == sorted(manageable_mod.MANAGEABLE_SNAPSHOT_KEYS)
    assert entry['source_reference'] == {'source-name': 'v'}
    # What the driver left out is None.
    assert entry['safe_to_manage'] is None and entry['cinder_id'] is None


def test_ours_are_marked_keeping_the_drivers_reason(manageable):
    ours = manageable.create_volume(1)
    reference = {'source-name': ours.name_in_storage}
    recording(manageable, 'volumes', answer=[
        {'reference': reference, 'safe_to_manage': True},
        {'reference': reference, 'safe_to_manage': False,
         'reason_not_safe': 'in use'},
        {'reference': 'not a dict', 'safe_to_manage': True}])
    first, second, third = listed(manageable)
    assert (first['safe_to_manage'], first['cinder_id'],
            first['reason_not_safe']) == (False, ours.id, 'already managed')
    assert (second['cinder_id'], second['reason_not_safe']) == (
        ours.id, 'in use')
    assert (third['safe_to_manage'], third['cinder_id']) == (True, None)


@pytest.mark.parametrize('kwargs', [{'sort_dirs': ['asc', 'asc']},
                                    {'limit': True}, {'marker': 1.5}])
def test_bad_parameters_never_reach_the_driver(manageable, kwargs):
    calls = recording(manageable, 'volumes')
    with pytest.raises(cl.errors.InvalidInput):
        listed(manageable, **kwargs)
    assert calls == []


def test_a_driver_refusal_is_the_users_to_fix(manageable):
    from cinder import exception
    store(manageable)['volumes']['a'] = 1
    before = persistence_state()

    def refuse(*args):
        raise exception.ManageExistingInvalidReference(
            existing_ref={'source-name': 'x'}, reason='no such marker')
    manageable.driver.get_manageable_volumes = refuse
    with pytest.raises(cl.errors.InvalidInput, match='no such marker'):
        listed(manageable, marker={'source-name': 'x'})
    assert persistence_state() == before
