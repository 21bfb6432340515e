# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""type_specs: Cinder's multiattach extra spec, read without Cinder."""

import pytest

from ansible_collections.openstack.cinderlib.plugins.module_utils import type_specs


@pytest.mark.parametrize('extra_specs, multiattach', [
    ({'multiattach': '<is> True'}, True),
    ({'multiattach': '<is> False'}, False),
    ({'multiattach': 'True'}, False),      # Cinder reads only '<is> True'
    ({}, False), (None, False),
])
def test_is_multiattach_spec(extra_specs, multiattach):
    assert type_specs.is_multiattach_spec(extra_specs) is multiattach


def test_the_core_reads_the_same_spec():
    from ansible_collections.openstack.cinderlib.plugins.module_utils.resources import volume_day2
    assert volume_day2.is_multiattach_spec is type_specs.is_multiattach_spec
    assert (volume_day2.MULTIATTACH_SPEC, volume_day2.SPEC_TRUE) == (
        type_specs.MULTIATTACH_SPEC, type_specs.SPEC_TRUE)
