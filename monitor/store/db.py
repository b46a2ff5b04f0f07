"""Engines, sessions and schema checks. SQLite gets WAL, foreign keys and a busy timeout."""
from __future__ import annotations

import contextlib
import hashlib
import datetime as dt
from pathlib import Path
from collections.abc import Iterable, Iterator
from typing import Any, TypeVar

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

T = TypeVar("T")
MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


class SchemaError(RuntimeError):
    """The database is not at the schema this code expects; the message says what to run."""


def masked(url: str) -> str:
    """The URL as it may be shown: the password replaced by ***."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return repr(url)


def connect_error(url: str, exc: BaseException) -> str:
    """One line for a database that cannot be reached: which one (password masked) and why."""
    if isinstance(exc, ImportError):  # the dialect's driver (psycopg) is not installed
        return (f"cannot open the database {masked(url)}: its driver is not installed ({exc.name or exc}): "
                "install it with `make setup` or `pip install 'policy-monitor[postgres]'`")
    orig = getattr(exc, "orig", None) or exc
    first = next((line.strip() for line in str(orig).splitlines() if line.strip()), type(orig).__name__)
    if any(word in first.lower() for word in DAMAGE_WORDS):
        return damaged(url, first)
    return f"cannot open the database {masked(url)}: {first}"


def damaged(url: str, problem: str) -> str:
    """The one line for a damaged store: which (the SQLite file, or the masked URL), why, and what to do."""
    u = make_url(url)
    shown = (u.database or url) if u.get_backend_name() == "sqlite" else masked(url)
    return (f"database {shown} is damaged ({problem}): restore it from a backup, then run "
            "`policy-monitor check` (docs/operations.md)")


# What SQLite says of a damaged file (sqlite3.DatabaseError messages); store.health uses them too.
DAMAGE_WORDS = ("malformed", "not a database", "disk image", "corrupt")


# Values bound in one IN (...): SQLite refuses more than 32,766 variables in one statement (`too many SQL
# variables`: export failed so on a letter of 159,589 statements), so lists that grow with the data are
# sent in chunks of this many.
CHUNK = 5000


def chunked(values: Iterable[T], size: int = CHUNK) -> Iterator[list[T]]:
    """``values`` in lists of at most ``size``, in order."""
    batch: list[T] = []
    for v in values:
        batch.append(v)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def as_utc(value: dt.datetime) -> dt.datetime:
    """SQLite hands back naive datetimes; everything we store is UTC."""
    return value.replace(tzinfo=dt.timezone.utc) if value.tzinfo is None else value.astimezone(dt.timezone.utc)


def _sqlite_pragmas(busy_ms: int) -> Any:
    def on_connect(dbapi_conn: Any, _record: Any) -> None:
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={busy_ms}")
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()
    return on_connect


def make_engine(url: str, readonly: bool = False, busy_timeout: float = 10.0) -> Engine:
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
        busy_ms = int(busy_timeout * 1000)
        event.listen(engine, "connect", _readonly_pragmas(busy_ms) if readonly else _sqlite_pragmas(busy_ms))
        return engine
    kwargs: dict[str, Any] = {"pool_pre_ping": True}
    if readonly:
        kwargs["execution_options"] = {"postgresql_readonly": True}
    try:
        return create_engine(url, **kwargs)
    except ImportError as exc:  # a missing driver is a message naming the database, never a traceback
        raise SchemaError(connect_error(url, exc)) from None


def _readonly_pragmas(busy_ms: int) -> Any:
    def on_connect(dbapi_conn: Any, _record: Any) -> None:
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout={busy_ms}")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA query_only=ON")
        cur.close()
    return on_connect


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


SCHEMA_LOCK_SQL = "SELECT pg_advisory_xact_lock(:k)"


def pg_key(name: str) -> int:
    """A stable signed 64-bit advisory-lock key; the database itself scopes it, so no URL part is in it.

    Here, not in :mod:`.lock`, which imports this module: both the schema lock and the writer lock use it.
    """
    digest = hashlib.sha256(f"policy-monitor {name}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def upgrade(engine: Engine) -> tuple[str | None, str]:
    """Upgrade to the Alembic head; returns (before, after) revisions. A newer database is a SchemaError.

    Serialised per database: on PostgreSQL an advisory lock (its own key, not
    the writer's, so a writer may migrate) is held around the whole
    upgrade, and the revision is read only once it is held; a second process
    then finds the schema made and has nothing to do, instead of failing on
    ``alembic_version``. SQLite serialises DDL by its write lock and every
    creating path holds the writer lock.
    """
    with contextlib.ExitStack() as stack:
        if engine.dialect.name == "postgresql":
            guard = stack.enter_context(engine.connect())
            # A transaction-level lock on a connection of its own, held open across the upgrade: it ends
            # with that transaction (rolled back when the connection goes back to the pool), so a pooled
            # connection can never keep it and block the next upgrade.
            stack.enter_context(guard.begin())
            guard.execute(text(SCHEMA_LOCK_SQL), {"k": pg_key("schema")})
        before = current_revision(engine)
        if before is not None and before not in _known_revisions():
            ensure_schema(engine)  # raises with the message that says what to do
        command.upgrade(alembic_config(engine), "head")
    return before, head_revision()


def _known_revisions() -> set[str]:
    return {s.revision for s in ScriptDirectory.from_config(alembic_config()).walk_revisions()}


def ensure_schema(engine: Engine, auto_create: bool = True) -> None:
    """Create the schema on a new, empty database; refuse one that is behind, ahead or unknown."""
    current = current_revision(engine)
    head = head_revision()
    if current == head:
        return
    if current is not None and current not in _known_revisions():
        raise SchemaError(f"the database schema is at revision {current}, which this version of policy-monitor "
                          f"does not know (it knows up to {head}): the database was made by a newer version; "
                          "run that version, or upgrade policy-monitor")
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


def open_database(url: str, *, create: bool, readonly: bool = False, busy_timeout: float = 10.0) -> Engine:
    """An engine on a policy-monitor database at the expected schema, or a SchemaError that names it.

    ``create``: a missing SQLite file (or an empty database) is created and
    migrated; otherwise a missing file is an error, so a mistyped path never
    turns into a new empty database. A garbage URL, a file that is not a
    database, or a schema that is behind or ahead are errors with a message,
    never a traceback.
    """
    try:
        u = make_url(url)
        if u.get_backend_name() == "sqlite" and not create:
            db = u.database or ""
            if db and db != ":memory:" and not db.startswith("file:") and not Path(db).is_file():
                raise SchemaError(f"no database at {db}: check --database, or create it with `policy-monitor migrate`")
        engine = make_engine(url, readonly=readonly, busy_timeout=busy_timeout)
    except ArgumentError as exc:  # includes NoSuchModuleError (an unknown dialect)
        raise SchemaError(f"database URL {masked(url)} is not usable: {exc}") from None
    try:
        ensure_schema(engine, auto_create=create)
    except SQLAlchemyError as exc:
        engine.dispose()
        raise SchemaError(connect_error(url, exc)) from None
    except SchemaError:
        engine.dispose()
        raise
    return engine
