# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The modules run as Ansible runs them: one process per task, the fake
driver behind them, a SQLite file between tasks.

Each run is traced with ``-X importtime``, so the tests see which tasks
loaded Cinder or SQLAlchemy: a task that changes nothing must load neither.
"""

import json
import os
import sqlite3
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
MODULES = os.path.normpath(os.path.join(HERE, '..', '..', '..', '..',
                                        'plugins', 'modules'))
FAKE_DRIVER_DIR = os.path.join(os.path.dirname(HERE), 'module_utils')
_TREE = os.path.normpath(os.path.join(MODULES, '..', '..', '..', '..', '..'))
COLLECTIONS_PATH = (
    [_TREE] if os.path.basename(os.path.dirname(os.path.dirname(
        os.path.dirname(os.path.dirname(MODULES))))) == 'ansible_collections'
    else []) + ([os.environ['PYTHONPATH']] if os.environ.get('PYTHONPATH')
                else [])
PASSWORD = 'fake-Pa55word'


class Result(dict):
    imported = ()

    def loaded(self, package):
        return any(name == package or name.startswith(package + '.')
                   for name in self.imported)


def run(module, tmp_path, check_mode=False, diff=False, **args):
    args.setdefault('backend', {
        'volume_backend_name': 'unit', 'volume_driver': 'fake_driver.FakeDriver',
        'fake_password': PASSWORD})
    args.setdefault('db_url', 'sqlite:///%s' % (tmp_path / 'db.sqlite'))
    args.setdefault('lock_path', str(tmp_path / 'locks'))
    if module == 'cl_attach':
        for key in ('backend', 'db_url', 'lock_path'):
            args.pop(key)
    args['_ansible_check_mode'] = check_mode
    args['_ansible_diff'] = diff
    args_file = tmp_path / 'args.json'
    args_file.write_text(json.dumps({'ANSIBLE_MODULE_ARGS': args}))
    # The collection under test first (the ansible_collections tree these
    # modules are in, else the caller's PYTHONPATH): a shared venv's .pth
    # may link another checkout.
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [FAKE_DRIVER_DIR] + COLLECTIONS_PATH))
    proc = subprocess.run(
        [sys.executable, '-X', 'importtime',
         os.path.join(MODULES, module + '.py'), str(args_file)],
        capture_output=True, text=True, env=env, timeout=120, check=False)
    try:
        result = Result(json.loads(proc.stdout))
    except ValueError:
        raise AssertionError('%s printed no JSON: %s\n%s' % (
            module, proc.stdout, proc.stderr[-3000:]))
    result.imported = [line.split('|')[-1].strip()
                       for line in proc.stderr.splitlines()
                       if line.startswith('import time:')]
    result.stdout = proc.stdout
    return result


@pytest.fixture
def volume(tmp_path):
    created = run('cl_volume', tmp_path, name='v1', size=1,
                  description='first', metadata={'k': 'v'})
    assert created['changed'], created
    return created['volume']


def test_no_change_loads_neither_cinder_nor_sqlalchemy(tmp_path, volume):
    again = run('cl_volume', tmp_path, name='v1', size=1,
                description='first', metadata={'k': 'v'})
    assert again['changed'] is False
    assert again['volume'] == volume
    assert not again.loaded('cinder')
    assert not again.loaded('sqlalchemy')


PERSISTENCE = 'ansible_collections.openstack.cinderlib.plugins.module_utils.persistence.'


@pytest.mark.parametrize('module', ['cl_volume', 'cl_volumes'])
def test_no_change_compiles_no_plugin_code(tmp_path, volume, module):
    """Ansible ships the core as source: a no-change task reads SQLite
    through sqlite_reader alone, not the plugin (dbms) or its contract."""
    declared = dict(name='v1', size=1, description='first',
                    metadata={'k': 'v'})
    again = (run(module, tmp_path, **declared) if module == 'cl_volume'
             else run(module, tmp_path, volumes=[declared]))
    assert again['changed'] is False, again
    assert again.loaded(PERSISTENCE + 'sqlite_reader')
    assert not again.loaded(PERSISTENCE + 'dbms')
    assert not again.loaded(PERSISTENCE + 'base')


def test_bad_lock_path_is_refused_naming_it(tmp_path):
    (tmp_path / 'file').write_text('')
    lock_path = tmp_path / 'file' / 'locks'
    refused = run('cl_volume', tmp_path, name='v1', size=1,
                  lock_path=str(lock_path))
    assert refused['failed'] and not refused.get('changed'), refused
    assert refused['msg'].startswith('coordination: lock_path %s cannot be '
                                     'made a directory' % lock_path)
    assert 'set lock_path to a directory' in refused['msg']
    assert 'Traceback' not in refused.stdout
    facts = run('cl_backend_facts', tmp_path, stats=False)
    assert facts['backend']['volumes'] == [], facts


CINDER_SERVICE = 'ansible_collections.openstack.cinderlib.plugins.module_utils.cinder_service'


def test_no_change_loads_no_cinder_service_code(tmp_path):
    """The read path decides multiattach from type_specs, not from the
    core's Cinder layer."""
    run('cl_volume_type', tmp_path, name='shared',
        extra_specs={'multiattach': '<is> True'})
    again = run('cl_volume_type', tmp_path, name='shared',
                extra_specs={'multiattach': '<is> True'})
    assert again['changed'] is False
    assert again['volume_type']['multiattach'] is True
    assert not again.loaded(CINDER_SERVICE) and not again.loaded('cinder')


