# -*- coding: utf-8 -*-
# Copyright: contributors to the openstack.cinderlib collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every example in docs/ runs here, against the Ceph lab.

Run by ``scripts/docs.sh --test`` (which prepares the environment), or in
this directory with pytest after ``eval "$(scripts/ceph-lab.sh env)"``,
``export CL_CEPH_CONF CL_CEPH_KEYRING CL_CEPH_POOL CL_CEPH_USER`` and
CL_DOCS_PG_URL set to a PostgreSQL database of its own.

What runs (the conventions docs/README.md gives writers):

- Fenced blocks in ``yaml``, ``python`` and ``sh`` are examples; each is
  one test, named ``<page>:<line>``.  Blocks of a page run in page order and
  share the page's state, so a page that creates something removes it in a
  later block.  ``text``, ``json`` and ``ini`` blocks are output or file
  listings: shown, not run (json is parsed).
- ``<!-- docs-test: skip (reason) -->`` on the line before a block skips
  it, with the reason in the test report.  Skipped blocks are still checked
  as far as possible without running them: YAML parses, Python compiles,
  shell passes ``bash -n``, and every backend configuration in them names a
  driver that imports and options that driver knows, with values it accepts.
- A yaml block that is a playbook runs with ansible-playbook, with an
  inventory where ``localhost`` is this machine and runs modules with this
  Python.  A yaml block that is not a playbook is parsed, and each backend
  configuration in it (a mapping with ``volume_backend_name`` and
  ``volume_driver``) is set up with cl_backend_facts.
