"""Alembic environment: the engine comes from monitor (never a URL in this folder).

Programmatic callers pass ``config.attributes["engine"]``; the ``alembic`` CLI
falls back to monitor's settings (config.toml, MONITOR_DATABASE_URL).
"""
from __future__ import annotations

from alembic import context

from monitor.store.models import Base
from monitor.store.search import is_search_object

target_metadata = Base.metadata


def include_name(name, type_, parent_names) -> bool:  # noqa: ANN001 - alembic's hook signature
    # the search index (FTS5 and its shadow tables) is made by a migration, not from the models
    return not is_search_object(name, type_)


def _engine():
    engine = context.config.attributes.get("engine")
    if engine is None:
        from monitor.config import load_settings
        from monitor.store.db import make_engine
        engine = make_engine(load_settings().database.url)
    return engine


def run_migrations_offline() -> None:
    from monitor.config import load_settings
    context.configure(url=load_settings().database.url, target_metadata=target_metadata,
                      literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    with _engine().connect() as connection:
        # batch mode: SQLite cannot ALTER most things in place
        context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True,
                          include_name=include_name)
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
