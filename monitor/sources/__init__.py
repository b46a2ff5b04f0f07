"""Where letters come from: the inbox folders (:mod:`.folder`) and remote services as plug-ins.

A remote service is a :class:`.base.Source` (Tweede Kamer OData :mod:`.odata`, SyncFeed :mod:`.syncfeed`,
KOOP SRU :mod:`.sru`) registered in :mod:`.registry`; :mod:`monitor.polling` drives one poll of one. This package
knows nothing of the store or the configuration file: it is handed a :class:`.base.SourceSpec` and a fetcher.
"""
