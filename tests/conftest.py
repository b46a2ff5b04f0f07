from __future__ import annotations

import contextlib
import itertools
import json
import os
import re
import shutil
import socket
import sqlite3
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from click.testing import CliRunner
from hypothesis import settings as hypothesis_settings
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from monitor.cli import main

ROOT = Path(__file__).resolve().parents[1]

# No per-example deadline for the property tests: a deadline is a timing, and on a busy 2-core machine an
# example took 316 ms against hypothesis' default 200 ms (speed goals live in bench/, never in a test).
hypothesis_settings.register_profile("suite", deadline=None)
hypothesis_settings.load_profile("suite")
SEEDS = ROOT / "seeds"
EVAL_DIR = ROOT / "eval"
# The seed letters the tests use, by name: a letter a user drops into seeds/ (or the inbox) never changes a test.
SEED_LETTERS = (
    "2021-04-14-navo-raad-afghanistan.txt",
    "2021-05-12-defensie-terugkeer-afghanistan.txt",
    "2021-06-18-toekomstige-inzet-en-hulp-afghanistan.txt",
    "2021-08-26-jbz-raad-afghanistan.txt",
    "2026-07-10-antwoorden-kamervragen-eu-gesprekken-taliban.md",
)


def copy_seeds(dest: Path, names: tuple[str, ...] = SEED_LETTERS) -> Path:
    """Copy the named seed letters with their sidecars into ``dest``."""
    dest.mkdir(parents=True, exist_ok=True)
    for name in names:
        shutil.copy(SEEDS / name, dest / name)
        sidecar = SEEDS / (Path(name).stem + ".meta.toml")
        if sidecar.exists():
            shutil.copy(sidecar, dest / sidecar.name)
    return dest


# ---------------------------------------------------------------------------------------------- backends
# POLICY_MONITOR_TEST_DATABASE picks the backend of every test database: "sqlite" (default, a file in the
# test's tmp_path) or "postgresql" (a fresh, empty database per test on the server at
# POLICY_MONITOR_TEST_PG_URL, which `scripts/pg.sh run` starts and `make test-postgres` uses).
BACKEND = os.environ.get("POLICY_MONITOR_TEST_DATABASE", "sqlite").strip().lower() or "sqlite"
PG_SERVER_URL = os.environ.get("POLICY_MONITOR_TEST_PG_URL", "")
if BACKEND not in ("sqlite", "postgresql"):
    raise pytest.UsageError(f"POLICY_MONITOR_TEST_DATABASE={BACKEND!r}: expected sqlite or postgresql")
if BACKEND == "postgresql" and not PG_SERVER_URL:
    raise pytest.UsageError("POLICY_MONITOR_TEST_DATABASE=postgresql needs POLICY_MONITOR_TEST_PG_URL (a superuser URL); "
                            "`make test-postgres` starts a server and sets both")

# A test that checks something only one backend has says so with one of these.
sqlite_only = pytest.mark.skipif(BACKEND != "sqlite", reason="SQLite-specific: a database file, PRAGMAs, flock")
postgresql_only = pytest.mark.skipif(BACKEND != "postgresql", reason="PostgreSQL-specific")

_names = itertools.count(1)


