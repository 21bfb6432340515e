# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""cl_volumes' planner and executor, in-process: records from a fake lookup,
each item converged by a fake ``converge_one`` on real parallel threads."""

import threading
import time

import pytest

from ansible_collections.openstack.cinderlib.plugins.module_utils import bulk
from ansible_collections.openstack.cinderlib.plugins.module_utils import records
from ansible_collections.openstack.cinderlib.plugins.module_utils.results import Refused, Result
from ansible_collections.openstack.cinderlib.plugins.module_utils.volume_spec import VOLUME_OPTIONS


def record(name, size=1, metadata=None, volume_id=None, status='available'):
    return {'id': volume_id or 'id-' + name, 'backend': 'unit', 'name': name,
            'size': size, 'status': status,
            'data': {'fields': {'metadata': dict(metadata or {})}}}


class Lookup:
    """The records planning reads, as a dict of volume records by name."""

    def __init__(self, *volumes, snapshots=(), types=()):
        self.records = {v['name']: v for v in volumes}
        self.snapshots = set(snapshots)     # (volume id or None, snapshot)
        self.types = list(types)            # named type records
        self.reads = 0
        self.type_reads = 0

    def volume(self, name_or_id, what='volume'):
        self.reads += 1
        for found in self.records.values():
            if name_or_id in (found['id'], found['name']):
                return found
        return None

    def snapshot(self, name_or_id, volume_record, what='source_snapshot'):
        for volume_id, snapshot in self.snapshots:
            if name_or_id == snapshot and (volume_record is None or
                                           volume_record['id'] == volume_id):
                return {'id': snapshot, 'volume_id': volume_id}
        return None

    def volumes(self):
        return list(self.records.values())

    def volume_types(self):
        self.type_reads += 1
        return list(self.types)


class Converger:
    """A fake converge_one: sleeps, records order and concurrency, fails the
    names it is told to; exists/creates volumes in a Lookup."""

    def __init__(self, lookup, fail=(), delay=0.05):
        self.lookup = lookup
        self.fail = set(fail)
        self.delay = delay
        self.lock = threading.Lock()
        self.active = 0
        self.most_active = 0
        self.started = []
        self.finished = []
        self.threads = set()

    def __call__(self, declaration):
        key = declaration['name'] or declaration['id']
        with self.lock:
            self.active += 1
            self.most_active = max(self.most_active, self.active)
            self.started.append(key)
            self.threads.add(threading.get_ident())
        try:
            time.sleep(self.delay)
            if key in self.fail:
                raise Refused('the driver said no')
            return self._converge(declaration, key)
        finally:
            with self.lock:
                self.active -= 1
                self.finished.append(key)

    def _converge(self, declaration, key):
        # Under the lock: other workers add records meanwhile, and reading
        # the dict as it grows raises (seen once under load).
        with self.lock:
            found = self.lookup.volume(key)
        if declaration['state'] == 'absent':
            if found is None:
                return Result(False, volume={})
            with self.lock:
                del self.lookup.records[found['name']]
            view = {'name': found['name'], 'size': found['size']}
            return Result(True, before=view, after={}, volume=view)
        if found is None:
            view = {'name': key, 'size': declaration['size'] or 1,
                    'metadata': declaration['metadata'] or {}}
            with self.lock:
                self.lookup.records[key] = record(
                    key, view['size'], declaration['metadata'])
            return Result(True, before={}, after=view, volume=view)
        before = {'name': found['name'], 'size': found['size'],
                  'metadata': found['data']['fields']['metadata']}
        after = dict(before)
        if declaration['size'] and declaration['size'] > found['size']:
            after['size'] = found['size'] = declaration['size']
        if declaration['metadata'] is not None:
            after['metadata'] = declaration['metadata']
            found['data']['fields']['metadata'] = declaration['metadata']
        if after == before:
            return Result(False, volume=before)
        return Result(True, before=before, after=after, volume=after)


def planned(declarations, lookup, **kwargs):
    return bulk.plan(declarations, lookup, 'unit', **kwargs)


def keys(items):
    return [item.label for item in items]


# Planning -------------------------------------------------------------------
def test_a_clone_waits_for_its_declared_source():
    the_plan = planned([{'name': 'copy', 'source_volume': 'base'},
                        {'name': 'base', 'size': 1}], Lookup())
    copy, base = the_plan.items
    assert copy.sources == [base] and base.sources == []


def test_an_existing_item_waits_for_nothing():
    the_plan = planned([{'name': 'copy', 'source_volume': 'base'},
                        {'name': 'base', 'size': 1}],
                       Lookup(record('copy'), record('base')))
    assert [item.sources for item in the_plan.items] == [[], []]


def test_a_source_named_by_its_declared_id():
    the_plan = planned([{'name': 'copy', 'source_volume': 'u-1'},
                        {'name': 'base', 'id': 'u-1', 'size': 1}], Lookup())
    assert the_plan.items[0].sources == [the_plan.items[1]]


@pytest.mark.parametrize('declarations, named', [
    ([{'name': 'a', 'source_volume': 'b'}, {'name': 'b', 'source_volume': 'a'}],
     'volumes a, b are made from each other (a from b, b from a)'),
    ([{'name': 'a', 'source_volume': 'a'}], 'volumes a are made from each '
     'other (a from a)'),
    ([{'name': 'x', 'size': 1}, {'name': 'a', 'source_volume': 'c'},
      {'name': 'b', 'source_volume': 'a'}, {'name': 'c', 'source_volume': 'b'}],
     'volumes a, b, c are made from each other'),
])
def test_a_cycle_is_refused_naming_its_volumes(declarations, named):
    lookup = Lookup()
    with pytest.raises(Refused) as refused:
        planned(declarations, lookup)
    assert named in str(refused.value)
    assert 'nothing was changed' in str(refused.value)
    assert lookup.reads == 0        # refused from the declaration alone


def test_a_cycle_of_existing_volumes_is_refused_too():
    with pytest.raises(Refused, match='a cycle'):
        planned([{'name': 'a', 'source_volume': 'b'},
                 {'name': 'b', 'source_volume': 'a'}],
                Lookup(record('a'), record('b')))


def test_missing_sources_are_refused_together():
    with pytest.raises(Refused) as refused:
        planned([{'name': 'ok', 'size': 1},
                 {'name': 'c1', 'source_volume': 'nowhere'},
                 {'name': 'c2', 'source_snapshot': 'snap-id'}], Lookup())
    message = str(refused.value)
    assert message.startswith('nothing was changed: ')
    assert 'c1: source_volume nowhere is neither declared nor a volume of ' \
        'backend unit' in message
    assert 'c2: source_snapshot snap-id not found' in message


def test_a_missing_source_of_an_existing_volume_does_not_matter():
    # Its source was removed since: the volume itself is what counts.
    the_plan = planned([{'name': 'c1', 'source_volume': 'gone'}],
                       Lookup(record('c1')))
    assert the_plan.items[0].record['name'] == 'c1'


def test_a_snapshot_of_a_volume_created_in_the_same_task_is_refused():
    with pytest.raises(Refused, match='source_snapshot nightly of base '
                       'cannot exist yet, since this task creates base'):
        planned([{'name': 'base', 'size': 1},
                 {'name': 'restored', 'source_volume': 'base',
                  'source_snapshot': 'nightly'}], Lookup())


def test_a_snapshot_by_id_must_be_known():
    base = record('base')
    the_plan = planned([{'name': 'restored', 'source_snapshot': 'snap-id'}],
                       Lookup(base, snapshots=[(base['id'], 'snap-id')]))
    assert the_plan.items[0].sources == []


def test_a_snapshot_of_an_existing_declared_volume():
    base = record('base')
    the_plan = planned([{'name': 'base', 'size': 1},
                        {'name': 'restored', 'source_volume': 'base',
                         'source_snapshot': 'nightly'}],
                       Lookup(base, snapshots=[(base['id'], 'nightly')]))
    assert the_plan.items[1].sources == [the_plan.items[0]]


def test_a_source_the_declaration_removes_is_refused():
    with pytest.raises(Refused, match='copy is made from base, which '
                       'this declaration removes'):
        planned([{'name': 'base', 'state': 'absent'},
                 {'name': 'copy', 'source_volume': 'base'}],
                Lookup(record('base')))


@pytest.mark.parametrize('second', [{'name': 'v'}, {'id': 'u-1', 'name': 'w'}])
def test_a_volume_declared_twice_is_refused(second):
    with pytest.raises(Refused, match=r'volumes\[0\] and volumes\[1\] '
                       'both declare volume'):
        planned([{'name': 'v', 'id': 'u-1', 'size': 1}, second], Lookup())


def test_an_item_needs_a_name_or_an_id():
    with pytest.raises(Refused, match=r'volumes\[1\]: give the volume '
                       'a name or an id'):
        planned([{'name': 'v'}, {'size': 1}], Lookup())


def test_null_options_take_their_defaults():
    item = planned([{'name': 'v', 'state': None, 'cascade': None}],
                   Lookup()).items[0]
    assert item.declaration['state'] == 'present'
    assert item.declaration['cascade'] is False


def test_items_take_the_declared_day2_options_but_no_action():
    item = planned([{'name': 'v', 'multiattach': True}], Lookup()).items[0]
    assert item.declaration['multiattach'] is True
    assert item.declaration['volume_type'] is None
    # An action, done each time it is asked for: cl_volume's alone.
    assert 'revert_to_snapshot' not in item.declaration
    assert 'revert_to_snapshot' not in VOLUME_OPTIONS


# Named volume types -----------------------------------------------------------
GOLD = records.volume_type_record('gold', qos_specs={'total_iops_sec': '100'})
SHARED = records.volume_type_record(
    'shared', extra_specs={'multiattach': '<is> True'})


def test_items_get_their_named_types_read_once():
    lookup = Lookup(types=[GOLD, SHARED])
    the_plan = planned([{'name': 'v%d' % i, 'size': 1, 'volume_type': 'gold'}
                        for i in range(5)] +
                       [{'name': 's', 'size': 1, 'volume_type': 'shared',
                         'multiattach': True}, {'name': 'plain', 'size': 1}],
                       lookup)
    assert [i.volume_type and i.volume_type['name']
            for i in the_plan.items] == ['gold'] * 5 + ['shared', None]
    assert lookup.type_reads == 1


def test_no_named_type_no_type_read():
    lookup = Lookup()
    planned([{'name': 'v', 'size': 1, 'qos_specs': {'a': '1'}}], lookup)
    assert lookup.type_reads == 0


def test_an_undefined_type_refuses_the_whole_task_first():
    lookup = Lookup(record('old'), types=[GOLD, SHARED])
    with pytest.raises(Refused) as refused:
        planned([{'name': 'ok', 'size': 1, 'volume_type': 'gold'},
                 {'name': 'old', 'volume_type': 'platinum'}], lookup)
    assert refused.value.msg == (
        'volumes[1] (old): volume_type: volume type platinum is not defined; '
        'define it first with cl_volume_type (defined: gold, shared); '
        'nothing was changed')
    assert '\n' not in refused.value.msg
    assert lookup.reads == 0            # refused before any volume is read


def test_a_removal_does_not_look_at_its_type():
    # As cl_volume state=absent: the volume goes, whatever type is named.
    lookup = Lookup(record('old'))
    the_plan = planned([{'name': 'old', 'state': 'absent',
                         'volume_type': 'gone'}], lookup)
    assert the_plan.items[0].volume_type is None
    assert lookup.type_reads == 0


def test_a_type_that_contradicts_multiattach_is_refused_first():
    with pytest.raises(Refused) as refused:
        planned([{'name': 'a', 'size': 1, 'volume_type': 'gold',
                  'multiattach': True}], Lookup(types=[GOLD]))
    assert refused.value.msg.startswith(
        'volumes[0] (a): multiattach: volume type gold is not multiattach')


def test_a_type_with_specs_of_its_own_is_refused_first():
    with pytest.raises(Refused, match=r'^volumes\[0\] \(a\): volume_type: '
                       'give volume_type or extra_specs/qos_specs, not both'):
        planned([{'name': 'a', 'size': 1, 'volume_type': 'gold',
                  'qos_specs': {'x': '1'}}], Lookup(types=[GOLD]))


def test_check_mode_plans_a_clone_of_a_new_volume_with_its_type():
    from ansible_collections.openstack.cinderlib.plugins.module_utils import converge
    lookup = Lookup(types=[GOLD])
    the_plan = planned([{'name': 'base', 'size': 1},
                        {'name': 'copy', 'source_volume': 'base',
                         'volume_type': 'gold'}], lookup)
    outcomes = bulk.run(the_plan, Converger(lookup), check_mode=True)
    volume = outcomes[1].result['volume']
    assert volume == converge.planned_volume('unit',
                                             the_plan.items[1].declaration,
                                             GOLD)
    assert volume['volume_type'] == 'gold'
    assert volume['qos_specs'] == {'total_iops_sec': '100'}


@pytest.mark.parametrize('before, after, operations', [
    ({'qos_specs': {}}, {'qos_specs': {'a': '1'}}, ('retyped',)),
    ({'volume_type': None}, {'volume_type': 'gold'}, ('retyped',)),
    ({'multiattach': False}, {'multiattach': True}, ('retyped',)),
    ({'size': 1, 'extra_specs': {}},
     {'size': 2, 'extra_specs': {'k': 'v'}}, ('grown', 'retyped')),
])
def test_a_retype_counts_as_retyped(before, after, operations):
    before = dict(before, name='v')
    outcome = bulk.Outcome(bulk.Item(0, {}), Result(
        True, before=before, after=dict(after, name='v')))
    assert outcome.operations == operations


# Purge ----------------------------------------------------------------------
@pytest.mark.parametrize('scope', [None, {}, {'metadata': {}},
                                   {'metadata': None, 'name_prefix': ''}])
def test_purge_without_a_scope_is_refused(scope):
    with pytest.raises(Refused, match='purge: true removes undeclared '
                       'volumes only within purge_scope'):
        planned([], Lookup(record('x')), purge=True, purge_scope=scope)


def test_purge_selects_undeclared_volumes_in_its_scope():
    lookup = Lookup(record('kept', metadata={'owner': 'team-a'}),
                    record('old', metadata={'owner': 'team-a', 'x': '1'}),
                    record('other', metadata={'owner': 'team-b'}),
                    record('bare'))
    the_plan = planned([{'name': 'kept', 'size': 1}], lookup, purge=True,
                       purge_scope={'metadata': {'owner': 'team-a'}})
    assert keys(the_plan.purge) == ['old (id-old)']
    assert the_plan.purge[0].declaration['state'] == 'absent'
    assert the_plan.purge[0].declaration['id'] == 'id-old'


def test_purge_by_name_prefix_and_metadata_together():
    lookup = Lookup(record('app-1', metadata={'env': 'test'}),
                    record('app-2', metadata={'env': 'prod'}),
                    record('db-1', metadata={'env': 'test'}))
    the_plan = planned([], lookup, purge=True, purge_scope={
        'metadata': {'env': 'test'}, 'name_prefix': 'app-'})
    assert keys(the_plan.purge) == ['app-1 (id-app-1)']


def test_a_volume_declared_by_id_is_not_purged():
    lookup = Lookup(record('renamed', volume_id='u-9', metadata={'o': 'a'}))
    the_plan = planned([{'id': 'u-9', 'name': 'new-name'}], lookup,
                       purge=True, purge_scope={'metadata': {'o': 'a'}})
    assert the_plan.purge == []


def test_a_volume_is_removed_after_its_clone():
    base = record('base')
    clone = record('clone')
    clone['data']['fields']['source_volid'] = base['id']
    old = record('old', metadata={'o': 'a'})
    old_clone = record('old-clone', metadata={'o': 'a'})
    old_clone['data']['fields']['source_volid'] = old['id']
    restored = record('restored')
    restored['data']['fields']['snapshot_id'] = 'snap-1'
    lookup = Lookup(base, clone, old, old_clone, restored,
                    snapshots=[(base['id'], 'snap-1')])
    converger = Converger(lookup)
    the_plan = planned([{'name': 'base', 'state': 'absent'},
                        {'name': 'clone', 'state': 'absent'},
                        {'name': 'restored', 'state': 'absent'}], lookup,
                       purge=True, purge_scope={'metadata': {'o': 'a'}})
    assert the_plan.items[0].sources == the_plan.items[1:]
    assert keys(the_plan.purge[0].sources) == ['old-clone (id-old-clone)']
    bulk.run(the_plan, converger, workers=4)
    finished, started = converger.finished, converger.started
    assert finished.index('clone') < started.index('base')
    assert finished.index('restored') < started.index('base')
    assert finished.index('id-old-clone') < started.index('id-old')


def test_no_purge_selects_nothing():
    the_plan = planned([], Lookup(record('x')))
    assert the_plan.purge == []


# Running --------------------------------------------------------------------
def test_independent_items_run_in_parallel_within_the_bound():
    lookup = Lookup()
    converger = Converger(lookup, delay=0.1)
    the_plan = planned([{'name': 'v%d' % i, 'size': 1} for i in range(12)],
                       lookup)
    started = time.monotonic()
    outcomes = bulk.run(the_plan, converger, workers=4)
    elapsed = time.monotonic() - started
    assert converger.most_active == 4
    assert len(converger.threads) == 4
    assert elapsed < 12 * 0.1 * 0.6        # far from sequential
    assert [o.operations for o in outcomes] == [('created',)] * 12


def test_one_worker_is_sequential_in_declaration_order():
    lookup = Lookup()
    converger = Converger(lookup, delay=0.01)
    names = ['v%d' % i for i in range(6)]
    bulk.run(planned([{'name': n, 'size': 1} for n in names], lookup),
             converger, workers=1)
    assert converger.most_active == 1
    assert converger.started == names


def test_a_clone_starts_after_its_source_converged():
    lookup = Lookup()
    converger = Converger(lookup)
    the_plan = planned([{'name': 'copy2', 'source_volume': 'copy'},
                        {'name': 'copy', 'source_volume': 'base'},
                        {'name': 'base', 'size': 1},
                        {'name': 'other', 'size': 1}], lookup)
    outcomes = bulk.run(the_plan, converger, workers=4)
    finished, started = converger.finished, converger.started
    assert finished.index('base') < started.index('copy')
    assert finished.index('copy') < started.index('copy2')
    # The independent volumes did not wait for the chain.
    assert set(started[:2]) == {'base', 'other'}
    assert all(not o.failed for o in outcomes)


def test_a_failed_item_skips_its_dependents_only():
    lookup = Lookup()
    converger = Converger(lookup, fail={'base'})
    the_plan = planned([{'name': 'base', 'size': 1},
                        {'name': 'copy', 'source_volume': 'base'},
                        {'name': 'copy2', 'source_volume': 'copy'},
                        {'name': 'v1', 'size': 1}, {'name': 'v2', 'size': 1}],
                       lookup)
    outcomes = bulk.run(the_plan, converger, workers=2)
    by_name = {o.item.key: o for o in outcomes}
    assert [o.item.key for o in outcomes] == ['base', 'copy', 'copy2', 'v1',
                                              'v2']
    assert by_name['base'].failed and not by_name['base'].skipped
    assert by_name['copy'].skipped and by_name['copy2'].skipped
    assert by_name['copy'].msg == \
        'not attempted: base, which must converge first, did not'
    assert by_name['copy2'].msg == \
        'not attempted: copy, which must converge first, did not'
    assert not by_name['v1'].failed and not by_name['v2'].failed
    assert sorted(converger.started) == ['base', 'v1', 'v2']
    assert set(lookup.records) == {'v1', 'v2'}
    assert bulk.failure_lines(outcomes) == [
        'base: create: the driver said no',
        'copy: create: not attempted: base, which must converge first, did '
        'not',
        'copy2: create: not attempted: copy, which must converge first, did '
        'not']


def test_an_unexpected_error_fails_that_item_only():
    lookup = Lookup()

    def converge_one(declaration):
        if declaration['name'] == 'bad':
            raise KeyError('fields')
        return Result(False, volume={'name': declaration['name']})

    outcomes = bulk.run(planned([{'name': 'bad'}, {'name': 'good'}], lookup),
                        converge_one)
    assert outcomes[0].msg == "unexpected KeyError: 'fields'"
    assert not outcomes[1].failed


def test_purge_runs_after_every_declared_item():
    lookup = Lookup(record('old1', metadata={'o': 'a'}),
                    record('old2', metadata={'o': 'a'}),
                    record('base', metadata={'o': 'a'}))
    converger = Converger(lookup)
    the_plan = planned([{'name': 'base', 'size': 2},
                        {'name': 'new', 'source_volume': 'old1'}], lookup,
                       purge=True, purge_scope={'metadata': {'o': 'a'}})
    outcomes = bulk.run(the_plan, converger, workers=4)
    assert set(converger.started[:2]) == {'base', 'new'}
    last_declared = max(converger.finished.index(k) for k in ('base', 'new'))
    assert min(converger.started.index(k) for k in ('id-old1', 'id-old2')) \
        > last_declared
    assert [o.operations for o in outcomes] == [
        ('grown',), ('created',), ('deleted',), ('deleted',)]
    assert bulk.summary(outcomes) == {
        'created': 1, 'grown': 1, 'relabelled': 0, 'retyped': 0,
        'deleted': 2,
        'unchanged': 0, 'failed': 0}


def test_check_mode_predicts_a_clone_of_a_volume_it_would_create():
    lookup = Lookup()
    calls = []

    def converge_one(declaration):
        calls.append(declaration['name'])
        return Result(True, before={}, after={'name': declaration['name']},
                      volume={'name': declaration['name']})

    outcomes = bulk.run(planned([{'name': 'base', 'size': 1},
                                 {'name': 'copy', 'source_volume': 'base',
                                  'size': 3}], lookup),
                        converge_one, check_mode=True)
    assert calls == ['base']          # cl_volume would not find copy's source
    assert outcomes[1].result.changed
    assert outcomes[1].result['volume']['size'] == 3
    assert outcomes[1].operations == ('created',)


# The result -----------------------------------------------------------------
def test_task_result_counts_and_lists_every_item():
    lookup = Lookup(record('same'), record('small', metadata={'a': '1'}),
                    record('old', metadata={'o': 'a'}))
    converger = Converger(lookup, fail={'broken'})
    the_plan = planned([{'name': 'same', 'size': 1},
                        {'name': 'small', 'size': 2, 'metadata': {'a': '2'}},
                        {'name': 'new', 'size': 1},
                        {'name': 'broken', 'size': 1}], lookup,
                       purge=True, purge_scope={'metadata': {'o': 'a'}})
    outcomes = bulk.run(the_plan, converger)
    with pytest.raises(Refused) as refused:
        bulk.task_result(the_plan, outcomes)
    result = refused.value.result
    assert result['changed'] is True
    assert result['summary'] == {'created': 1, 'grown': 1, 'relabelled': 1,
                                 'retyped': 0,
                                 'deleted': 1, 'unchanged': 1, 'failed': 1}
    assert [v['name'] for v in result['volumes']] == ['same', 'small', 'new',
                                                      'broken']
    assert [v['name'] for v in result['purged']] == ['old']
    assert result['volumes'][0]['changed'] is False
    assert 'diff' not in result['volumes'][0]
    assert result['volumes'][1]['diff']['after']['size'] == 2
    assert result['volumes'][3]['failed'] is True
    assert result['volumes'][3]['msg'] == 'the driver said no'
    assert refused.value.msg == (
        '1 of 5 volumes did not converge (the others did; a re-run '
        'converges the rest):\nbroken: create: the driver said no')
    print(result['failures'])
    assert result['failures'] == ['broken: create: the driver said no']


def test_task_result_diff_of_every_changed_item():
    lookup = Lookup(record('same'), record('small'))
    the_plan = planned([{'name': 'same', 'size': 1},
                        {'name': 'small', 'size': 2},
                        {'name': 'new', 'size': 1}], lookup)
    result = bulk.task_result(the_plan, bulk.run(the_plan, Converger(lookup)))
    assert result.changed is True
    assert set(result.before) == set(result.after) == {'small', 'new'}
    assert result.before['new'] == {} and result.after['small']['size'] == 2


def test_a_declaration_that_changes_nothing():
    lookup = Lookup(*[record('v%d' % i) for i in range(50)])
    the_plan = planned([{'name': 'v%d' % i, 'size': 1} for i in range(50)],
                       lookup)
    outcomes = bulk.run(the_plan, Converger(lookup, delay=0))
    result = bulk.task_result(the_plan, outcomes)
    assert result.changed is False
    assert result.diff is None
    assert result['summary']['unchanged'] == 50


@pytest.mark.parametrize('size', [0, -1])
def test_a_bad_size_refuses_the_whole_task_first(size):
    lookup = Lookup()
    with pytest.raises(Refused) as refused:
        planned([{'name': 'ok', 'size': 1}, {'name': 'bad', 'size': size}],
                lookup)
    assert refused.value.msg == (
        'volumes[1] (bad): size must be a whole number of GiB, at least 1; '
        'got %d; nothing was changed' % size)
    assert lookup.reads == 0


def test_check_mode_plans_a_clone_as_cl_volume_plans_a_creation():
    from ansible_collections.openstack.cinderlib.plugins.module_utils import converge
    the_plan = planned([{'name': 'base', 'size': 1},
                        {'name': 'copy', 'source_volume': 'base', 'size': 3,
                         'metadata': {'k': 'v'}}], Lookup())
    outcomes = bulk.run(the_plan, Converger(Lookup()), check_mode=True)
    assert outcomes[1].result['volume'] == converge.planned_volume(
        'unit', the_plan.items[1].declaration)
    assert outcomes[1].result['volume']['metadata'] == {'k': 'v'}


# In this process, against the fake driver -----------------------------------
# Items run on worker threads over one StorageModule: its per-thread locks,
# the persistence plugin under threads (memory_db: one shared connection;
# a SQLite file: a pool), driver calls on bounded_calls' workers.
@pytest.fixture(params=['memory_db', 'sqlite'])
def threaded_sm(request, backend, tmp_path):
    from ansible_collections.openstack.cinderlib.plugins.module_utils import cinderlib as cl
    from ansible_collections.openstack.cinderlib.plugins.module_utils.storage_module import StorageModule
    from core_helpers import DRIVER
    kept = cl.Backend.persistence
    if request.param == 'sqlite':
        cl.Backend.set_persistence({'storage': 'db', 'connection':
                                    'sqlite:///%s' % (tmp_path / 'b.sqlite')})
    yield StorageModule.without_ansible(
        {'backend': {'volume_backend_name': backend.id,
                     'volume_driver': DRIVER},
         'lock_path': str(tmp_path / 'locks')},
        persistence=cl.Backend.persistence, backend=backend)
    if request.param == 'sqlite':
        cl.Backend.set_persistence({'storage': kept})


def bulk_decl(volumes, **options):
    return dict(dict(purge=False, purge_scope=None, workers=4), volumes=volumes,
                **options)


def test_items_converge_on_threads_of_one_process(threaded_sm, backend,
                                                  monkeypatch):
    import fake_driver
    sm = threaded_sm
    lock = threading.Lock()
    seen = {'active': 0, 'most': 0, 'threads': set()}
    real_create = fake_driver.FakeDriver.create_volume

    def slow_create(driver, volume):
        with lock:
            seen['active'] += 1
            seen['most'] = max(seen['most'], seen['active'])
            seen['threads'].add(threading.current_thread().name)
        try:
            time.sleep(0.05)
            return real_create(driver, volume)
        finally:
            with lock:
                seen['active'] -= 1
    monkeypatch.setattr(fake_driver.FakeDriver, 'create_volume', slow_create)
    declared = [{'name': 'p%d' % i, 'size': 1, 'metadata': {'set': 'p'}}
                for i in range(12)]
    declared += [{'name': 'p%d-copy' % i, 'source_volume': 'p%d' % i}
                 for i in range(3)]
    result = bulk.volumes(sm, bulk_decl(declared))
    assert result['summary']['created'] == 15 and result.changed
    assert seen['most'] > 1                   # driver calls overlapped
    # Driver calls run on bounded_calls' workers, not the items' threads.
    assert seen['threads'] == {'cinderlib driver call'}
    assert sm._held == set()
    stored = sm.persistence.get_volumes(backend_name=backend.id)
    assert sorted(r['name'] for r in stored) == sorted(
        d['name'] for d in declared)
    by_name = {r['name']: r for r in stored}
    for i in range(3):
        copy = result['volumes'][12 + i]['volume']
        assert copy['source_volid'] == by_name['p%d' % i]['id']
    again = bulk.volumes(sm, bulk_decl(declared))
    assert not again.changed and again['summary']['unchanged'] == 15
    purged = bulk.volumes(sm, bulk_decl([], purge=True, purge_scope={
        'metadata': {'set': 'p'}}))
    # The clones carry no metadata: out of the scope, they stay.
    assert purged['summary'] == dict(dict.fromkeys(bulk.SUMMARY_KEYS, 0),
                                     deleted=12)
    assert sorted(r['name'] for r in sm.persistence.get_volumes(
        backend_name=backend.id)) == ['p0-copy', 'p1-copy', 'p2-copy']
    for record in sm.persistence.get_volumes(backend_name=backend.id):
        converge_absent(sm, record)


def converge_absent(sm, record):
    from ansible_collections.openstack.cinderlib.plugins.module_utils import converge
    converge.volume(sm, {'id': record['id'], 'state': 'absent',
                         'cascade': True})


def test_a_worker_that_first_imports_eventlet_does_not_hold_the_task():
    # A fresh process: the first import of eventlet (as Cinder's set-up
    # does it, on the item's worker) orphans that thread's join sentinel.
    import subprocess
    import sys
    code = (
        'import warnings\n'
        'warnings.simplefilter("ignore")\n'
        'from ansible_collections.openstack.cinderlib.plugins.module_utils '
        'import bulk\n'
        'from ansible_collections.openstack.cinderlib.plugins.module_utils.'
        'results import Result\n'
        'class NoRecords:\n'
        '    def volume(self, *args):\n'
        '        return None\n'
        'def converge_one(declaration):\n'
        '    import eventlet.patcher\n'
        '    return Result(False, volume={})\n'
        'the_plan = bulk.plan([{"name": "a"}, {"name": "b"}], NoRecords(), '
        '"unit")\n'
        'print(len(bulk.run(the_plan, converge_one, workers=2)))\n')
    done = subprocess.run([sys.executable, '-c', code], capture_output=True,
                          text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == '2'


def test_items_take_cl_volumes_day2_options_through_its_code(tmp_path):
    # The day-2 fake driver: retype in place of qos:iops and multiattach
    # only, multiattach reported.  Items are converged by converge.volume,
    # as cl_volume's: a named type, multiattach, a retype of an existing
    # item, a retype the driver cannot do in place (that item fails, the
    # others converge, the volume stays as it was).
    from ansible_collections.openstack.cinderlib.plugins.module_utils import cinderlib as cl
    from ansible_collections.openstack.cinderlib.plugins.module_utils import converge
    from ansible_collections.openstack.cinderlib.plugins.module_utils.storage_module import StorageModule
    day2 = cl.Backend('bulk-day2', volume_driver='fake_driver.Day2FakeDriver')
    sm = StorageModule.without_ansible(
        {'backend': {'volume_backend_name': day2.id,
                     'volume_driver': 'fake_driver.Day2FakeDriver'},
         'lock_path': str(tmp_path / 'locks')},
        persistence=cl.Backend.persistence, backend=day2)
    converge.volume_type(sm, dict(name='bulk-gold',
                                  qos_specs={'qos:iops': '100'}))
    declared = [{'name': 'bt-typed', 'size': 1, 'volume_type': 'bulk-gold'},
                {'name': 'bt-shared', 'size': 1, 'multiattach': True},
                {'name': 'bt-qos', 'size': 1, 'qos_specs': {'qos:iops': '1'}},
                {'name': 'bt-other', 'size': 1, 'extra_specs': {'k': 'a'}}]
    created = bulk.volumes(sm, bulk_decl(declared))
    assert created['summary']['created'] == 4, created['failures']
    typed, shared = (v['volume'] for v in created['volumes'][:2])
    assert typed['volume_type'] == 'bulk-gold'
    assert typed['qos_specs'] == {'qos:iops': '100'}
    assert shared['multiattach'] is True
    again = bulk.volumes(sm, bulk_decl(declared))
    assert not again.changed and again['summary']['unchanged'] == 4
    declared[2]['qos_specs'] = {'qos:iops': '2'}       # in place
    declared[3]['extra_specs'] = {'k': 'b'}            # not in place
    with pytest.raises(Refused) as refused:
        bulk.volumes(sm, bulk_decl(declared))
    result = refused.value.result
    assert result['summary']['retyped'] == 1
    assert result['summary']['unchanged'] == 2
    assert result['volumes'][2]['volume']['qos_specs'] == {'qos:iops': '2'}
    [line] = result['failures']
    assert line.startswith('bt-other: update: extra_specs/qos_specs: volume ')
    assert "cannot change extra spec k: 'a' -> 'b' in place" in line
    other = converge.volume(sm, dict(name='bt-other'))['volume']
    assert other['extra_specs'] == {'k': 'a'}
    for entry in created['volumes']:
        converge.volume(sm, {'id': entry['volume']['id'], 'state': 'absent'})
    converge.volume_type(sm, dict(name='bulk-gold', state='absent'))
