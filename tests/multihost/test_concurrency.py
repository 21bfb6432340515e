# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Ten hosts (forks: 10) running the same plays at once on one Ceph pool and
one database, SQLite or PostgreSQL + Redis: no task fails, each real change
is made (and reported changed) once, and the pool and the database agree."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import harness


def assert_counts(results, expected):
    """expected: {task: changed count}; every host ran it, none failed."""
    counts = results.counts()
    for failure in results.failures():
        # Whole, before the assertion's repr shortens it.
        print('FAILED %s on %s: %s' % (failure['task'], failure['host'],
                                       failure['msg']))
    for task, changed in expected.items():
        assert counts.get(task) == {'hosts': len(set(r['host'] for r in
                                                     results)),
                                    'changed': changed, 'failed': 0}, (
            task, counts, results.failures(), results.output[-3000:])


def assert_agree(hosts, baseline):
    problems = harness.disagreements(hosts.lab, hosts.store,
                                     hosts.backend_name, baseline)
    assert not problems, problems


def test_create_in_fresh_database_then_rename(hosts):
    """First use of a database by ten hosts at once; then renames: one
    volume renamed by all (once), all renamed to one name (one wins, the
    others refused, naming both volumes)."""
    baseline = hosts.lab.state()
    n = len(hosts.names)
    hosts.store.reset()
    created = hosts.play('create_each.yml')
    assert_counts(created, {'Create': n})
    assert created.returncode == 0
    assert_agree(hosts, baseline)
    ids = hosts.ids()
    assert sorted(ids) == hosts.names

    renamed = hosts.play('rename.yml', mh_ids=ids)
    assert_counts(renamed, {'Rename one volume': 1})
    contested = [r for r in renamed if r['task'] == 'Rename each to one name'
                 and r['status'] != 'skipped']
    assert len(contested) == n - 1
    winners = [r for r in contested if r['changed']]
    refused = [r for r in contested if r['failed']]
    assert len(winners) == 1 and len(refused) == n - 2, contested
    for result in refused:
        assert 'cannot be renamed to %scontested' % hosts.prefix in \
            result['msg'] and 'already has that name' in result['msg'], result
        assert ids[result['host']] in result['msg']
    volumes = hosts.store.records(hosts.backend_name)['volumes']
    names = [v['name'] for v in volumes]
    assert len(names) == len(set(names)) == n, names
    assert names.count(hosts.prefix + 'contested') == 1
    assert_agree(hosts, baseline)

    removed = hosts.play('remove_each.yml', mh_ids=ids)
    assert_counts(removed, {'Remove': n})
    assert_agree(hosts, baseline)
    assert hosts.store.records(hosts.backend_name)['volumes'] == []


def test_one_name_declared_by_every_host(hosts):
    """Ten hosts create, snapshot, connect, grow, then disconnect and remove
    one volume: each change once, no failure."""
    baseline = hosts.lab.state()
    present = hosts.play('one_name_present.yml')
    assert_counts(present, {'Create': 1, 'Snapshot': 1, 'Connect': 1,
                            'Grow': 1})
    records = hosts.store.records(hosts.backend_name)
    assert [(v['size'], v['status']) for v in records['volumes']] == \
        [(2, 'in-use')]
    assert len(records['snapshots']) == len(records['connections']) == 1
    assert_agree(hosts, baseline)

    absent = hosts.play('one_name_absent.yml')
    assert_counts(absent, {'Disconnect': 1, 'Remove the snapshot': 1,
                           'Remove the volume': 1})
    assert absent.returncode == 0
    assert hosts.store.records(hosts.backend_name)['volumes'] == []
    assert_agree(hosts, baseline)


def test_mixed_operations_on_distinct_volumes(hosts):
    """Each host creates, snapshots, clones, grows and connects volumes of
    its own, all at once; the same again changes nothing; then each
    disconnects and deletes everything."""
    baseline = hosts.lab.state()
    n = len(hosts.names)
    first = hosts.play('mixed.yml', mh_state='present')
    assert_counts(first, {'Create': n, 'Snapshot': n, 'Clone': n, 'Grow': n,
                          'Connect': n})
    records = hosts.store.records(hosts.backend_name)
    assert len(records['volumes']) == 2 * n
    assert len(records['snapshots']) == len(records['connections']) == n
    assert_agree(hosts, baseline)

    again = hosts.play('mixed.yml', mh_state='present', mh_created_size=2)
    assert_counts(again, {'Create': 0, 'Snapshot': 0, 'Clone': 0, 'Grow': 0,
                          'Connect': 0})

    absent = hosts.play('mixed.yml', mh_state='absent')
    assert_counts(absent, {'Disconnect': n, 'Delete the clone': n,
                           'Delete the volume and its snapshot': n})
    assert hosts.store.records(hosts.backend_name)['volumes'] == []
    assert_agree(hosts, baseline)
