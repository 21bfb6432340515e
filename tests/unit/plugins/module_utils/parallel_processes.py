# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run one Python snippet in many real processes released at one moment.

Each process runs ``setup`` (imports, building its plugin), reports ready,
waits for the common start signal, then runs ``body`` and prints what it
returns (the name ``result``) as JSON, or the exception's class and text.
The start is a file every process polls, so their bodies begin within a
millisecond or so of each other (threads would share one interpreter lock
and one SQLite library state; these do not).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import os
import subprocess
import sys
import textwrap
import time

_RUNNER = '''
import json, os, sys, time, traceback
index = int(sys.argv[1])
workdir = sys.argv[2]
args = json.loads(sys.argv[3])
%(setup)s
open(os.path.join(workdir, 'ready.%%d' %% index), 'w').close()
go = os.path.join(workdir, 'go')
deadline = time.time() + 120
while not os.path.exists(go) and time.time() < deadline:
    time.sleep(0.0005)
try:
    result = None
%(body)s
    outcome = {'ok': True, 'result': result}
except Exception as exc:
    outcome = {'ok': False, 'error': type(exc).__name__, 'message': str(exc),
               'traceback': traceback.format_exc()}
print('OUTCOME ' + json.dumps(outcome, default=str))
'''


def run(workdir, count, setup, body, args=None, timeout=180):
    """Outcomes of ``count`` processes: dicts with ok, and result or error,
    message, traceback; index i is process i (``index`` in the snippets)."""
    workdir = str(workdir)
    os.makedirs(workdir, exist_ok=True)
    script = os.path.join(workdir, 'runner.py')
    with open(script, 'w') as f:
        f.write(_RUNNER % {'setup': textwrap.dedent(setup),
                           'body': textwrap.indent(textwrap.dedent(body),
                                                   '    ')})
    procs = [subprocess.Popen(
        [sys.executable, script, str(i), workdir, json.dumps(args or {})],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True)
        for i in range(count)]
    deadline = time.time() + timeout
    while time.time() < deadline:
        ready = sum(os.path.exists(os.path.join(workdir, 'ready.%d' % i))
                    for i in range(count))
        if ready == count or any(p.poll() is not None for p in procs):
            break
        time.sleep(0.01)
    open(os.path.join(workdir, 'go'), 'w').close()
    outcomes = []
    for proc in procs:
        out, err = proc.communicate(timeout=max(1, deadline - time.time()))
        lines = [line for line in out.splitlines()
                 if line.startswith('OUTCOME ')]
        if not lines:
            outcomes.append({'ok': False, 'error': 'ProcessFailed',
                             'message': 'exit %s: %s' % (proc.returncode,
                                                         err[-2000:])})
        else:
            outcomes.append(json.loads(lines[-1][len('OUTCOME '):]))
    return outcomes


def failures(outcomes):
    """The failed outcomes, readable in an assertion message."""
    return ['%s: %s\n%s' % (o['error'], o['message'], o.get('traceback', ''))
            for o in outcomes if not o['ok']]
