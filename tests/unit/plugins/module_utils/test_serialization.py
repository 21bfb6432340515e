# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""json, jsons, dump, dumps, load and to_dict, with the fake driver."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import os
import subprocess
import sys

import pytest

from ansible_collections.openstack.cinderlib.plugins.module_utils import cinderlib as cl

from core_helpers import forget_live, persistence_state

HERE = os.path.dirname(os.path.abspath(__file__))


def resources(backend):
    volume = backend.create_volume(1, name='ser')
    snapshot = volume.create_snapshot(name='snap')
    connection = volume.connect({'host': 'n1'})
    return volume, snapshot, connection


def test_properties_on_every_class(backend):
    volume, snapshot, connection = resources(backend)
    backend.volumes
    for obj, class_name in ((backend, 'Backend'), (volume, 'Volume'),
                            (snapshot, 'Snapshot'),
                            (connection, 'Connection')):
        assert obj.json['class'] == class_name
        assert json.loads(obj.jsons) == obj.json
        assert obj.dump['class'] == class_name
        assert json.loads(obj.dumps) == obj.dump
        assert type(obj).load(obj.jsons) is obj


def test_to_dict_on_resources_only(backend):
    volume, snapshot, connection = resources(backend)
    assert volume.to_dict()['name'] == 'ser'
    assert snapshot.to_dict()['volume_id'] == volume.id
    assert connection.to_dict()['volume_id'] == volume.id
    assert not hasattr(backend, 'to_dict')


def test_json_does_not_load_lazy_lists_dump_does(backend):
    volume, snapshot, connection = resources(backend)
    forget_live(volume, snapshot, connection)
    fresh = cl.Volume.get_by_id(volume.id)
    assert 'snapshots' not in fresh.json
    assert fresh._snapshots is None and fresh._connections is None
    dumped = fresh.dump
    assert [r['id'] for r in dumped['snapshots']] == [snapshot.id]
    assert [r['id'] for r in dumped['connections']] == [connection.id]
    # Loaded now, so json has them too.
    assert fresh.json == dumped
    # The backend lists what this process loaded through it, and reads
    # persistence for no other.
    assert [v['record']['id'] for v in backend.json['volumes']] == [
        volume.id]
    assert backend._volumes is None
    assert [v['record']['id'] for v in backend.dump['volumes']] == [
        volume.id]


def test_round_trip_into_an_empty_store(backend):
    """A volume, its snapshots and their volume come back as one graph."""
    volume, snapshot, connection = resources(backend)
    data = volume.dumps
    original = cl.Backend.persistence
    cl.Backend.set_persistence({'storage': 'memory'})
    try:
        forget_live(volume, snapshot, connection)
        loaded = cl.load(data)
        assert loaded is not volume and loaded.id == volume.id
        assert (loaded.name, loaded.size, loaded.status) == ('ser', 1,
                                                             'in-use')
        assert loaded.backend is backend
        [snap] = loaded.snapshots
        assert snap.volume is loaded and snap.name == 'snap'
        [conn] = loaded.connections
        assert conn.volume is loaded and conn.connector_info == {'host': 'n1'}
        assert loaded._ovo.volume_attachment[0] is conn._ovo
        # save=False: nothing written; the objects are usable all the same.
        assert persistence_state() == ([], [], [], [])
        conn.disconnect()
        assert loaded.status == 'available'
        assert [r['id'] for r in cl.Backend.persistence.get_volumes()] == [
            volume.id]
    finally:
        cl.Backend.set_persistence({'storage': original})
        forget_live(volume, snapshot, connection)


def test_circular_references(backend):
    volume, snapshot, _connection = resources(backend)
    volume.snapshots
    data = snapshot.json
    assert [r['id'] for r in data['volume']['snapshots']] == [snapshot.id]
    forget_live(volume, snapshot, _connection)
    loaded = cl.Snapshot.load(json.dumps(data))
    assert loaded.id == snapshot.id
    assert loaded.volume.snapshots == [loaded]
    assert loaded.volume.snapshots[0].volume is loaded.volume


def test_load_updates_the_live_object(backend):
    volume = backend.create_volume(1, name='before')
    data = volume.json
    data['record']['data']['fields']['display_name'] = 'after'
    assert cl.load(data) is volume
    assert volume.name == 'after'
    assert cl.Backend.persistence.get_volumes(volume_id=volume.id)[0][
        'name'] == 'before'
    cl.load(data, save=True)
    assert cl.Backend.persistence.get_volumes(volume_id=volume.id)[0][
        'name'] == 'after'


def test_save_restores_records(backend):
    volume, snapshot, connection = resources(backend)
    data = cl.dumps()
    persistence = cl.Backend.persistence
    for record_id, kind in ((connection.id, 'connection'),
                            (snapshot.id, 'snapshot'),
                            (volume.id, 'volume')):
        getattr(persistence, 'delete_' + kind)(record_id)
    backends = cl.load(data, save=True)
    assert backend in backends
    assert persistence.get_volumes(volume_id=volume.id)[0]['status'] == \
        'in-use'
    assert persistence.get_snapshots(volume_id=volume.id)[0]['id'] == \
        snapshot.id
    assert persistence.get_connections(volume_id=volume.id)[0]['id'] == \
        connection.id


