"""Engines, sessions and schema checks. SQLite gets WAL, foreign keys and a busy timeout."""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


class SchemaError(RuntimeError):
    """The database is not at the schema this code expects; the message says what to run."""


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def as_utc(value: dt.datetime) -> dt.datetime:
    """SQLite hands back naive datetimes; everything we store is UTC."""
    return value.replace(tzinfo=dt.timezone.utc) if value.tzinfo is None else value.astimezone(dt.timezone.utc)


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def make_engine(url: str, readonly: bool = False) -> Engine:
    """An engine for ``url``; SQLite files get their folder created and WAL mode.

    ``readonly``: SQLite connections get ``PRAGMA query_only`` (any write fails),
    PostgreSQL ones run read-only transactions. The writer (daemon) and readers
    (web) can then share one WAL database safely.
    """
    u = make_url(url)
    if u.get_backend_name() == "sqlite":
        db = u.database or ""
        if db and db != ":memory:" and not db.startswith("file:") and not readonly:
            Path(db).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False})
        event.listen(engine, "connect", _readonly_pragmas if readonly else _sqlite_pragmas)
        return engine
    kwargs: dict[str, Any] = {"pool_pre_ping": True}
    if readonly:
        kwargs["execution_options"] = {"postgresql_readonly": True}
    return create_engine(url, **kwargs)


def _readonly_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA busy_timeout=10000")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA query_only=ON")
    cur.close()


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def alembic_config(engine: Engine | None = None) -> Config:
    if not (MIGRATIONS / "env.py").exists():
        raise SchemaError(f"migrations folder not found at {MIGRATIONS}; install the project with `pip install -e .`")
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if engine is not None:
        cfg.attributes["engine"] = engine
    return cfg


def head_revision() -> str:
    return ScriptDirectory.from_config(alembic_config()).get_current_head() or ""


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine) -> tuple[str | None, str]:
    """Upgrade to the Alembic head; returns (before, after) revisions."""
    before = current_revision(engine)
    command.upgrade(alembic_config(engine), "head")
    return before, head_revision()


def ensure_schema(engine: Engine, auto_create: bool = True) -> None:
    """Create the schema on a new, empty database; refuse one that is behind or unknown."""
    current = current_revision(engine)
    head = head_revision()
    if current == head:
        return
    if current is None:
        tables = inspect(engine).get_table_names()
        if not tables and auto_create:
            upgrade(engine)
            return
        if not tables:
            raise SchemaError("the database is empty: run `policy-monitor migrate` first")
        raise SchemaError(f"the database has tables ({', '.join(sorted(tables)[:5])}) but no Alembic revision: "
                          "it is not a policy-monitor database")
    raise SchemaError(f"the database schema is at revision {current}, this version needs {head}: "
                      "run `policy-monitor migrate`")
