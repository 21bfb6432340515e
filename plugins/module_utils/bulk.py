# -*- coding: utf-8 -*-
# Copyright: contributors to the openstack.cinderlib collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Many volume declarations converged in one task (cl_volumes).

``plan`` decides from the declaration and the records alone, before anything
changes: each item is checked, an item made from another declared volume
waits for it, a cycle, a missing source or a purge without a scope refuses
the whole task, and purge selects the managed volumes it removes.  ``run``
then converges the items with a bounded pool of threads, each one as
cl_volume converges a volume (``converge.volume``, each item on a worker
thread over the task's one StorageModule), each as soon as the volumes it is
made from are done; an item whose source did not converge is not attempted.
``task_result`` builds what the task returns, ``volumes`` is the task.

A declaration that changes nothing never sets the backend up: each item's
decision is cl_volume's, which reads the records only, and the driver is
loaded by the first item that has something to change.
"""

import collections
import queue
import threading

from ansible_collections.openstack.cinderlib.plugins.module_utils import converge
from ansible_collections.openstack.cinderlib.plugins.module_utils import errors
from ansible_collections.openstack.cinderlib.plugins.module_utils import records
from ansible_collections.openstack.cinderlib.plugins.module_utils.results import Refused, Result
from ansible_collections.openstack.cinderlib.plugins.module_utils.volume_spec import volume_declaration

# Measured on the Ceph lab (docs/bulk.md, tests/benchmark/bulk_bench.py):
# librbd creates gain little past 2 parallel calls and removes nothing past
# 4 to 8, while the driver's own Python work shares one interpreter lock.
DEFAULT_WORKERS = 4
SUMMARY_KEYS = ('created', 'grown', 'relabelled', 'retyped', 'deleted',
                'unchanged', 'failed')
# Fields whose change is a relabel (no driver call).
_LABELS = ('name', 'description', 'metadata')
# Fields whose change is a retype (the driver's retype).
_TYPE_FIELDS = ('volume_type', 'extra_specs', 'qos_specs', 'multiattach')


class Item:
    """One volume of the task: declared (``index`` in ``volumes``) or
    selected by purge."""

    def __init__(self, index, declaration, purge=False):
        self.index = index
        self.declaration = declaration
        self.purge = purge
        self.record = None      # its record when planned, None if absent
        self.volume_type = None  # the record of its declared volume_type
        self.sources = []       # the items that must converge before it

    @property
    def key(self):
        """How tasks name the volume: its name, else its id."""
        return self.declaration['name'] or self.declaration['id']

    @property
    def label(self):
        if self.purge:
            record = self.record
            return '%s (%s)' % (record['name'] or record['id'], record['id'])
        return self.key

    @property
    def creates(self):
        return self.record is None and \
            self.declaration['state'] == 'present'

    @property
    def operation(self):
        """What converging it does, in a failure's message."""
        if self.declaration['state'] == 'absent':
            return 'delete'
        return 'create' if self.record is None else 'update'


class Outcome:
    """An item's end: converged (``result``), failed or not attempted."""

    def __init__(self, item, result=None, msg=None, skipped=False):
        self.item = item
        self.result = result
        self.msg = msg
        self.skipped = skipped

    @property
    def failed(self):
        return self.result is None

    @property
    def operations(self):
        """Its summary entries: 'created', 'grown', 'relabelled', ..."""
        if self.failed:
            return ('failed',)
        result = self.result
        if not result.changed:
            return ('unchanged',)
        before, after = result.before or {}, result.after or {}
        if not before:
            return ('created',)
        if not after:
            return ('deleted',)
        done = []
        if (after.get('size') or 0) > (before.get('size') or 0):
            done.append('grown')
        if any(after.get(key) != before.get(key) for key in _LABELS):
            done.append('relabelled')
        if any(after.get(key) != before.get(key) for key in _TYPE_FIELDS):
            done.append('retyped')
        # Otherwise it settled what an interrupted run had left.
        return tuple(done)


class Plan:
    def __init__(self, items, purge, backend_name):
        self.items = items          # in declaration order
        self.purge = purge          # run once every declared item is done
        self.backend_name = backend_name


class RecordLookup:
    """What planning reads: the records of the task's backend, no driver."""

    def __init__(self, sm):
        self.sm = sm

    def volume(self, name_or_id, what='volume'):
        return self.sm.find_volume(name_or_id, what)

    def snapshot(self, name_or_id, volume_record, what='source_snapshot'):
        return self.sm.find_snapshot(name_or_id, volume_record, what)

    def volumes(self):
        return self.sm.records.get_volumes(backend_name=self.sm.backend_name)

    def volume_types(self):
        return self.sm.records.get_volume_types()


# Planning ------------------------------------------------------------------
def plan(declarations, lookup, backend_name, purge=False, purge_scope=None):
    """The items in order and what purge removes; raises Refused."""
    items = [Item(index, volume_declaration(values))
             for index, values in enumerate(declarations)]
    types = _TypeLookup(lookup)
    for item in items:
        if not item.key:
            raise Refused('volumes[%d]: give the volume a name or an id'
                          % item.index)
        try:
            converge.check_volume_declaration(item.declaration)
            if item.declaration['state'] == 'present':
                # As cl_volume: a removal does not look at its type.
                item.volume_type = converge.declared_type(
                    item.declaration, types.find, types.names)
        except Refused as exc:
            raise Refused('volumes[%d] (%s): %s; nothing was changed' % (
                item.index, item.key, exc.msg)) from None
    declared = _declared_keys(items)
    _check_cycles(items, declared)
    for item in items:
        item.record = lookup.volume(item.key)
    missing = []
    for item in items:
        if item.creates:
            missing.extend(_link_sources(item, declared, lookup,
                                         backend_name))
    if missing:
        raise Refused('nothing was changed: %s' % '; '.join(missing))
    _order_deletions(items, lookup)
    purged = _purge_items(items, lookup, purge, purge_scope)
    _order_deletions(purged, lookup)
    return Plan(items, purged, backend_name)


class _TypeLookup:
    """The named types, read once for the whole plan, and only when an
    item names one."""

    def __init__(self, lookup):
        self.lookup = lookup
        self.by_name = None

    def find(self, name):
        if self.by_name is None:
            self.by_name = {t['name']: t for t in self.lookup.volume_types()}
        return self.by_name.get(name)

    def names(self):
        return sorted(self.by_name or ())


def _declared_keys(items):
    """Declared items by name and by id; a volume declared twice is refused."""
    declared = {}
    for item in items:
        for key in {item.declaration['name'], item.declaration['id']} - {None}:
            other = declared.setdefault(key, item)
            if other is not item:
                raise Refused(
                    'volumes[%d] and volumes[%d] both declare volume %s; '
                    'declare each volume once' % (other.index, item.index,
                                                  key))
    return declared


def _declared_source(item, declared):
    source = item.declaration['source_volume']
    return declared.get(source) if source else None


def _check_cycles(items, declared):
    """Refuse volumes declared as made from each other, whatever exists."""
    done = set()
    for start in items:
        path = []
        item = start
        while item is not None and item not in done:
            if item in path:
                cycle = path[path.index(item):] + [item]
                raise Refused(
                    'source_volume: volumes %s are made from each other (%s), '
                    'a cycle; nothing was changed: declare one of them '
                    'without a declared source_volume' % (
                        ', '.join(sorted({i.key for i in cycle})),
                        ', '.join('%s from %s' % (a.key, b.key)
                                  for a, b in zip(cycle, cycle[1:]))))
            path.append(item)
            item = _declared_source(item, declared)
        done.update(path)


def _link_sources(item, declared, lookup, backend_name):
    """Note the declared volume ``item`` is made from (it waits for it);
    return why its sources cannot be found, if they cannot."""
    declaration = item.declaration
    source_name = declaration['source_volume']
    snapshot_name = declaration['source_snapshot']
    source = _declared_source(item, declared)
    source_record = None
    if source is not None:
        if source.declaration['state'] == 'absent':
            return ['%s is made from %s, which this declaration removes '
                    '(state: absent); keep %s or declare %s without it' % (
                        item.key, source.key, source.key, item.key)]
        item.sources.append(source)
        if snapshot_name and source.record is None:
            return ['%s: source_snapshot %s of %s cannot exist yet, since '
                    'this task creates %s; take the snapshot first '
                    '(cl_snapshot) or clone %s with source_volume alone' % (
                        item.key, snapshot_name, source.key, source.key,
                        source.key)]
        source_record = source.record
    elif source_name:
        source_record = lookup.volume(source_name, 'source_volume')
        if source_record is None:
            return ['%s: source_volume %s is neither declared nor a volume '
                    'of backend %s' % (item.key, source_name, backend_name)]
    if snapshot_name and lookup.snapshot(snapshot_name,
                                         source_record) is None:
        return ['%s: source_snapshot %s not found%s; give the id of a '
                'snapshot of backend %s, or its name with source_volume' % (
                    item.key, snapshot_name,
                    ' on volume %s' % source_name if source_name else '',
                    backend_name)]
    return []


def _order_deletions(items, lookup):
    """A volume removed with a volume made from it (a clone, or from one of
    its snapshots) waits for that one's removal: the storage never holds a
    clone without its parent."""
    removed = {item.record['id']: item for item in items
               if item.record is not None and
               item.declaration['state'] == 'absent'}
    for item in removed.values():
        view = records.volume_view(item.record)
        parent_id = view['source_volid']
        if not parent_id and view['snapshot_id']:
            snapshot = lookup.snapshot(view['snapshot_id'], None)
            parent_id = snapshot and snapshot.get('volume_id')
        parent = removed.get(parent_id)
        if parent is not None and parent is not item:
            parent.sources.append(item)


def check_purge_scope(purge, purge_scope):
    """Refuse purge without a scope that names the volumes it owns."""
    scope = purge_scope or {}
    if purge and not (scope.get('metadata') or scope.get('name_prefix')):
        raise Refused(
            'purge: true removes undeclared volumes only within purge_scope; '
            'give purge_scope.metadata (key/value pairs every volume of this '
            'declaration carries) or purge_scope.name_prefix; nothing was '
            'changed')


def in_scope(record, scope):
    """Whether purge_scope covers this volume record."""
    view = records.volume_view(record)
    metadata = view['metadata']
    for key, value in (scope.get('metadata') or {}).items():
        if key not in metadata or str(metadata[key]) != str(value):
            return False
    prefix = scope.get('name_prefix')
    return not prefix or (view['name'] or '').startswith(prefix)


def _purge_items(items, lookup, purge, purge_scope):
    check_purge_scope(purge, purge_scope)
    if not purge:
        return []
    declared = set()
    for item in items:
        declared.update({item.declaration['name'], item.declaration['id']})
        if item.record is not None:
            declared.add(item.record['id'])
    selected = []
    for record in lookup.volumes():
        if record['id'] in declared or record.get('name') in declared or \
                not in_scope(record, purge_scope):
            continue
        purged = Item(None, volume_declaration(
            {'id': record['id'], 'state': 'absent'}), purge=True)
        purged.record = record
        selected.append(purged)
    return sorted(selected, key=lambda i: (i.record.get('name') or '',
                                           i.record['id']))


# Running -------------------------------------------------------------------
def run(the_plan, converge_one, workers=DEFAULT_WORKERS, check_mode=False):
    """Every item's Outcome, in plan order (declared items, then purge).

    ``converge_one(declaration)`` converges one item and returns its
    results.Result or raises (a CinderlibError's message is the item's).  Items start in declaration order as
    soon as the items they are made from have converged, at most
    ``workers`` at a time; purge starts once every declared item is done.
    """
    outcomes = {}
    pool = _Workers(workers, converge_one)
    try:
        for items in (the_plan.items, the_plan.purge):
            _run_graph(items, pool, outcomes,
                       check_mode and the_plan.backend_name)
    finally:
        pool.close()
    return [outcomes[item] for item in the_plan.items + the_plan.purge]


class _Workers:
    """At most ``size`` threads converging items, started as needed.

    Daemon threads that nobody joins, not concurrent.futures' pool: the
    first item to set the backend up imports Cinder on its worker, and
    eventlet (imported by cinder.utils, tooz, futurist) makes a copy of the
    threading module there (patcher.original) whose module-level
    ``_MainThread()`` takes a new thread-state sentinel for that thread.
    The worker's own Thread then never sees its sentinel released: the OS
    thread ends, ``join()`` waits forever (the pool's shutdown and its exit
    hook hung).  Every item is done before ``run`` returns; nothing needs a
    join.  (test_bulk.py: a worker importing eventlet does not hold the
    task.)
    """

    def __init__(self, size, converge_one):
        self.size = size
        self.converge_one = converge_one
        self.todo = queue.SimpleQueue()
        self.done = queue.SimpleQueue()
        self.threads = []
        self.idle = 0

    def submit(self, item):
        if self.idle == 0 and len(self.threads) < self.size:
            thread = threading.Thread(target=self._work, daemon=True,
                                      name='cl-volumes-%d' % len(self.threads))
            self.threads.append(thread)
            thread.start()
        else:
            self.idle -= 1
        self.todo.put(item)

    def next_done(self):
        outcome = self.done.get()
        self.idle += 1
        return outcome

    def _work(self):
        while True:
            item = self.todo.get()
            if item is None:
                return
            self.done.put(_attempt(self.converge_one, item))

    def close(self):
        for _thread in self.threads:
            self.todo.put(None)


def _run_graph(items, pool, outcomes, check_mode_backend):
    """Converge ``items`` as their sources allow; ``check_mode_backend``:
    the backend's name in check mode (else None)."""
    waiting = {item: set(item.sources) for item in items}
    dependents = collections.defaultdict(list)
    for item in items:
        for source in item.sources:
            dependents[source].append(item)
    running = 0
    ready = collections.deque(item for item in items if not waiting[item])

    def finish(outcome):
        outcomes[outcome.item] = outcome
        for dependent in dependents[outcome.item]:
            if outcome.failed:
                if dependent not in outcomes:
                    finish(Outcome(dependent, skipped=True, msg=(
                        'not attempted: %s, which must converge first, did '
                        'not' % outcome.item.label)))
                continue
            waiting[dependent].discard(outcome.item)
            if not waiting[dependent] and dependent not in outcomes:
                ready.append(dependent)

    while ready or running:
        while ready:
            item = ready.popleft()
            if check_mode_backend and any(s.record is None
                                          for s in item.sources):
                # Its source does not exist yet: cl_volume would refuse to
                # look at it; predict the creation as cl_volume's check
                # mode does.
                planned = converge.planned_volume(
                    check_mode_backend, item.declaration, item.volume_type)
                finish(Outcome(item, Result(True, before={}, after=planned,
                                            volume=planned)))
                continue
            pool.submit(item)
            running += 1
        if running:
            finish(pool.next_done())
            running -= 1


def _attempt(converge_one, item):
    try:
        return Outcome(item, converge_one(item.declaration))
    except errors.CinderlibError as exc:
        # Refused (cl_volume's refusal) or the core's error: its message.
        return Outcome(item, msg=str(exc))
    except Exception as exc:
        # One item's defect must not lose the others' results.
        return Outcome(item, msg='unexpected %s: %s' % (type(exc).__name__,
                                                        exc))


# The result ----------------------------------------------------------------
def summary(outcomes):
    counts = dict.fromkeys(SUMMARY_KEYS, 0)
    for outcome in outcomes:
        for operation in outcome.operations:
            counts[operation] += 1
    return counts


def failure_lines(outcomes):
    """One line per item that did not converge: name, operation, message."""
    return ['%s: %s: %s' % (o.item.label, o.item.operation, o.msg)
            for o in outcomes if o.failed]


def _item_entry(outcome):
    item, result = outcome.item, outcome.result
    entry = {'name': item.declaration['name'] or
             (item.record or {}).get('name'),
             'id': item.declaration['id'] or (item.record or {}).get('id'),
             'state': item.declaration['state'],
             'changed': bool(result and result.changed),
             'failed': outcome.failed, 'skipped': outcome.skipped,
             'operations': list(outcome.operations)}
    if outcome.failed:
        entry['msg'] = outcome.msg
        entry['volume'] = records.volume_view(item.record) \
            if item.record else {}
        return entry
    entry['volume'] = result.values.get('volume') or {}
    if result.changed:
        entry['diff'] = {'before': result.before or {},
                         'after': result.after or {}}
    if result.warnings:
        entry['warnings'] = result.warnings
    return entry


def task_result(the_plan, outcomes):
    """The task's Result; raises Refused, with every item's result and
    ``changed``, when an item did not converge."""
    entries = [_item_entry(o) for o in outcomes]
    declared = len(the_plan.items)
    before, after = {}, {}
    warnings = []
    for outcome, entry in zip(outcomes, entries):
        if entry['changed']:
            before[outcome.item.label] = entry['diff']['before']
            after[outcome.item.label] = entry['diff']['after']
        warnings.extend('%s: %s' % (outcome.item.label, warning)
                        for warning in entry.get('warnings', ()))
    lines = failure_lines(outcomes)
    values = {'volumes': entries[:declared], 'purged': entries[declared:],
              'summary': summary(outcomes), 'failures': lines}
    changed = any(e['changed'] for e in entries)
    if lines:
        raise Refused('%d of %d volumes did not converge (the others did; a '
                      're-run converges the rest):\n%s' % (
                          len(lines), len(outcomes), '\n'.join(lines)),
                      changed=changed, **values)
    if not changed:
        before = after = None
    return Result(changed, before=before, after=after, warnings=warnings,
                  **values)


def volumes(sm, decl):
    """Converge a cl_volumes declaration (``decl``: its options) over one
    StorageModule, item by item on worker threads; the task's Result."""
    if decl['workers'] < 1:
        raise Refused('workers must be 1 or more (how many volumes converge '
                      'at once); got %d' % decl['workers'])
    the_plan = plan(decl['volumes'], RecordLookup(sm), sm.backend_name,
                    decl['purge'], decl['purge_scope'])
    outcomes = run(the_plan, lambda item: converge.volume(sm, item),
                   workers=decl['workers'], check_mode=sm.check_mode)
    return task_result(the_plan, outcomes)