def test_library_level(backend):
    volume = backend.create_volume(1)
    cl.Backend.persistence.set_key_value(cl.KeyValue('ser-key', 'v'))
    everything = cl.dump()
    assert everything['class'] == 'Library'
    mine = [b for b in everything['backends']
            if b['backend']['volume_backend_name'] == backend.id]
    assert [v['record']['id'] for v in mine[0]['volumes']] == [volume.id]
    assert {'key': 'ser-key', 'value': 'v'} in everything['key_values']
    assert json.loads(cl.dumps()) == cl.dump()
    assert 'key_values' not in cl.json()
    assert json.loads(cl.jsons()) == cl.json()
    assert backend in cl.load(cl.jsons())


def test_backend_config_is_only_its_name(backend):
    backend.create_volume(1)
    assert backend.json['backend'] == {'volume_backend_name': backend.id}
    assert 's3cret' not in cl.dumps()


def test_connection_secrets_stay_out(backend):
    _volume, _snapshot, connection = resources(backend)
    assert connection.conn_info['data']['keyring'] == 'SECRETKEY'
    assert 'SECRETKEY' not in connection.dumps
    assert 'SECRETKEY' not in json.dumps(connection.to_dict())
    assert connection.to_dict()['conn_info']['data']['keyring'] == '********'


@pytest.mark.parametrize('data, message', [
    ('not json', 'not JSON'),
    ('[1, 2]', 'must be a dict'),
    ({'class': 'Nope', 'version': 1}, "class 'Nope'"),
    ({'class': 'Volume', 'version': 99}, 'format version 99'),
    ({'class': 'Volume', 'version': 1}, 'incomplete or damaged'),
    ({'class': 'Volume', 'version': 1, 'backend': {
        'volume_backend_name': 'never-set-up'}, 'record': {}},
     "backend 'never-set-up' is not set up"),
])
def test_bad_data_is_refused(backend, unchanged, data, message):
    with pytest.raises(cl.errors.CinderlibError, match=message):
        cl.load(data, save=True)


def test_damaged_data_saves_nothing(backend):
    resources(backend)
    data = cl.dump()
    mine = [b for b in data['backends']
            if b['backend']['volume_backend_name'] == backend.id][0]
    del mine['volumes'][0]['connections'][0]['data']
    before = persistence_state()
    with pytest.raises(cl.errors.InvalidInput, match='damaged'):
        cl.load(data, save=True)
    assert persistence_state() == before


def test_class_load_wants_its_class(backend):
    volume = backend.create_volume(1)
    before = persistence_state()
    with pytest.raises(cl.errors.InvalidInput, match='use cl.load'):
        cl.Snapshot.load(volume.json, save=True)
    assert persistence_state() == before


CHILD = r'''
import json, sys
sys.path.insert(0, %(here)r)
from ansible_collections.openstack.cinderlib.plugins.module_utils import cinderlib as cl
cl.setup(file_locks_path=%(locks)r, output_all_backend_info=%(all_info)r)
if %(data)r is None:
    backend = cl.Backend('selfcontained', volume_driver='fake_driver.FakeDriver',
                         fake_password='s3cret')
    backend.create_volume(1, name='v').create_snapshot()
    print(cl.dumps())
else:
    [backend] = cl.load(%(data)r)
    [volume] = backend.volumes
    volume.extend(2)
    volume.snapshots[0].delete()
    volume.delete()
    print(json.dumps([backend.driver.configuration.fake_password,
                      volume.status]))
'''


def run_child(tmp_path, all_info, data=None):
    code = CHILD % {'here': HERE, 'locks': str(tmp_path), 'data': data,
                    'all_info': all_info}
    result = subprocess.run([sys.executable, '-c', code], check=False,
                            capture_output=True, text=True, timeout=120)
    return result.stdout.strip().splitlines()[-1] if \
        result.returncode == 0 else result.stderr.strip().splitlines()[-1]


def test_output_all_backend_info_is_self_contained(tmp_path):
    data = run_child(tmp_path, True)
    assert json.loads(data)['backends'][0]['backend'][
        'fake_password'] == 's3cret'
    assert json.loads(run_child(tmp_path, False, data)) == ['s3cret',
                                                            'deleted']


def test_without_backend_info_the_backend_must_be_set_up(tmp_path):
    data = run_child(tmp_path, False)
    assert 's3cret' not in data
    assert "backend 'selfcontained' is not set up" in run_child(
        tmp_path, False, data)


def test_loading_for_a_backend_not_set_up(backend, monkeypatch):
    monkeypatch.setattr(cl.Backend.settings(), 'fail_on_missing_backend',
                        False)
    volume = backend.create_volume(1)
    data = volume.json
    data['backend'] = {'volume_backend_name': 'elsewhere'}
    forget_live(volume)
    loaded = cl.load(data)
    assert loaded.backend.id == 'elsewhere'
    assert loaded.to_dict()['backend'] == 'elsewhere'
    elsewhere = cl.Backend.load({
        'class': 'Backend', 'version': 1, 'backend': loaded.backend.config,
        'volumes': [loaded._body(False)]})
    assert elsewhere.id == 'elsewhere'
    with pytest.raises(cl.errors.NotFound, match='not set up in this '
                                                 'process'):
        loaded.extend(2)