def test_creation_loaded_cinder(tmp_path):
    created = run('cl_volume', tmp_path, name='v1', size=1)
    assert created.loaded('cinder') and created.loaded('sqlalchemy')
    assert created['volume']['status'] == 'available'


def test_changes_load_no_dns_resolver(tmp_path):
    """The locks' tooz imports eventlet after Cinder's package has turned
    eventlet's green DNS resolver (dnspython) off."""
    created = run('cl_volume', tmp_path, name='v1', size=1)
    assert created['changed'] and created.loaded('tooz')
    assert not created.loaded('dns')


def test_check_mode_create_changes_nothing(tmp_path):
    planned = run('cl_volume', tmp_path, check_mode=True, diff=True,
                  name='v1', size=2)
    assert planned['changed'] is True
    assert planned['diff'] == {'before': {}, 'after': planned['volume']}
    assert planned['volume']['size'] == 2
    assert not (tmp_path / 'db.sqlite').exists()
    assert not planned.loaded('cinder')


def test_check_mode_grow_plans_without_driver(tmp_path, volume):
    planned = run('cl_volume', tmp_path, check_mode=True, diff=True,
                  name='v1', size=3, description='second')
    assert planned['changed'] is True
    assert planned['diff']['before']['size'] == 1
    assert planned['diff']['after']['size'] == 3
    assert planned['diff']['after']['description'] == 'second'
    assert not planned.loaded('cinder')
    unchanged = run('cl_volume', tmp_path, name='v1')
    assert unchanged['volume'] == volume


def test_grow_and_relabel(tmp_path, volume):
    grown = run('cl_volume', tmp_path, diff=True, name='v1', size=2,
                metadata={'k': 'w'})
    assert grown['changed'] is True
    assert grown['volume']['size'] == 2
    assert grown['volume']['metadata'] == {'k': 'w'}
    assert grown['volume']['description'] == 'first'


def test_relabel_alone_needs_no_driver(tmp_path, volume):
    relabelled = run('cl_volume', tmp_path, name='v1', description='other')
    assert relabelled['changed'] is True
    assert relabelled['volume']['description'] == 'other'
    assert not relabelled.loaded('cinder')


def test_rename_by_id(tmp_path, volume):
    renamed = run('cl_volume', tmp_path, id=volume['id'], name='v2')
    assert renamed['changed'] and renamed['volume']['name'] == 'v2'
    assert run('cl_volume', tmp_path, name='v2')['volume']['id'] == \
        volume['id']


@pytest.mark.parametrize('args, message', [
    ({'size': 0}, 'size must be a whole number of GiB'),
    ({}, 'size is required'),
    ({'size': 1, 'backend': {'volume_driver': 'x'}}, 'volume_backend_name'),
    ({'size': 1, 'backend': {'volume_backend_name': 'x'}}, 'volume_driver'),
    ({'size': 1, 'source_volume': 'nosuch'}, 'source_volume nosuch'),
    ({'size': 1, 'db_url': 'nosuch://'}, 'db_url'),
    ({'size': 1, 'backend': {'volume_backend_name': 'x',
                             'volume_driver': 'no.such.Driver'}},
     'no.such.Driver'),
])
def test_bad_input_fails_clearly(tmp_path, args, message):
    result = run('cl_volume', tmp_path, name='bad', **args)
    assert result.get('failed'), result
    assert message in result['msg']
    assert 'Traceback' not in result['msg']
    assert not (tmp_path / 'db.sqlite').exists() or not sqlite3.connect(
        str(tmp_path / 'db.sqlite')).execute(
            'SELECT count(*) FROM cl_volumes').fetchone()[0]


