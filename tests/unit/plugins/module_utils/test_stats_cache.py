# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""stats_cache: a backend's stats as the last refresh saved them (the fake
driver, memory_db persistence)."""

import datetime

from ansible_collections.openstack.cinderlib.plugins.module_utils import cinderlib as cl
from ansible_collections.openstack.cinderlib.plugins.module_utils import stats_cache


def test_nothing_cached_before_a_refresh(backend):
    assert stats_cache.cached(cl.Backend.persistence, backend.id) is None


def test_refresh_saves_what_cached_reads(backend):
    saved = stats_cache.refresh(backend, cl.Backend.persistence)
    assert saved['stats']['pools'][0]['total_capacity_gb'] == 50
    updated = datetime.datetime.fromisoformat(saved['updated_at'])
    assert updated.tzinfo is not None
    assert abs(datetime.datetime.now(datetime.timezone.utc) - updated) < \
        datetime.timedelta(minutes=5)
    assert stats_cache.cached(cl.Backend.persistence, backend.id) == saved
    # Saved per backend.
    assert stats_cache.cached(cl.Backend.persistence,
                              backend.id + '-other') is None


def test_a_refresh_replaces_the_saved_stats(backend):
    first = stats_cache.refresh(backend, cl.Backend.persistence)
    again = stats_cache.refresh(backend, cl.Backend.persistence)
    assert again['updated_at'] >= first['updated_at']
    assert stats_cache.cached(cl.Backend.persistence, backend.id) == again
    assert len(cl.Backend.persistence.get_key_values(
        stats_cache.KEY % backend.id)) == 1


def test_cached_reads_any_key_value_reader():
    class Reader:
        def get_key_values(self, key):
            assert key == 'cinderlib.stats.ceph'
            return [cl.KeyValue(key, '{"stats": {}, "updated_at": "t"}')]
    assert stats_cache.cached(Reader(), 'ceph') == {'stats': {},
                                                    'updated_at': 't'}
