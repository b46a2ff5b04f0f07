"""What every ``policy-monitor`` command shares: the context (settings, engine, writer lock) and progress bars.

Its own module so that the command modules (:mod:`monitor.cli`, :mod:`monitor.cli_review`) import it and not
each other: ``cli`` adds the command groups of ``cli_review`` to ``main``.
"""
from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import click

# The configuration, the store (SQLAlchemy, Alembic) and the analysis are imported where a command first needs
# them, not here: `policy-monitor --version` and `--help` import this module and must answer at once.
if TYPE_CHECKING:
    from .config import Settings


class ConfigProblem(click.ClickException):
    """A configuration that cannot be run: exit status 2, like a usage error."""

    exit_code = 2


@dataclass
class Ctx:
    config: str | None
    database: str | None
    wait: float = 30.0
    _settings: Settings | None = None
    _engine: Any = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            from .config import ConfigError, load_settings
            try:
                self._settings = load_settings(self.config, database_url=self.database)
            except ConfigError as exc:
                raise click.UsageError(f"config: {exc}") from None
        return self._settings

    def engine(self, create: bool = False) -> Any:
        """The database engine. Only writing commands (``create``) may create a missing database."""
        if self._engine is None:
            from .store.db import SchemaError, open_database
            try:
                db = self.settings.database
                self._engine = open_database(db.url, create=create, busy_timeout=db.busy_timeout_seconds)
            except SchemaError as exc:
                raise click.ClickException(str(exc)) from None
        return self._engine

    def sessions(self, create: bool = False) -> Any:
        from .store.db import session_factory
        return session_factory(self.engine(create))

    @contextmanager
    def writing(self) -> Iterator[None]:
        """Hold the database's single-writer lock (waiting up to ``--wait`` seconds) for the block."""
        from sqlalchemy.exc import ArgumentError

        from .store.db import SchemaError, masked
        from .store.lock import WriterBusy, WriterLock
        url = self.settings.database.url
        try:
            lock = WriterLock(url, self.settings.root / "var", wait=self.wait)
            lock.acquire()
        except (WriterBusy, SchemaError) as exc:  # SchemaError: no driver, or the server cannot be reached
            raise click.ClickException(str(exc)) from None
        except ArgumentError as exc:
            raise click.ClickException(f"database URL {masked(url)} is not usable: {exc}") from None
        try:
            from .store import health
            try:  # never write into a damaged store: that makes the damage worse and hides it
                if not health.unchanged_since_written(url):  # (the last writer's own output was checked)
                    health.check_before_writing(url, self.settings.database.busy_timeout_seconds)
            except health.DamagedDatabase as exc:
                raise click.ClickException(str(exc)) from None
            health.forget_written(url)
            yield
            self.close()  # the last connection closed: SQLite folds the log into the file, which is then final
            health.record_written(url)
        finally:
            lock.release()

    def close(self) -> None:
        """Close the database's connections (the next use opens them again)."""
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None

    def analyse(self, full: bool = False, note: str = "", ingested: Any = None) -> str:
        """Bring the analysis up to date (or redo it all); the caller holds the writer lock. ``ingested``: what
        the ingest before analysed (:class:`monitor.ingest_analysis.IngestAnalysis`)."""
        from sqlalchemy.exc import SQLAlchemyError

        from .process import EmptyScheme, analyse_letters
        from .store.db import utcnow
        try:
            return analyse_letters(self.sessions(), self.settings, utcnow(), None if full else [], note=note,
                                   progress=letter_bar, ingested=ingested)
        except EmptyScheme as exc:
            raise ConfigProblem(f"config: {exc}") from None
        except SQLAlchemyError as exc:  # what is unfinished stays marked due: the next run finishes it
            raise click.ClickException(f"analysis not finished, the next ingest, analyse or run finishes it: "
                                       f"database error: {str(getattr(exc, 'orig', exc)).splitlines()[0]}") from None


pass_ctx = click.make_pass_decorator(Ctx)


def make_bar(label: str, total: int, unit: str, items: list[Any] | None = None) -> Any:
    from tqdm import tqdm
    # no monitor thread: the CLI stays one thread, so its letters' reading processes are plain forks of it
    # (monitor.parseworker), not children of a fork server it would first have to start
    tqdm.monitor_interval = 0
    # disable=None: a bar on a terminal, silence in logs and pipes (and for a handful of items)
    return tqdm(items, total=total, desc=label, unit=unit, disable=None if total > 3 else True, file=sys.stderr)


def letter_bar(label: str, total: int) -> Callable[[], None]:
    """A progress bar for one analysis step over ``total`` letters (on a terminal, for more than 3)."""
    bar = make_bar(label, total, "letter")

    def tick() -> None:
        bar.update(1)
        if bar.n >= total:
            bar.close()
    return tick