def test_shrink_refused_without_driver(tmp_path, volume):
    assert run('cl_volume', tmp_path, name='v1', size=2)['changed']
    shrink = run('cl_volume', tmp_path, name='v1', size=1)
    assert shrink['failed'] and 'shrinking' in shrink['msg']
    assert not shrink.loaded('cinder')
    assert run('cl_volume', tmp_path, name='v1')['volume']['size'] == 2


def test_absent_with_snapshot_needs_cascade(tmp_path, volume):
    snap = run('cl_snapshot', tmp_path, volume='v1', name='s1')
    assert snap['changed'] and snap['snapshot']['status'] == 'available'
    assert run('cl_snapshot', tmp_path, volume='v1',
               name='s1')['changed'] is False
    refused = run('cl_volume', tmp_path, name='v1', state='absent')
    assert refused['failed'] and 's1' in refused['msg'] and \
        'cascade' in refused['msg']
    assert not refused.loaded('cinder')
    deleted = run('cl_volume', tmp_path, name='v1', state='absent',
                  cascade=True)
    assert deleted['changed'] is True
    assert run('cl_volume', tmp_path, name='v1',
               state='absent')['changed'] is False
    facts = run('cl_backend_facts', tmp_path, stats=False)
    assert facts['backend']['volumes'] == []
    assert facts['backend']['snapshots'] == []


def test_connection_masks_credentials(tmp_path, volume):
    connector = {'host': 'node1', 'initiator': 'iqn.2026-11.test:node1'}
    conn = run('cl_connection', tmp_path, volume='v1', connector=connector)
    assert conn['changed'] is True
    assert conn['connection']['conn_info']['data']['keyring'] == '********'
    again = run('cl_connection', tmp_path, volume='v1', connector=connector)
    assert again['changed'] is False and not again.loaded('cinder')
    refused = run('cl_attach', tmp_path, connection=again['connection'])
    assert refused['failed'] and 'include_secrets' in refused['msg']
    secret = run('cl_connection', tmp_path, volume='v1', connector=connector,
                 include_secrets=True)
    assert secret['connection']['conn_info']['data']['keyring'] == \
        'SECRETKEY'
    other = run('cl_connection', tmp_path, volume='v1',
                connector={'host': 'node2'})
    assert other['failed'] and 'node1' in other['msg']
    assert run('cl_connection', tmp_path, volume='v1', connector=connector,
               state='absent')['changed'] is True
    assert run('cl_volume', tmp_path, name='v1')['volume']['status'] == \
        'available'


def test_credentials_never_printed(tmp_path):
    url = 'postgresql+psycopg://u:%s@127.0.0.1:1/nodb' % PASSWORD
    failed = run('cl_volume', tmp_path, name='v1', size=1, db_url=url)
    assert failed['failed']
    assert PASSWORD not in failed.stdout
    created = run('cl_volume', tmp_path, name='v1', size=1)
    assert PASSWORD not in created.stdout
    with open(str(tmp_path / 'db.sqlite'), 'rb') as db_file:
        assert PASSWORD.encode() not in db_file.read()


def test_stats_saved_then_reused_without_driver(tmp_path):
    fresh = run('cl_backend_facts', tmp_path, refresh=True)
    assert fresh['backend']['pools'] == ['pool0']
    assert fresh['backend']['driver_version'] == '1.0.0'
    saved = run('cl_backend_facts', tmp_path)
    assert saved['backend']['stats_updated_at'] == \
        fresh['backend']['stats_updated_at']
    assert not saved.loaded('cinder')


@pytest.mark.parametrize('driver, message', [
    ('fake_driver.FakeDrvier',
     'volume_driver fake_driver.FakeDrvier: module fake_driver has no class '
     'FakeDrvier; did you mean fake_driver.FakeDriver'),
    ('fake_driver_missing_library.OptionalLibraryDriver',
     'fake_driver_missing_library needs the Python library '
     'cl_unit_storage_client, which %s' % sys.executable),
    ('fake_driver_required_library.RequiredLibraryDriver',
     'fake_driver_required_library needs the Python library '
     'cl_unit_required_client'),
])
def test_driver_load_errors_name_the_fix(tmp_path, driver, message):
    result = run('cl_backend_facts', tmp_path, refresh=True, backend={
        'volume_backend_name': 'unit', 'volume_driver': driver})
    assert result.get('failed'), result
    assert message in result['msg']
    assert 'Traceback' not in result['msg']
    assert 'AttributeError' not in result['msg']


