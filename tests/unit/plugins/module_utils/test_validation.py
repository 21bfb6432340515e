# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""validation: the checks of sizes, ids, references and listing options."""
import uuid

import pytest

from ansible_collections.openstack.cinderlib.plugins.module_utils import errors
from ansible_collections.openstack.cinderlib.plugins.module_utils import validation


@pytest.mark.parametrize('size, expected', [(1, 1), ('3', 3), (' 4 ', 4),
                                            (2.0, 2)])
def test_size_gib_accepts_whole_numbers(size, expected):
    assert validation.size_gib(size) == expected


@pytest.mark.parametrize('size', [0, -1, 1.5, 'x', None, True, '2.5'])
def test_size_gib_names_the_field(size):
    with pytest.raises(errors.InvalidInput,
                       match='new_size must be a whole number of GiB'):
        validation.size_gib(size, 'new_size')


def test_resource_id():
    assert uuid.UUID(validation.resource_id(None, 'volume'))
    given = str(uuid.uuid4())
    assert validation.resource_id(given.upper(), 'volume') == given
    with pytest.raises(errors.InvalidInput, match='non_uuid_ids=True'):
        validation.resource_id('vol-1', 'volume')
    assert validation.resource_id('vol-1', 'volume', non_uuid_ids=True) == \
        'vol-1'
    with pytest.raises(errors.InvalidInput, match='1 to 255 characters'):
        validation.resource_id('x' * 256, 'volume', non_uuid_ids=True)


def test_existing_reference():
    assert validation.existing_reference({'source-name': 'a'}, 'volume') == \
        {'source-name': 'a'}
    for bad in ({}, {'source-name': ''}, 'a', {'name': 'a'}):
        with pytest.raises(errors.InvalidInput, match='existing_ref must '
                           'name the volume'):
            validation.existing_reference(bad, 'volume')


def test_listing_options():
    assert validation.whole_number(0, 'limit') == 0
    for bad in (-1, True, '3'):
        with pytest.raises(errors.InvalidInput, match='limit must be'):
            validation.whole_number(bad, 'limit')
    assert validation.string_list(None, 'k', ('a', 'b')) == []
    assert validation.string_list('a', 'k', ('a', 'b')) == ['a']
    assert validation.string_list(('a', 'b'), 'k', ('a', 'b')) == ['a', 'b']
    with pytest.raises(errors.InvalidInput, match="k: 'c' not valid"):
        validation.string_list(['c'], 'k', ('a', 'b'))


def test_backend_identity_of_a_module_option_names_its_fields():
    assert validation.backend_identity('ceph', 'x.Driver', 'backend') == (
        'ceph', 'x.Driver')
    with pytest.raises(errors.InvalidConfiguration,
                       match=r'^backend\.volume_backend_name is required: '
                             r'a name for this backend'):
        validation.backend_identity('', 'x.Driver', 'backend')
    with pytest.raises(errors.InvalidConfiguration,
                       match=r'^backend\.volume_driver is required: the '
                             r'Python path'):
        validation.backend_identity('ceph', ['x'], 'backend')


def test_backend_identity_of_the_core_names_the_backend():
    with pytest.raises(errors.InvalidConfiguration,
                       match=r'^volume_backend_name is required: '):
        validation.backend_identity(None, 'x.Driver')
    with pytest.raises(errors.InvalidConfiguration,
                       match=r'^backend ceph: volume_driver is required: '):
        validation.backend_identity('ceph', None)