class Databases:
    """Creates test databases on the chosen backend and drops the PostgreSQL ones afterwards."""

    def __init__(self, tmp_path: Path):
        self.tmp_path = tmp_path
        self.created: list[str] = []

    def new(self, name: str = "monitor", template: str | None = None) -> str:
        """The URL of a database no one has used: a new file name, or an empty PostgreSQL database.

        ``template``: the URL of a database to copy instead (nobody may be connected to it).
        """
        if BACKEND == "sqlite":
            path = self.tmp_path / f"{name}.db"
            if template is not None:  # into the main file first: an in-process run may leave its WAL unmerged
                source = make_url(template).database or ""
                with contextlib.closing(sqlite3.connect(source)) as con:
                    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                shutil.copy(source, path)
            return f"sqlite:///{path}"
        db = f"pmtest_{os.getpid()}_{next(_names)}"
        source = make_url(template).database if template is not None else "template0"
        with _pg_admin().connect() as conn:
            if template is not None:  # an in-process CLI run leaves pooled connections; a template needs none
                conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                  "WHERE datname = :db AND pid <> pg_backend_pid()"), {"db": source})
            conn.execute(text(f'CREATE DATABASE "{db}" TEMPLATE "{source}"'))
        self.created.append(db)
        return make_url(PG_SERVER_URL).set(database=db).render_as_string(hide_password=False)

    def drop_all(self) -> None:
        with _pg_admin().connect() as conn:
            for db in self.created:  # FORCE: a test's daemon or server that is still connected is not an error
                conn.execute(text(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)'))
        self.created.clear()


_admin_engine: Any = None


def _pg_admin() -> Any:
    global _admin_engine
    if _admin_engine is None:
        _admin_engine = create_engine(PG_SERVER_URL, isolation_level="AUTOCOMMIT", pool_size=1)
    return _admin_engine


@pytest.fixture()
def databases(tmp_path: Path) -> Iterator[Databases]:
    """``databases.new("name")``: further private databases for tests that need more than one."""
    dbs = Databases(tmp_path)
    yield dbs
    if dbs.created:
        dbs.drop_all()


_loose = Databases(Path("."))  # databases made by db_for(); dropped after each test by the autouse fixture
_by_path: dict[tuple[Path, str], str] = {}


def db_for(tmp_path: Path, name: str = "m") -> str:
    """The database URL that belongs to a test's ``tmp_path`` (the same URL on every call in that test)."""
    key = (tmp_path, name)
    if key not in _by_path:
        _by_path[key] = f"sqlite:///{tmp_path / name}.db" if BACKEND == "sqlite" else _loose.new(name)
    return _by_path[key]


@pytest.fixture(autouse=True)
def _drop_loose_databases() -> Iterator[None]:
    yield
    _by_path.clear()
    if _loose.created:
        _loose.drop_all()


# mutmut (`make mutate`) runs each mutant in a process forked from one that already ran the tests: a
# memoised result of the unmutated code (quantities(), modality(), features(), ...) would answer instead of
# the mutant, and its stats run would credit a function only to the first test that reached it. Under
# mutmut (MUTANT_UNDER_TEST is set) every test starts with the analysis caches empty; lexicon's simplemma
# lookups are not mutated and stay warm.
@pytest.fixture(autouse=True)
def _fresh_analysis_caches() -> None:
    if "MUTANT_UNDER_TEST" not in os.environ:
        return
    for name, module in list(sys.modules.items()):
        if (name == "monitor" or name.startswith("monitor.")) and name != "monitor.lexicon":
            for value in list(vars(module).values()):
                if callable(getattr(value, "cache_clear", None)) and getattr(value, "__module__", None) == name:
                    value.cache_clear()


def json_value(value: Any) -> Any:
    """A JSON column as read with plain SQL: SQLite hands back the text, PostgreSQL the parsed value."""
    return json.loads(value) if isinstance(value, (str, bytes)) else value


@pytest.fixture(scope="module")
def module_databases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Databases]:
    """Databases shared by the tests of one module (a corpus ingested once)."""
    dbs = Databases(tmp_path_factory.mktemp("databases"))
    yield dbs
    if dbs.created:
        dbs.drop_all()


def query(url: str, sql: str, **params: Any) -> list[tuple]:
    """Rows of one read-only SQL statement (through SQLAlchemy, so the same check runs on either backend)."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(text(sql), params)]
    finally:
        engine.dispose()


def database_exists(url: str) -> bool:
    """Has a policy-monitor process created this database's schema yet?"""
    if BACKEND == "sqlite":
        return Path(make_url(url).database or "").exists()
    return bool(scalar(url, "SELECT count(*) FROM pg_tables WHERE tablename = 'alembic_version'"))


def integrity_ok(url: str) -> bool:
    """SQLite's own integrity check; PostgreSQL has none to run from SQL (its WAL keeps it consistent)."""
    if BACKEND != "sqlite":
        return True
    return scalar(url, "PRAGMA integrity_check") == "ok"


def scalar(url: str, sql: str, **params: Any) -> Any:
    rows = query(url, sql, **params)
    return rows[0][0] if rows else None


def execute(url: str, sql: str, **params: Any) -> None:
    """One writing SQL statement, committed (for tests that damage or age a database on purpose)."""
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(text(sql), params)
    finally:
        engine.dispose()


def current_changes(url: str) -> list[tuple]:
    """Every current (not superseded) change, as readers see it, in a stable order."""
    rows = query(url,
                 "SELECT l.key, c.topic, c.kind, c.uid, c.published, c.significance, c.aspects, ns.uid, os.uid "
                 "FROM change c JOIN letter l ON l.id = c.letter_id LEFT JOIN statement ns ON ns.id = c.statement_id "
                 "LEFT JOIN statement os ON os.id = c.previous_statement_id WHERE c.superseded_at IS NULL")
    # rounded here, not in SQL: PostgreSQL has no round(double precision, int)
    return sorted((*r[:5], round(r[5], 9), *r[6:]) for r in rows)


def write_config(path: Path, inbox: Path, extra: str = "", inbox_seconds: int | None = None) -> Path:
    """The project's config.toml with ``inbox`` as the only inbox folder (plus ``extra`` TOML), at ``path``."""
    text = re.sub(r"^folders = .*$", f'folders = ["{inbox}"]', (ROOT / "config.toml").read_text(encoding="utf-8"),
                  count=1, flags=re.M)
    if inbox_seconds is not None:
        text = re.sub(r"^inbox_seconds = .*$", f"inbox_seconds = {inbox_seconds}", text, count=1, flags=re.M)
    path.write_text(text + "\n" + extra, encoding="utf-8")
    return path