def test_attach_refuses_masked_credentials(tmp_path):
    result = run('cl_attach', tmp_path, connection={
        'protocol': 'iscsi', 'conn_info': {
            'driver_volume_type': 'iscsi',
            'data': {'auth_password': '********'}}})
    assert result['failed'] and 'include_secrets' in result['msg']
    assert not result.loaded('cinder')


def test_attach_rescans_with_masked_credentials(tmp_path):
    # A rescan needs no login: masked credentials are not refused; the
    # volume is not attached here (or, on a machine without open-iscsi,
    # the missing tool is named). The LVM guest e2e rescans for real.
    result = run('cl_attach', tmp_path, size=2, connection={
        'protocol': 'iscsi', 'conn_info': {
            'driver_volume_type': 'iscsi',
            'data': {'target_portal': '127.0.0.1:3260',
                     'target_iqn': 'iqn.2010-10.org.openstack:volume-x',
                     'target_lun': 0, 'auth_method': 'CHAP',
                     'auth_username': 'u', 'auth_password': '********'}}})
    assert result['failed'], result
    assert ('not attached on this node' in result['msg'] or
            'iscsiadm is not installed' in result['msg']), result['msg']
    assert 'include_secrets' not in result['msg']


# Since ansible-core 2.19 a template that yields nothing passes None (null)
# to the module; each module must then act as if the option were not given.
# The calls below give every option they do not need as null.
NULL_CASES = [
    ('cl_volume', dict(name='v1', size=1)),
    ('cl_snapshot', dict(volume='v1', name='s1')),
    ('cl_backend_facts', dict()),
    ('cl_volume_type', dict(name='t1')),
    ('cl_connection', dict(volume='v1', connector={'host': 'node1'})),
    ('cl_attach', dict(connection={'protocol': 'iscsi', 'conn_info': {
        'driver_volume_type': 'iscsi', 'data': {'auth_password': '********'}}})),
]
NEEDED = ('backend', 'db_url', 'lock_path')


@pytest.mark.parametrize('module, args', NULL_CASES,
                         ids=[case[0] for case in NULL_CASES])
def test_null_option_is_an_omitted_option(tmp_path, volume, module, args):
    omitted = run(module, tmp_path, check_mode=True, **args)
    given = omitted['invocation']['module_args']
    nulls = dict((name, None) for name in given
                 if name not in args and name not in NEEDED)
    assert len(nulls) >= 3, given
    nulled = run(module, tmp_path, check_mode=True, **dict(args, **nulls))
    assert nulled == omitted


def test_null_required_option_is_missing(tmp_path):
    result = run('cl_snapshot', tmp_path, volume='v1', name=None)
    assert result['failed'] and result['msg'] == \
        'missing required arguments: name'


# cl_volumes ------------------------------------------------------------------
BULK = [{'name': 'b-copy', 'source_volume': 'b-base', 'size': 2},
        {'name': 'b-base', 'size': 1, 'metadata': {'set': 'b'}},
        {'name': 'b-other', 'size': 1, 'metadata': {'set': 'b'}}]


def test_bulk_creates_in_order_then_answers_from_the_database(tmp_path):
    created = run('cl_volumes', tmp_path, diff=True, volumes=BULK)
    assert created['changed'], created
    assert created['summary'] == {'created': 3, 'grown': 0, 'relabelled': 0,
                                  'retyped': 0,
                                  'deleted': 0, 'unchanged': 0, 'failed': 0}
    copy, base = created['volumes'][0]['volume'], created['volumes'][1]['volume']
    assert copy['source_volid'] == base['id'] and copy['size'] == 2
    assert created['diff']['before']['b-copy'] == {}
    again = run('cl_volumes', tmp_path, volumes=BULK)
    assert again['changed'] is False
    assert again['summary']['unchanged'] == 3
    assert [v['volume'] for v in again['volumes']] == \
        [v['volume'] for v in created['volumes']]
    assert not again.loaded('cinder')
    assert not again.loaded('sqlalchemy')


def test_bulk_failed_item_fails_the_task_the_others_converge(tmp_path):
    run('cl_volumes', tmp_path, volumes=BULK)
    result = run('cl_volumes', tmp_path, volumes=BULK + [
        {'name': 'b-small', 'source_volume': 'b-copy', 'size': 1},
        {'name': 'b-small-copy', 'source_volume': 'b-small'},
        {'name': 'b-new', 'size': 1}])
    assert result['failed'] and result['changed']
    assert result['summary']['created'] == 1
    assert result['summary']['failed'] == 2
    assert result['failures'][0].startswith(
        'b-small: create: size 1 GiB is smaller than the source volume')
    assert result['msg'].startswith('2 of 6 volumes did not converge')
    assert result['volumes'][-1]['volume']['status'] == 'available'


