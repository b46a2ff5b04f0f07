"""Remote source adapters: Tweede Kamer OData and SyncFeed, KOOP SRU. See shared/sources.md.

The adapters live in :mod:`.odata`, :mod:`.syncfeed` and :mod:`.sru`; one poll
is driven by :func:`.poll.poll_source`. This module keeps the names callers import.
"""
from __future__ import annotations

from .common import PageError, RemoteDoc
from .odata import TkOData
from .poll import ADAPTERS, NotModified, PollResult, adapter_first_url, poll_source
from .sru import KoopSru
from .syncfeed import TkSyncFeed

__all__ = ["ADAPTERS", "KoopSru", "NotModified", "PageError", "PollResult", "RemoteDoc", "TkOData", "TkSyncFeed",
           "adapter_first_url", "poll_source"]
