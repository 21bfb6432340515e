# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""resources.volume_type.VolumeType: named types in persistence.  How
drivers see them, and volumes of a type, are in test_volume_day2.py."""

import re

import pytest

from ansible_collections.openstack.cinderlib.plugins.module_utils import errors
from ansible_collections.openstack.cinderlib.plugins.module_utils import library_state
from ansible_collections.openstack.cinderlib.plugins.module_utils.resources.volume_type import VolumeType


@pytest.fixture
def name(request):
    """A type name of the test's own (types are shared by all backends)."""
    return 'type-' + request.node.name.replace('[', '-').rstrip(']')


@pytest.mark.parametrize('bad, message', [
    (dict(name=''), 'volume type name must be a non-empty string'),
    (dict(name=None), 'volume type name must be a non-empty string'),
    (dict(name='t', extra_specs=['a']),
     r"volume type t: extra_specs must be a dict of strings; got \['a'\]"),
    (dict(name='t', qos_specs={1: 'x'}),
     'volume type t: qos_specs must be a dict of strings'),
])
def test_bad_definitions_are_refused_saving_nothing(bad, message):
    before = library_state.persistence().get_volume_types()
    with pytest.raises(errors.InvalidInput, match=message):
        VolumeType.define(**bad)
    assert library_state.persistence().get_volume_types() == before


def test_define_saves_specs_as_strings_and_is_idempotent(name):
    gold = VolumeType.define(name, extra_specs={'multiattach': '<is> True'},
                             qos_specs={'total_iops_sec': 100},
                             description='shared')
    assert (gold.name, gold.description, gold.multiattach) == (
        name, 'shared', True)
    assert gold.qos_specs == {'total_iops_sec': '100'}
    assert VolumeType.define(name, extra_specs={'multiattach': '<is> True'},
                             qos_specs={'total_iops_sec': '100'},
                             description='shared') == gold
    # Ids come from names: two controllers defining it write one record.
    assert VolumeType.record_for(name)['id'] == gold.id
    gold.delete()


def test_an_unused_type_is_updated_in_place(name):
    first = VolumeType.define(name, extra_specs={'tier': 'a'})
    second = VolumeType.define(name, extra_specs={'tier': 'b'})
    assert second.id == first.id and second != first
    assert VolumeType.get(name).extra_specs == {'tier': 'b'}
    second.delete()


def test_found_by_name_or_id(name):
    silver = VolumeType.define(name)
    assert VolumeType.find(name) == VolumeType.find(silver.id) == silver
    assert VolumeType.get(silver.id) == silver
    assert silver in VolumeType.list()
    assert VolumeType.find('no-' + name) is None
    silver.delete()
    assert silver not in VolumeType.list()


@pytest.mark.parametrize('missing', ['nope', 5, None])
def test_get_names_the_known_types(name, missing):
    known = VolumeType.define(name)
    with pytest.raises(errors.NotFound, match=r"^volume type %s is not "
                       r"defined; define it first \(known: .*%s" % (
                           re.escape(repr(missing)), re.escape(name))):
        VolumeType.get(missing)
    known.delete()


def test_view_and_identity(name):
    plain = VolumeType.define(name, description='d')
    assert plain.to_dict() == {'id': plain.id, 'name': name,
                               'description': 'd', 'extra_specs': {},
                               'qos_specs': {}, 'multiattach': False}
    assert plain._type_identity() == (plain.id, name, 'd')
    assert repr(plain) == '<VolumeType %s>' % name
    with pytest.raises(TypeError):
        hash(plain)
    assert plain.volume_ids() == []
    plain.delete()
