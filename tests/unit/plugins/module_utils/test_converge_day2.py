# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""converge.py's day-2 declarations against the day-2 fake driver: grow in
use, retype (volume_type, extra_specs, qos_specs, multiattach), revert, and
named types (converge.volume_type); check mode, refusals, and real parallel
processes doing the same change at once (one changed, no failure)."""

import os

import pytest

import parallel_processes
from core_helpers import persistence_state, store
from ansible_collections.openstack.cinderlib.plugins.module_utils import cinderlib as cl
from ansible_collections.openstack.cinderlib.plugins.module_utils import converge
from ansible_collections.openstack.cinderlib.plugins.module_utils import records
from ansible_collections.openstack.cinderlib.plugins.module_utils.results import Refused
from ansible_collections.openstack.cinderlib.plugins.module_utils.storage_module import StorageModule

DAY2_DRIVER = 'fake_driver.Day2FakeDriver'
NODE1 = {'host': 'node1', 'initiator': 'iqn.2026-12.test:node1'}
NODE2 = {'host': 'node2', 'initiator': 'iqn.2026-12.test:node2'}
HERE = os.path.dirname(os.path.abspath(__file__))


def storage(backend, tmp_path, check_mode=False):
    return StorageModule.without_ansible(
        {'backend': {'volume_backend_name': backend.id,
                     'volume_driver': DAY2_DRIVER},
         'lock_path': str(tmp_path / 'locks')},
        check_mode=check_mode, persistence=cl.Backend.persistence,
        backend=backend)


@pytest.fixture
def day2(request):
    name = 'd2-%s' % request.node.name[:40].replace('[', '-').strip(']')
    return cl.Backend(name, volume_driver=DAY2_DRIVER)


@pytest.fixture
def sm(day2, tmp_path):
    return storage(day2, tmp_path)


@pytest.fixture
def check(day2, tmp_path):
    return storage(day2, tmp_path, check_mode=True)


def refused(call, *args):
    before = persistence_state()
    with pytest.raises(Refused) as raised:
        call(*args)
    assert persistence_state() == before
    return raised.value.msg


def _type(sm, name, **specs):
    return converge.volume_type(sm, dict(name=name, **specs))


def test_grow_in_use(sm):
    converge.volume(sm, dict(name='v', size=1))
    converge.connection(sm, dict(volume='v', connector=NODE1))
    grown = converge.volume(sm, dict(name='v', size=2))
    assert grown.changed and grown['volume']['size'] == 2
    assert grown['volume']['status'] == 'in-use'


def test_qos_specs_change_retypes_and_check_mode_plans_it(sm, check, day2):
    created = converge.volume(sm, dict(name='v', size=1,
                                       qos_specs={'qos:iops': '10'}))
    assert created['volume']['multiattach'] is False
    decl = dict(name='v', qos_specs={'qos:iops': '20'})
    planned = converge.volume(check, decl)
    assert planned.changed and planned['volume']['qos_specs'] == {
        'qos:iops': '20'}
    assert converge.volume(sm, dict(name='v'))['volume']['qos_specs'] == {
        'qos:iops': '10'}
    done = converge.volume(sm, decl)
    assert done.changed and done['volume'] == dict(
        planned['volume'], status=done['volume']['status'])
    assert done.diff['before']['qos_specs'] == {'qos:iops': '10'}
    assert day2.driver.retyped[-1][3] == {'qos:iops': '20'}
    assert not converge.volume(sm, decl).changed


def test_retype_the_driver_refuses_names_the_change(sm):
    converge.volume(sm, dict(name='v', size=1, extra_specs={'tier': 'a'}))
    msg = refused(converge.volume, sm, dict(name='v',
                                            extra_specs={'tier': 'b'}))
    assert msg.startswith('extra_specs/qos_specs: ')
    assert "extra spec tier: 'a' -> 'b'" in msg and 'unchanged' in msg
    assert converge.volume(sm, dict(name='v'))['volume']['extra_specs'] == {
        'tier': 'a'}


def test_volume_type_create_retype_and_views(sm, check):
    gold = _type(sm, 'cv-gold', qos_specs={'qos:iops': '100'})
    assert gold.changed and gold['volume_type']['qos_specs'] == {
        'qos:iops': '100'}
    assert not _type(sm, 'cv-gold', qos_specs={'qos:iops': '100'}).changed
    planned = converge.volume(check, dict(name='v', size=1,
                                          volume_type='cv-gold'))
    assert planned['volume']['volume_type'] == 'cv-gold'
    created = converge.volume(sm, dict(name='v', size=1, volume_type='cv-gold'))
    assert created['volume']['volume_type'] == 'cv-gold'
    assert created['volume']['qos_specs'] == {'qos:iops': '100'}
    assert not converge.volume(sm, dict(name='v', volume_type='cv-gold')).changed
    _type(sm, 'cv-silver', qos_specs={'qos:iops': '50'})
    retyped = converge.volume(sm, dict(name='v', volume_type='cv-silver'))
    assert retyped.changed and retyped['volume']['volume_type'] == 'cv-silver'
    msg = refused(converge.volume_type, sm, dict(name='cv-silver',
                                                 qos_specs={'qos:iops': '1'}))
    assert 'used by 1 volume(s)' in msg and 'define a new type' in msg
    msg = refused(converge.volume_type, sm, dict(name='cv-silver',
                                                 state='absent'))
    assert 'retype them to another type first' in msg
    assert converge.volume_type(sm, dict(name='cv-gold',
                                         state='absent')).changed
    assert not converge.volume_type(sm, dict(name='cv-gold',
                                             state='absent')).changed


def test_volume_type_refusals(sm):
    msg = refused(converge.volume, sm, dict(name='v', size=1,
                                            volume_type='nope'))
    assert msg.startswith('volume_type: volume type nope is not defined')
    _type(sm, 'cv-plain')
    msg = refused(converge.volume, sm, dict(name='v', size=1,
                                            volume_type='cv-plain',
                                            multiattach=True))
    assert msg.startswith('multiattach: volume type cv-plain is not multiattach')


def test_multiattach_create_and_two_connections(sm, check):
    planned = converge.volume(check, dict(name='m', size=1, multiattach=True))
    assert planned['volume']['multiattach'] is True
    created = converge.volume(sm, dict(name='m', size=1, multiattach=True))
    assert created['volume']['multiattach'] is True
    converge.connection(sm, dict(volume='m', connector=NODE1))
    second = converge.connection(sm, dict(volume='m', connector=NODE2))
    assert second.changed
    msg = refused(converge.volume, sm, dict(name='m', multiattach=False))
    assert msg.startswith('multiattach: volume m is in use')


def test_multiattach_refused_where_the_backend_has_none(request, tmp_path):
    backend = cl.Backend('d2-nomulti', volume_driver=DAY2_DRIVER,
                         fake_multiattach=False)
    msg = refused(converge.volume, storage(backend, tmp_path),
                  dict(name='m', size=1, multiattach=True))
    assert msg.startswith('multiattach: backend d2-nomulti does not report')


def test_multiattach_on_an_existing_volume_retypes_it(sm):
    converge.volume(sm, dict(name='v', size=1))
    done = converge.volume(sm, dict(name='v', multiattach=True))
    assert done.changed and done['volume']['multiattach'] is True
    assert done['volume']['extra_specs'] == {'multiattach': '<is> True'}


def test_revert_is_an_action(sm, check, day2):
    created = converge.volume(sm, dict(name='v', size=1))
    name_in_storage = created['volume']['name_in_storage']
    data = store(day2).setdefault('data', {})
    data[name_in_storage] = b'first'
    converge.snapshot(sm, dict(volume='v', name='s1'))
    data[name_in_storage] = b'second'
    decl = dict(name='v', revert_to_snapshot='s1')
    assert converge.volume(check, decl).changed
    assert data[name_in_storage] == b'second'
    for _run in range(2):
        reverted = converge.volume(sm, decl)
        assert reverted.changed and reverted['volume']['status'] == 'available'
        assert data[name_in_storage] == b'first'


def test_revert_refusals(sm):
    converge.volume(sm, dict(name='v', size=1))
    converge.snapshot(sm, dict(volume='v', name='s1'))
    converge.snapshot(sm, dict(volume='v', name='s2'))
    msg = refused(converge.volume, sm, dict(name='v',
                                            revert_to_snapshot='nope'))
    assert msg.startswith('revert_to_snapshot: volume v has no snapshot nope')
    msg = refused(converge.volume, sm, dict(name='v',
                                            revert_to_snapshot='s1'))
    assert msg.startswith('revert_to_snapshot: ') and 'most recent' in msg
    msg = refused(converge.volume, sm, dict(name='v', size=2,
                                            revert_to_snapshot='s2'))
    assert 'in a task of its own' in msg
    msg = refused(converge.volume, sm, dict(name='w', size=1,
                                            revert_to_snapshot='s2'))
    assert msg.startswith('revert_to_snapshot: volume w does not exist')
    converge.connection(sm, dict(volume='v', connector=NODE1))
    msg = refused(converge.volume, sm, dict(name='v',
                                            revert_to_snapshot='s2'))
    assert msg.startswith('revert_to_snapshot: volume v has connections')


# Real parallel processes on one SQLite file -----------------------------------
_SETUP = '''
import sys
sys.path.insert(0, args['here'])
from ansible_collections.openstack.cinderlib.plugins.module_utils import cinderlib as cl
from ansible_collections.openstack.cinderlib.plugins.module_utils import converge
from ansible_collections.openstack.cinderlib.plugins.module_utils.storage_module import StorageModule
cl.setup(file_locks_path=args['locks'],
         persistence_config={'storage': 'db', 'connection': args['url']})
backend = None
if args.get('backend'):
    backend = cl.Backend(args['backend'], volume_driver=%r)
sm = StorageModule.without_ansible(
    {'backend': {'volume_backend_name': args['backend'],
                 'volume_driver': %r} if backend else None,
     'lock_path': args['locks']}, backend_required=bool(backend),
    persistence=cl.Backend.persistence, backend=backend)
''' % (DAY2_DRIVER, DAY2_DRIVER)


@pytest.fixture
def file_db(tmp_path):
    kept = cl.Backend.persistence
    url = 'sqlite:///%s' % (tmp_path / 'day2.sqlite')
    cl.Backend.set_persistence({'storage': 'db', 'connection': url})
    yield url
    cl.Backend.set_persistence({'storage': kept})


def _parallel(tmp_path, url, body, backend=None, count=5):
    outcomes = parallel_processes.run(
        tmp_path / 'run', count, _SETUP, body,
        {'here': HERE, 'url': url, 'locks': str(tmp_path / 'locks'),
         'backend': backend})
    assert parallel_processes.failures(outcomes) == []
    return [outcome['result'] for outcome in outcomes]


def test_processes_defining_one_type_at_once(tmp_path, file_db):
    changed = _parallel(tmp_path, file_db, '''
        result = converge.volume_type(sm, dict(
            name='gold', qos_specs={'qos:iops': '100'})).changed
    ''')
    assert sorted(changed) == [False] * 4 + [True]
    assert [t['name'] for t in cl.Backend.persistence.get_volume_types()] \
        == ['gold']


def test_processes_retyping_one_volume_at_once(tmp_path, file_db, request):
    backend = cl.Backend('d2-parallel-retype', volume_driver=DAY2_DRIVER)
    sm = storage(backend, tmp_path)
    created = converge.volume(sm, dict(name='v', size=1,
                                       qos_specs={'qos:iops': '10'}))
    changed = _parallel(tmp_path, file_db, '''
        result = converge.volume(sm, dict(
            name='v', qos_specs={'qos:iops': '20'})).changed
    ''', backend=backend.id)
    assert sorted(changed) == [False] * 4 + [True]
    record = records.fresh_record(cl.Backend.persistence, 'volume',
                                  created['volume']['id'])
    assert records.volume_view(record)['qos_specs'] == {'qos:iops': '20'}
    assert record['status'] == 'available'


def test_numeric_specs_are_kept_as_strings_and_a_rerun_changes_nothing(
        sm, check):
    # YAML gives {total_iops_sec: 300} as a number; Cinder keeps specs as
    # strings, and a re-run must not retype.
    decl = dict(name='v', size=1, qos_specs={'qos:iops': 300},
                extra_specs={'k': 1})
    planned = converge.volume(check, decl)
    created = converge.volume(sm, decl)
    assert created['volume']['qos_specs'] == {'qos:iops': '300'}
    assert created['volume']['extra_specs'] == {'k': '1'}
    assert planned['volume']['qos_specs'] == created['volume']['qos_specs']
    again = converge.volume(sm, decl)
    assert not again.changed, again.diff
