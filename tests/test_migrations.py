from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from monitor.store.db import alembic_config, current_revision, head_revision, make_engine, upgrade
from monitor.store.models import Base
from monitor.store.search import is_search_object


def test_empty_database_upgrades_to_head_and_matches_the_models(db_url):
    engine = make_engine(db_url)
    before, after = upgrade(engine)
    assert before is None and after == head_revision() == current_revision(engine)
    with engine.connect() as conn:
        # the search index is no model: FTS5's virtual and shadow tables (SQLite) and the GIN index (PostgreSQL)
        # are left out of the comparison
        ctx = MigrationContext.configure(conn, opts={"include_name": lambda name, type_, _: not
                                                     is_search_object(name, type_)})
        diff = compare_metadata(ctx, Base.metadata)
        assert diff == []
        if engine.dialect.name == "sqlite":  # SQLite only: WAL and foreign keys are per-connection settings
            assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
    command.downgrade(alembic_config(engine), "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
