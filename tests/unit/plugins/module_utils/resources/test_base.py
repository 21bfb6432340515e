# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""resources.base: what volumes, snapshots and connections share (the
fake driver).  Each kind's own behaviour is in test_volume.py,
test_snapshot.py and test_connection.py."""

import pytest

from ansible_collections.openstack.cinderlib.plugins.module_utils import cinderlib as cl
from ansible_collections.openstack.cinderlib.plugins.module_utils import errors
from ansible_collections.openstack.cinderlib.plugins.module_utils.resources import base

from core_helpers import store


def test_each_kind_is_registered():
    assert base.resource_class('volume') is cl.Volume
    assert base.resource_class('snapshot') is cl.Snapshot
    assert base.resource_class('connection') is cl.Connection


@pytest.mark.parametrize('class_name', sorted(base.OVO_DEFAULTS))
def test_new_objects_start_from_the_one_table(backend, class_name):
    ovo = base.new_ovo(class_name, {'id': 'x1'}, {}, 'the documented keys')
    for field, value in base.OVO_DEFAULTS[class_name].items():
        assert getattr(ovo, field) == value, field
    assert ovo.id == 'x1' and ovo.created_at.tzinfo is not None


def test_given_fields_win_over_the_defaults(backend):
    ovo = base.new_ovo('Volume', {'status': 'available'},
                       {'bootable': True}, 'the documented keys')
    assert (ovo.status, ovo.bootable) == ('available', True)


def test_an_unknown_object_field_is_refused(backend):
    with pytest.raises(errors.InvalidInput,
                       match=r"^unknown snapshot field 'colour'; use name, "
                             r"description or a field of Cinder's Snapshot "
                             r"object$"):
        base.new_ovo('Snapshot', {}, {'colour': 'red'},
                     'name, description')


def test_a_given_id_must_be_new(backend):
    volume = backend.create_volume(1)
    with pytest.raises(errors.InvalidInput,
                       match='volume id %s is already in use; choose another '
                             'id or leave it out' % volume.id):
        base.new_id(cl.Volume, volume.id, 'volume')
    fresh = base.new_id(cl.Volume, None, 'volume')
    assert fresh != volume.id
    volume.delete()


def test_find_managed_by_storage_name_or_provider_id(backend):
    volume = backend.create_volume(1)
    volume._ovo.provider_id = 'array-17'
    other = backend.create_volume(1)
    resources = [other, volume]
    assert base.find_managed({'source-name': volume.name_in_storage},
                             resources) is volume
    assert base.find_managed({'source-id': 'array-17'}, resources) is volume
    assert base.find_managed({'source-name': 'legacy'}, resources) is None
    # An unset provider_id matches no reference without one.
    assert base.find_managed({'source-id': None}, [other]) is None
    for resource in resources:
        resource.delete()


def test_names_of_a_named_resource(backend):
    volume = backend.create_volume(1, name='data', description='logs')
    snapshot = volume.create_snapshot(name='daily')
    assert (volume.name, volume.description) == ('data', 'logs')
    assert volume.name_in_storage == 'volume-%s' % volume.id
    assert (snapshot.name, snapshot.name_in_storage) == (
        'daily', 'snapshot-%s' % snapshot.id)
    # A snapshot's backend is its volume's.
    assert snapshot.backend is backend and snapshot.volume is volume
    snapshot.delete()
    volume.delete()


def test_one_creation_cleanup_for_every_kind(backend):
    from cinder import exception
    volume = backend.create_volume(1)
    backend.driver.fail_next['create_snapshot'] = \
        exception.VolumeBackendAPIException(data='no room')
    with pytest.raises(errors.BackendError,
                       match=r'^snapshot .*: creation failed: .*no room'):
        volume.create_snapshot()
    assert volume.snapshots == [] and store(backend)['snapshots'] == {}
    assert cl.Backend.persistence.get_snapshots(volume_id=volume.id) == []
    volume.delete()