- A python block runs as a script in a fresh process, in a directory of its
  page (so ``sqlite:///cinderlib.sqlite`` is a file there).
- A sh block runs with bash in a scratch view of the repository (symlinks
  to its top-level entries), so commands written for a clone work and files
  they write stay out of the work tree.
- An info string with a file name (```yaml first-volume.yml) writes the
  block to that file in the page's scratch directory instead of running it:
  a later sh block of the page runs it.

The lab stands in for the documented values: the documented Ceph paths
``/etc/ceph/ceph.conf`` and ``/etc/ceph/ceph.client.cinder.keyring`` become
the lab's (see SUBSTITUTIONS), and the documented PostgreSQL URL becomes
CL_DOCS_PG_URL.  The modules' default database (/var/lib/cinderlib when
root) is a directory of this test session: each ansible run is in a mount
namespace where that directory is mounted over /var/lib/cinderlib (as
another user, XDG_DATA_HOME points there).

The Ceph pool is shared: the test records the ids of the volumes and
snapshots the examples create, and the last test fails if an image of
theirs is left in the pool, after removing it.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import ast
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

import pytest
import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
DOCS = os.path.join(REPO, 'docs')
RUN_LANGUAGES = ('yaml', 'python', 'sh')
# mermaid: diagrams, checked by scripts/sanity.sh diagrams.
SHOWN_LANGUAGES = ('text', 'json', 'ini', 'mermaid')
SKIP_MARKER = re.compile(r'^<!--\s*docs-test:\s*skip\s*\((.+)\)\s*-->$')
ANY_MARKER = re.compile(r'^<!--\s*docs-test\b')
FENCE = re.compile(r'^(\s*)(```+|~~~+)\s*(\S*)\s*(.*)$')
# Pages whose examples another test runs, with the reason (files this suite
# does not own, so they carry no markers).
TESTED_ELSEWHERE = {
    'execution-environment.md':
        'scripts/sanity.sh (stage ee) runs ansible-builder create on these '
        'files as written; building the image needs a container engine',
}
TIMEOUT = 300


def lab_env(name):
    value = os.environ.get(name)
    if not value:
        raise pytest.UsageError(
            '%s is not set: run scripts/docs.sh --test, or eval "$(bash '
            'scripts/ceph-lab.sh env)" and export the CL_CEPH_* variables'
            % name)
    return value


# Documented value -> the lab's.  Plain string replacement, in this order.
def substitutions():
    pool, user = lab_env('CL_CEPH_POOL'), lab_env('CL_CEPH_USER')
    return [
        ('/etc/ceph/ceph.client.cinder.keyring', lab_env('CL_CEPH_KEYRING')),
        ('/etc/ceph/ceph.conf', lab_env('CL_CEPH_CONF')),
        ('rbd_pool: volumes', 'rbd_pool: %s' % pool),
        ("rbd_pool='volumes'", "rbd_pool=%r" % pool),
        ('rbd_user: cinder', 'rbd_user: %s' % user),
        ("rbd_user='cinder'", "rbd_user=%r" % user),
        ('postgresql+psycopg://cinderlib:secret@db.example.com/cinderlib',
         lab_env('CL_DOCS_PG_URL')),
    ]


# Collection -------------------------------------------------------------------
class Block(object):
    def __init__(self, page, line, language, info, text, skip):
        self.page = page
        self.line = line
        self.language = language
        self.file_name = info.split()[0] if info else None
        self.text = text
        self.skip = skip

    @property
    def name(self):
        return '%s:%d' % (self.page, self.line)


def page_blocks(page):
    with open(os.path.join(DOCS, page)) as source:
        lines = source.read().splitlines()
    blocks = []
    previous = ''
    index = 0
    while index < len(lines):
        line = lines[index]
        fence = FENCE.match(line)
        if not fence:
            if line.strip():
                previous = line.strip()
            index += 1
            continue
        indent, marker, language, info = fence.groups()
        start = index + 1
        index = start
        while index < len(lines) and lines[index].strip() != marker:
            inner = FENCE.match(lines[index])
            if inner and inner.group(3):
                raise ValueError('%s:%d: a fence opens inside the block of '
                                 'line %d: close that block first' % (
                                     page, index + 1, start))
            index += 1
        body = [text[len(indent):] if text.startswith(indent) else text
                for text in lines[start:index]]
        skip = SKIP_MARKER.match(previous)
        if ANY_MARKER.match(previous) and not skip:
            raise ValueError('%s:%d: unknown docs-test marker %r; use '
                             '<!-- docs-test: skip (reason) -->' % (
                                 page, start, previous))
        if page in TESTED_ELSEWHERE:
            skip_reason = TESTED_ELSEWHERE[page]
        else:
            skip_reason = skip.group(1) if skip else None
        blocks.append(Block(page, start, language, info,
                            '\n'.join(body) + '\n', skip_reason))
        previous = ''
        index += 1
    return blocks


def all_blocks():
    pages = []
    for root, _dirs, files in os.walk(DOCS):
        pages.extend(os.path.relpath(os.path.join(root, name), DOCS)
                     for name in files if name.endswith('.md'))
    blocks = []
    for page in sorted(pages):
        blocks.extend(page_blocks(page))
    return blocks


BLOCKS = all_blocks()


# Backend configurations in a block ------------------------------------------
def yaml_backends(data):
    if isinstance(data, dict):
        if 'volume_backend_name' in data and 'volume_driver' in data:
            return [data]
        return [found for value in data.values()
                for found in yaml_backends(value)]
    if isinstance(data, list):
        return [found for value in data for found in yaml_backends(value)]
    return []


def python_backends(text):
    """Literal keyword arguments of Backend(...) calls; a value that is not
    a literal only has its name checked."""
    found = []
    for node in ast.walk(ast.parse(text)):
        if not (isinstance(node, ast.Call) and getattr(
                node.func, 'attr', getattr(node.func, 'id', None)) == 'Backend'):
            continue
        arguments = [(keyword.arg, keyword.value) for keyword in node.keywords
                     if keyword.arg is not None]
        if node.args:
            arguments.append(('volume_backend_name', node.args[0]))
        config = {}
        for name, value in arguments:
            try:
                config[name] = ast.literal_eval(value)
            except ValueError:
                config[name] = '{{ not a literal }}'
        if '{{' not in str(config.get('volume_driver', '{{')):
            found.append(config)
    return found


def block_backends(block):
    if block.language == 'yaml':
        return yaml_backends(list(yaml.safe_load_all(block.text)))
    if block.language == 'python':
        return python_backends(block.text)
    return []


@pytest.fixture(scope='session')
def backend_problems():
    """Problems of every backend configuration in the docs, by block name."""
    by_block = {block.name: block_backends(block) for block in BLOCKS}
    configs = [config for found in by_block.values() for config in found]
    if not configs:
        return {}
    result = subprocess.run(
        [sys.executable, '-W', 'ignore', os.path.join(HERE, 'check_backends.py')],
        input=json.dumps(configs), capture_output=True, text=True,
        check=False, timeout=TIMEOUT)
    assert result.returncode == 0, result.stderr[-3000:]
    problems = iter(json.loads(result.stdout))
    return {name: [problem for _config in found for problem in next(problems)]
            for name, found in by_block.items()}


def static_check(block, backend_problems):
    if block.language == 'yaml':
        list(yaml.safe_load_all(block.text))
    elif block.language == 'python':
        compile(block.text, block.name, 'exec')
    elif block.language == 'sh':
        subprocess.run(['bash', '-n'], input=block.text, text=True,
                       check=True)
    elif block.language == 'json':
        json.loads(block.text)
    assert not backend_problems.get(block.name), backend_problems[block.name]


# Running ------------------------------------------------------------------------
class Session(object):
    """Scratch directories, inventory and environment of this test run."""

    def __init__(self, root):
        self.root = root
        self.ids_file = os.path.join(root, 'ids')
        self.data_home = os.path.join(root, 'data')
        self.data_dir = os.path.join(self.data_home, 'cinderlib')
        os.makedirs(self.data_dir)
        self.inventory = os.path.join(root, 'inventory.ini')
        with open(self.inventory, 'w') as out:
            out.write('localhost ansible_connection=local '
                      'ansible_python_interpreter=%s\n' % sys.executable)
        self.pages = {}

    def page_dir(self, page):
        """The scratch directory of a page: a view of the repository."""
        if page not in self.pages:
            path = os.path.join(self.root, 'pages', page.replace('/', '_'))
            os.makedirs(path)
            for entry in os.listdir(REPO):
                if entry != '.git':
                    os.symlink(os.path.join(REPO, entry),
                               os.path.join(path, entry))
            self.pages[page] = path
        return self.pages[page]

    def env(self):
        env = dict(os.environ)
        bin_dir = os.path.dirname(sys.executable)
        env.update(
            PATH=bin_dir + os.pathsep + env.get('PATH', ''),
            ANSIBLE_COLLECTIONS_PATH=os.path.join(REPO, '.build',
                                                  'collections'),
            ANSIBLE_CALLBACK_PLUGINS=os.path.join(HERE, 'callback_plugins'),
            ANSIBLE_CALLBACKS_ENABLED='docs_ids',
            ANSIBLE_NOCOLOR='1',
            ANSIBLE_RETRY_FILES_ENABLED='0',
            ANSIBLE_PYTHON_INTERPRETER=sys.executable,
            XDG_DATA_HOME=self.data_home,
            CL_DOCS_IDS=self.ids_file)
        return env

    def isolated(self, command):
        """The command, with the modules' default data directory ours."""
        if os.geteuid() != 0:
            return command
        os.makedirs('/var/lib/cinderlib', exist_ok=True)
        return ['unshare', '--mount', '--propagation', 'private', 'sh', '-c',
                'mount --bind "$0" /var/lib/cinderlib && exec "$@"',
                self.data_dir] + command

    def run(self, command, cwd):
        result = subprocess.run(self.isolated(command), cwd=cwd,
                                env=self.env(), capture_output=True,
                                text=True, check=False, timeout=TIMEOUT)
        assert result.returncode == 0, '%s\n%s' % (result.stdout[-6000:],
                                                   result.stderr[-4000:])
        return result

    def recorded_ids(self):
        if not os.path.exists(self.ids_file):
            return set()
        with open(self.ids_file) as ids:
            return set(line.strip() for line in ids if line.strip())


@pytest.fixture(scope='session')
def session():
    root = tempfile.mkdtemp(prefix='cl-docs-')
    yield Session(root)
    shutil.rmtree(root, ignore_errors=True)


def substituted(text):
    for documented, lab in substitutions():
        text = text.replace(documented, lab)
    return text


def is_playbook(data):
    return isinstance(data, list) and data and all(
        isinstance(play, dict) and ('hosts' in play or
                                    'import_playbook' in play)
        for play in data)


def run_yaml(session, block, cwd, path):
    documents = list(yaml.safe_load_all(block.text))
    if not (len(documents) == 1 and is_playbook(documents[0])):
        backends = yaml_backends(list(yaml.safe_load_all(
            substituted(block.text))))
        if not backends:
            return
        with open(path, 'w') as out:
            yaml.safe_dump([{
                'name': 'Set up the backends of %s' % block.name,
                'hosts': 'localhost', 'gather_facts': False,
                'tasks': [{'openstack.cinderlib.cl_backend_facts': {
                    'backend': backend, 'refresh': True,
                    'resources': False}} for backend in backends]}], out)
    session.run(['ansible-playbook', '-i', session.inventory, path], cwd)


def run_block(session, block):
    cwd = session.page_dir(block.page)
    if block.file_name:
        with open(os.path.join(cwd, block.file_name), 'w') as out:
            out.write(substituted(block.text))
        return
    path = os.path.join(cwd, 'block-%d.%s' % (block.line, block.language))
    with open(path, 'w') as out:
        out.write(substituted(block.text))
    if block.language == 'yaml':
        run_yaml(session, block, cwd, path)
    elif block.language == 'python':
        session.run([sys.executable, os.path.join(HERE, 'harness.py'), path],
                    cwd)
    else:
        session.run(['bash', '-e', '-o', 'pipefail', path], cwd)


@pytest.mark.parametrize('block', BLOCKS, ids=[b.name for b in BLOCKS])
def test_example(block, session, backend_problems):
    known = RUN_LANGUAGES + SHOWN_LANGUAGES
    assert block.language in known, (
        'fenced block without a known language (%s): say what it is, e.g. '
        '```yaml, ```text' % ', '.join(known))
    static_check(block, backend_problems)
    if block.skip:
        pytest.skip('%s: %s' % (block.name, block.skip))
    if block.language in RUN_LANGUAGES or block.file_name:
        run_block(session, block)


# The pool after the examples ------------------------------------------------------
def rbd(*args):
    command = ['rbd', '-c', lab_env('CL_CEPH_CONF'), '--id',
               lab_env('CL_CEPH_USER'), '--keyring', lab_env('CL_CEPH_KEYRING'),
               '-p', lab_env('CL_CEPH_POOL')] + list(args)
    return subprocess.run(command, capture_output=True, text=True,
                          check=False, timeout=120)


def pool_images():
    listed = rbd('ls', '--format', 'json')
    trash = rbd('trash', 'ls', '--format', 'json')
    assert listed.returncode == 0, listed.stderr
    assert trash.returncode == 0, trash.stderr
    return (json.loads(listed.stdout or '[]'),
            {entry['id']: entry['name']
             for entry in json.loads(trash.stdout or '[]')})


def remove_image(name):
    """Best effort: the image's snapshots, then the image."""
    snaps = rbd('snap', 'ls', '--format', 'json', name)
    for snap in json.loads(snaps.stdout or '[]'):
        for child in rbd('children', '%s@%s' % (name, snap['name'])
                         ).stdout.split():
            remove_image(child.split('/')[-1])
        rbd('snap', 'unprotect', '%s@%s' % (name, snap['name']))
    rbd('snap', 'purge', name)
    rbd('rm', name)


def test_no_images_left(session):
    ids = session.recorded_ids()
    images, trash = pool_images()
    ours = [name for name in images if any(i in name for i in ids)]
    our_trash = [trash_id for trash_id, name in trash.items()
                 if any(i in name for i in ids)]
    for name in ours:
        remove_image(name)
    for trash_id in our_trash:
        rbd('trash', 'rm', trash_id)
    assert (ours, our_trash) == ([], []), (
        'the examples left these images in the pool (now removed)')