def synthetic_letters(dest: Path, count: int = 3) -> list[Path]:
    """Re-dated, slightly edited copies of the May 2021 seed letter: new letters (new reference, date and
    numbers) that move the standing position, for tests that need more letters than the five seeds."""
    text = (SEEDS / "2021-05-12-defensie-terugkeer-afghanistan.txt").read_text(encoding="utf-8")
    out = []
    numbers = ("tien", "elf", "twaalf", "dertien", "veertien")
    for i in range(count):
        month = 9 + i  # September 2021 onwards: between the seeds of 2021 and 2026
        months = ("september", "oktober", "november", "december", "januari", "februari")
        body = (text.replace("Nr. 781", f"Nr. {790 + i}").replace("12 mei 2021", f"1 {months[i]} 2021")
                .replace("team van negen extra", f"team van {numbers[i]} extra")
                .replace("in juli 2021 voorzien", f"in {months[i + 1]} 2021 voorzien"))
        path = dest / f"2021-{month:02d}-01-vervolg-{i}.txt"
        path.write_text(body, encoding="utf-8")
        (dest / f"2021-{month:02d}-01-vervolg-{i}.meta.toml").write_text(
            f'title = "Vervolgbrief {i} over de terugkeer uit Afghanistan"\ndate = 2021-{month:02d}-01\n'
            f'kind = "brief"\nreference = "kst-27925-{790 + i}"\n', encoding="utf-8")
        out.append(path)
    return out


@pytest.fixture()
def db_url(databases: Databases) -> str:
    """A private, not yet created (SQLite) or empty (PostgreSQL) database on the backend under test."""
    return databases.new("monitor")


@pytest.fixture()
def seeds_copy(tmp_path: Path) -> Path:
    """The seed letters (with sidecars) in a private folder a test may change."""
    return copy_seeds(tmp_path / "inbox")


@pytest.fixture()
def cli(db_url: str, tmp_path: Path):
    """Run the real CLI against a private database and the project's config.toml."""
    runner = CliRunner()

    def run(*args: str, expect: int | None = 0):
        result = runner.invoke(main, ["--config", str(ROOT / "config.toml"), "--database", db_url, *args],
                               catch_exceptions=False)
        if expect is not None:
            assert result.exit_code == expect, result.output
        return result
    return run


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def served(app: Any, port: int | None = None, timeout: float = 60) -> Iterator[str]:
    """``app`` served by a real uvicorn on a loopback port (a thread of this process); yields its base URL.

    A server that never answers ``/healthz`` fails the test here, not as a confusing error later."""
    port = port or free_port()
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    while True:
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        assert thread.is_alive() and time.monotonic() < deadline, "the test server did not start"
        time.sleep(0.05)
    try:
        yield base
    finally:
        srv.should_exit = True
        thread.join(timeout=10)


_seeded_templates: dict[str, str] = {}
_loose_templates = Databases(Path("."))  # the per-process seeded template on PostgreSQL (dropped at exit)


def seed(url: str, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Fill the test's (new or empty) database ``url`` with the seed letters, ingested and analysed.

    The seeds are ingested through the real CLI once per test process, into a template; each test gets
    its own copy of it (a file copy on SQLite, ``CREATE DATABASE … TEMPLATE`` on PostgreSQL), so a test
    that only needs a seeded store does not pay an ingest. Sources point at the template's copy of the
    seed files (their names are the seeds' names)."""
    if BACKEND not in _seeded_templates:
        folder = tmp_path_factory.mktemp("seeded")
        template = (f"sqlite:///{folder / 'template.db'}" if BACKEND == "sqlite"
                    else _loose_templates.new("template"))
        result = CliRunner().invoke(main, ["--config", str(ROOT / "config.toml"), "--database", template, "ingest",
                                           str(copy_seeds(folder / "inbox"))], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        if BACKEND == "sqlite":  # everything in the main file, so a copy of that file is the whole store
            with contextlib.closing(sqlite3.connect(make_url(template).database or "")) as con:
                con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        _seeded_templates[BACKEND] = template
    template = _seeded_templates[BACKEND]
    if BACKEND == "sqlite":
        shutil.copy(make_url(template).database or "", make_url(url).database or "")
        return
    source, target = make_url(template).database, make_url(url).database
    with _pg_admin().connect() as conn:
        conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                          "WHERE datname IN (:a, :b) AND pid <> pg_backend_pid()"), {"a": source, "b": target})
        conn.execute(text(f'DROP DATABASE IF EXISTS "{target}"'))
        conn.execute(text(f'CREATE DATABASE "{target}" TEMPLATE "{source}"'))


@pytest.fixture(scope="session", autouse=True)
def _drop_seeded_template() -> Iterator[None]:
    yield
    if _loose_templates.created:
        _loose_templates.drop_all()


@pytest.fixture()
def seeded(db_url: str, tmp_path_factory: pytest.TempPathFactory) -> str:
    """``db_url``, filled with the seed letters (see :func:`seed`)."""
    seed(db_url, tmp_path_factory)
    return db_url


def get_dated(url: str) -> Any:
    """GET ``url`` once it carries a Last-Modified: a store changed this very second sends none yet."""
    r = httpx.get(url)
    if "last-modified" not in r.headers:
        time.sleep(1.1)
        r = httpx.get(url)
    return r
