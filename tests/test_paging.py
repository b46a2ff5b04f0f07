"""A page of changes or search hits (ids sorted and limited first, rows read after) is the slice of the whole list."""
from __future__ import annotations

import datetime as dt

from monitor.store import changes as change_store
from monitor.store import search as search_store
from tests.conftest import synthetic_letters
from tests.test_standing import ingest, session


def test_a_page_is_the_slice_of_the_whole_list(seeds_copy, db_url):
    synthetic_letters(seeds_copy, 3)
    ingest(db_url, seeds_copy)
    with session(db_url) as s:
        filters = (change_store.Filters(), change_store.Filters(topic="terugkeer", include_reaffirmed=True),
                   change_store.Filters(since=dt.date(2021, 6, 1), published=True, hide_rejected=True),
                   change_store.Filters(statement_ids=search_store.matching_ids(s, "terugkeer")))
        for f in filters:
            for newest_first in (True, False):
                whole = [v.record.id for v in change_store.changes(s, f, newest_first=newest_first)]
                assert len(whole) > 7
                for offset in (0, 3, len(whole) - 2):
                    page = change_store.changes(s, f, limit=5, offset=offset, newest_first=newest_first)
                    assert [v.record.id for v in page] == whole[offset:offset + 5]
        for q in ("terugkeer", "afghanistan kabinet"):
            hits, n = search_store.search_statements(s, q, 10_000)
            assert n == len(hits) > 7
            for offset in (0, 3, n - 2):
                page, total = search_store.search_statements(s, q, 5, offset)
                assert total == n and [h.statement.id for h in page] == [h.statement.id for h in hits][offset:offset + 5]
