# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The lock service (Redis, coordination_url) stops while ten hosts create
volumes: the tasks that need it fail naming it, nothing is half-done (pool
and database agree, no record left creating), and once it is back one run
converges.  A Redis of the test's own, on a port of its own."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import shutil
import socket
import subprocess
import time

import pytest

import harness


def free_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


class Redis(object):
    """A redis-server of this test only (stopped by its pid)."""

    def __init__(self, workdir, port):
        self.workdir, self.port, self.proc = workdir, port, None

    def start(self):
        self.proc = subprocess.Popen(
            ['redis-server', '--bind', '127.0.0.1', '--port', str(self.port),
             '--save', '', '--appendonly', 'no', '--dir', self.workdir],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 20
        while time.time() < deadline:
            try:
                socket.create_connection(('127.0.0.1', self.port), 1).close()
                return
            except OSError:
                time.sleep(0.1)
        raise AssertionError('redis-server did not start on %d' % self.port)

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)
        self.proc = None


@pytest.fixture
def redis(tmp_path):
    if not shutil.which('redis-server'):
        pytest.skip('redis-server is not installed')
    server = Redis(str(tmp_path), free_port())
    server.start()
    yield server
    server.stop()


def wait_for_results(path, count, proc, timeout=600):
    deadline = time.time() + timeout
    while time.time() < deadline and proc.poll() is None:
        if os.path.exists(path):
            with open(path) as lines:
                if sum(1 for _line in lines) >= count:
                    return
        time.sleep(0.05)


def test_redis_stops_mid_run(tmp_path, lab, redis):
    pg = os.environ.get('CL_MH_PG_URL')
    db_url = pg or 'sqlite:///%s' % (tmp_path / 'cinderlib.sqlite')
    url = 'redis://127.0.0.1:%d' % redis.port
    store = harness.Store(db_url, url)
    store.reset()
    store.plugin()
    hosts = harness.Hosts(str(tmp_path), lab, store, backend_name='mh-lock')
    n = len(hosts.names)
    baseline = lab.state()
    try:
        proc, results_file = hosts.start('steps.yml', mh_state='present')
        # Stop it in the middle of the second task: some hosts hold a lock,
        # some wait for one, some have not started the task.
        wait_for_results(results_file, n + 1, proc)
        redis.stop()
        stopped = time.time()
        run = hosts.finish(proc, results_file)
        took = time.time() - stopped
        failures = run.failures()
        assert failures, run.output[-3000:]
        print('Redis stopped: %d results, %d failed, the run ended %.0f s '
              'later' % (len(run), len(failures), took))
        for result in failures:
            print('  %s %s: %s' % (result['host'], result['task'],
                                   result['msg']))
            assert 'coordination' in result['msg'] and \
                '127.0.0.1:%d' % redis.port in result['msg'], result
            assert 'Traceback' not in result['msg']
        assert took < 120, took
        problems = harness.disagreements(lab, store, hosts.backend_name,
                                         baseline)
        assert not problems, problems

        redis.start()
        again = hosts.play('steps.yml', mh_state='present')
        assert not again.failures(), again.failures()
        volumes = store.records(hosts.backend_name)['volumes']
        assert len(volumes) == 3 * n
        assert not harness.disagreements(lab, store, hosts.backend_name,
                                         baseline)
    finally:
        if redis.proc is None:
            redis.start()
        removed = hosts.play('steps.yml', mh_state='absent')
        hosts.cleanup()
        left = store.records(hosts.backend_name)['volumes']
        store.close()
    assert not removed.failures(), removed.failures()
    assert left == []
