# -*- coding: utf-8 -*-
# Copyright: contributors to the openstack.cinderlib collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Cinder's extra-spec names and values that both layers read.

Cinder-free: the modules' read path (records, converge) decides from them
without loading Cinder; cinder_service.volume_types builds the types
drivers get with them.
"""

# Cinder's extra spec for multiattach types, and its "true" value.
MULTIATTACH_SPEC = 'multiattach'
SPEC_TRUE = '<is> True'


def is_multiattach_spec(extra_specs):
    """Whether extra specs make a multiattach type."""
    return (extra_specs or {}).get(MULTIATTACH_SPEC) == SPEC_TRUE
