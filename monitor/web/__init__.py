"""The web layer, one module per concern over shared query functions (:mod:`monitor.store`):

* :mod:`.feeds` — Atom feeds (rendering shared with :mod:`monitor.publish`);
* :mod:`.pages` — Dutch HTML pages from Jinja2 templates in ``templates/``;
* :mod:`.jsonapi` — the read-only JSON API;
* :mod:`.common` — what they share: request parameters, caches, the render slots.

:func:`monitor.api.create_app` puts the routes together.
"""
