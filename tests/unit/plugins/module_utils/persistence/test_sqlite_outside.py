# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Outside connections to the SQLite file (an operator's sqlite3 shell, a
backup script) while the core writes, and readers of a file being created.

Why writes could vanish: SQLite's locks are POSIX record locks, and closing
*any* descriptor of a file drops every such lock the process holds on it,
those of its SQLite connections included (SQLite cannot tell).  The db
plugin used to open and close the database file (to make it owner-only)
while its fast reader's connection was open; the connection it then opened
shared that connection's bookkeeping, so it ran with no real lock on the
file.  An outside connection closing next found no other lock, took the
file as the last connection, checkpointed and deleted the WAL (and -shm)
files; the plugin kept appending to its descriptor of the deleted WAL, and
nobody ever read those frames.  The plugin now opens the file only to
create it (O_EXCL), so a process holding it open always holds its lock.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import sqlite3
import subprocess
import sys

import pytest

from ansible_collections.openstack.cinderlib.plugins.module_utils.persistence import dbms
from ansible_collections.openstack.cinderlib.plugins.module_utils.persistence.sqlite_reader import SQLiteReader

import parallel_processes


def _volume(volume_id, status='available'):
    return {'id': volume_id, 'backend': 'b', 'name': None, 'status': status,
            'size': 1, 'data': {}}


def _outside(path, sql):
    """Run ``sql`` in a plain read-write connection of another process,
    and close it (it may be the last connection: SQLite then checkpoints
    and deletes the WAL)."""
    script = ('import sqlite3, sys\nc = sqlite3.connect(sys.argv[1])\n'
              'print(c.execute(sys.argv[2]).fetchall())\nc.close()\n')
    return subprocess.run([sys.executable, '-c', script, path, sql],
                          check=True, stdout=subprocess.PIPE,
                          universal_newlines=True).stdout.strip()


@pytest.mark.parametrize('descriptor_reopened', [False, True])
def test_outside_close_keeps_our_wal(tmp_path, descriptor_reopened):
    path = str(tmp_path / 'cl.sqlite')
    dbms.DBPersistence('sqlite:///' + path).close()
    # As a module does: the file exists, so reads go to the fast reader,
    # then the first write builds the SQLAlchemy engine.
    plugin = dbms.DBPersistence('sqlite:///' + path)
    assert plugin._reader is not None and plugin.get_volumes() == []
    if descriptor_reopened:
        # What the plugin used to do at this point.
        os.close(os.open(path, os.O_RDWR))
    plugin.set_volume(_volume('v1'))
    assert os.path.exists(path + '-wal')
    _outside(path, 'SELECT count(*) FROM cl_volumes')
    plugin.set_volume(_volume('v2'))
    seen = _outside(path, 'SELECT id FROM cl_volumes ORDER BY id')
    plugin.close()
    if descriptor_reopened:
        # The mechanism of the lost writes: the outside close deleted the
        # WAL the plugin still wrote to, and v2 is nowhere.
        assert seen == "[('v1',)]"
    else:
        assert seen == "[('v1',), ('v2',)]"
        assert sorted(r['id'] for r in dbms.DBPersistence(
            'sqlite:///' + path).get_volumes()) == ['v1', 'v2']


POLLER = '''
import os, sqlite3, sys, time
path, sql, stop = sys.argv[1], sys.argv[2], sys.argv[3]
polls = 0
while not os.path.exists(stop):
    conn = sqlite3.connect(path, timeout=30)
    conn.execute(sql).fetchall()
    conn.close()
    polls += 1
    time.sleep(0.005)
print(polls)
'''

WRITER = '''
import sys, time
from ansible_collections.openstack.cinderlib.plugins.module_utils.persistence import dbms
url, cycles = sys.argv[1], int(sys.argv[2])
for cycle in range(cycles):
    # One module task: look up, then save the record as creating, call
    # the driver (20 ms), save it as available.
    plugin = dbms.DBPersistence(url)
    plugin.get_volumes(volume_id='v%d' % cycle)
    for status in ('creating', 'available'):
        plugin.set_volume({'id': 'v%d' % cycle, 'backend': 'b', 'name': None,
                           'status': status, 'size': 1, 'data': {}})
        time.sleep(0.02)
    plugin.close()
'''


def test_no_write_lost_beside_polling_readers(tmp_path):
    # An outside reader opening and closing the file read-write every 5 ms,
    # another checkpointing (TRUNCATE) every 5 ms, and the module-like
    # writer: every write is there at the end.
    path = str(tmp_path / 'cl.sqlite')
    dbms.DBPersistence('sqlite:///' + path).close()
    stop = str(tmp_path / 'stop')
    pollers = [subprocess.Popen(
        [sys.executable, '-c', POLLER, path, sql, stop],
        stdout=subprocess.PIPE, universal_newlines=True) for sql in (
            'SELECT count(*) FROM cl_volumes',
            'PRAGMA wal_checkpoint(TRUNCATE)')]
    cycles = 25
    try:
        subprocess.run([sys.executable, '-c', WRITER, 'sqlite:///' + path,
                        str(cycles)], check=True, timeout=300)
    finally:
        open(stop, 'w').close()
        polls = [int(p.communicate(timeout=60)[0]) for p in pollers]
    assert min(polls) > 0
    conn = sqlite3.connect(path)
    rows = conn.execute('SELECT id, status FROM cl_volumes').fetchall()
    conn.close()
    assert sorted(rows) == sorted(('v%d' % i, 'available')
                                  for i in range(cycles))


def test_reader_of_a_file_being_created(tmp_path):
    # Readers started while other processes create the file (no tables
    # yet, tables being created) read no records, or the records; never
    # an error.
    path = str(tmp_path / 'new.sqlite')
    outcomes = parallel_processes.run(tmp_path / 'run', 8, '''
from ansible_collections.openstack.cinderlib.plugins.module_utils.persistence import dbms
from ansible_collections.openstack.cinderlib.plugins.module_utils.persistence.sqlite_reader import SQLiteReader
''', '''
        if index % 2:
            plugin = dbms.DBPersistence('sqlite:///' + args['path'])
            plugin.set_volume({'id': 'v%d' % index, 'backend': 'b',
                               'name': None, 'status': 'available',
                               'size': 1, 'data': {}})
            plugin.close()
            result = 'wrote'
        else:
            seen = set()
            for attempt in range(200):
                reader = SQLiteReader.open(args['path'])
                if reader is None:
                    seen.add('fallback')
                    continue
                seen.add(len(reader.get_volumes()) if not reader.empty
                         else 'empty')
                reader.close()
            result = sorted(seen, key=str)
    ''', {'path': path})
    assert parallel_processes.failures(outcomes) == []
    for outcome in outcomes[0::2]:
        assert 'fallback' not in outcome['result']
    assert len(SQLiteReader.open(path).get_volumes()) == 4