@pytest.mark.parametrize('args, message', [
    ({'volumes': [{'name': 'a', 'source_volume': 'b'},
                  {'name': 'b', 'source_volume': 'a'}]}, 'a cycle'),
    ({'volumes': [], 'purge': True}, 'purge: true removes undeclared volumes'),
    ({'volumes': [{'name': 'a', 'size': 1}], 'workers': 0},
     'workers must be 1 or more'),
    ({'volumes': [{'size': 1}]}, 'one of the following is required: name, id'),
])
def test_bulk_refusals_change_nothing(tmp_path, args, message):
    result = run('cl_volumes', tmp_path, **args)
    assert result['failed'] and message in result['msg'], result
    assert 'Traceback' not in result.stdout
    assert not result.loaded('cinder')


# Day-2 -------------------------------------------------------------------------
def test_volume_type_defined_without_cinder_and_used(tmp_path):
    defined = run('cl_volume_type', tmp_path, diff=True, name='gold',
                  qos_specs={'total_iops_sec': 100})
    assert defined['changed'], defined
    assert defined['volume_type']['qos_specs'] == {'total_iops_sec': '100'}
    assert defined['diff']['before'] == {}
    assert not defined.loaded('cinder')
    again = run('cl_volume_type', tmp_path, name='gold',
                qos_specs={'total_iops_sec': '100'})
    assert again['changed'] is False
    assert not again.loaded('cinder') and not again.loaded('sqlalchemy')
    created = run('cl_volume', tmp_path, name='v1', size=1,
                  volume_type='gold')
    assert created['changed'], created
    assert created['volume']['volume_type'] == 'gold'
    assert created['volume']['qos_specs'] == {'total_iops_sec': '100'}
    both = run('cl_volume', tmp_path, name='v1', volume_type='gold',
               qos_specs={'a': 'b'})
    assert both['failed'] and 'mutually exclusive' in both['msg']
    facts = run('cl_backend_facts', tmp_path, stats=False)
    [gold] = facts['backend']['volume_types']
    assert gold['name'] == 'gold' and gold['volume_count'] == 1
    assert gold['volumes'] == [created['volume']['id']]
    assert gold['qos_specs'] == {'total_iops_sec': '100'}
    assert not facts.loaded('cinder') and not facts.loaded('sqlalchemy')


def test_bulk_items_of_named_types(tmp_path):
    run('cl_volume_type', tmp_path, name='gold',
        qos_specs={'total_iops_sec': '100'})
    missing = run('cl_volumes', tmp_path, volumes=[
        {'name': 'b1', 'size': 1, 'volume_type': 'gold'},
        {'name': 'b2', 'size': 1, 'volume_type': 'platinum'}])
    assert missing['failed'] and missing['msg'] == (
        'volumes[1] (b2): volume_type: volume type platinum is not defined; '
        'define it first with cl_volume_type (defined: gold); nothing was '
        'changed'), missing
    assert not missing.loaded('cinder')
    created = run('cl_volumes', tmp_path, volumes=[
        {'name': 'b1', 'size': 1, 'volume_type': 'gold'}])
    assert created['volumes'][0]['volume']['volume_type'] == 'gold'
    again = run('cl_volumes', tmp_path, volumes=[
        {'name': 'b1', 'size': 1, 'volume_type': 'gold'}])
    assert again['changed'] is False
    assert not again.loaded('cinder') and not again.loaded('sqlalchemy')
    both = run('cl_volumes', tmp_path, volumes=[
        {'name': 'b1', 'volume_type': 'gold', 'extra_specs': {'a': 'b'}}])
    assert both['failed'] and 'mutually exclusive' in both['msg']
    action = run('cl_volumes', tmp_path, volumes=[
        {'name': 'b1', 'revert_to_snapshot': 's1'}])
    assert action['failed'] and 'revert_to_snapshot' in action['msg']


def test_attach_grow_options(tmp_path):
    connection = {'protocol': 'iscsi', 'conn_info': {
        'driver_volume_type': 'iscsi', 'data': {
            'target_portal': '192.0.2.1:3260',
            'target_iqn': 'iqn.2026-12.test:none', 'target_lun': 0}}}
    absent = run('cl_attach', tmp_path, connection=connection,
                 state='absent', size=2)
    assert absent['failed']
    assert absent['msg'].startswith('size and rescan apply to an attached '
                                    'volume')
