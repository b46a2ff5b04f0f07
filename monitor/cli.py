"""``policy-monitor``: a thin command line over the library.

Every command takes ``--config FILE`` and ``--database URL`` (also
``MONITOR_CONFIG`` / ``MONITOR_DATABASE_URL``). Exit status: 0 on success,
1 when some input failed (reported, the rest done), 2 on a usage or
configuration error.
"""
from __future__ import annotations

import logging
import sys
from dataclasses import dataclass, field
from typing import Any

import click

from .config import ConfigError, Settings, load_settings
from .store.db import SchemaError, ensure_schema, make_engine, session_factory, upgrade, utcnow


@dataclass
class Ctx:
    config: str | None
    database: str | None
    _settings: Settings | None = None
    _engine: Any = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            try:
                self._settings = load_settings(self.config, database_url=self.database)
            except ConfigError as exc:
                raise click.UsageError(f"config: {exc}") from None
        return self._settings

    def engine(self, create: bool = True) -> Any:
        if self._engine is None:
            self._engine = make_engine(self.settings.database.url)
            try:
                ensure_schema(self._engine, auto_create=create)
            except SchemaError as exc:
                raise click.ClickException(str(exc)) from None
        return self._engine

    def sessions(self) -> Any:
        return session_factory(self.engine())


pass_ctx = click.make_pass_decorator(Ctx)


@click.group()
@click.option("--config", "config", type=click.Path(dir_okay=False), default=None, envvar="MONITOR_CONFIG",
              help="Config file (default ./config.toml).")
@click.option("--database", "database", default=None, metavar="URL",
              help="Database URL, e.g. sqlite:///var/monitor.db (overrides config and MONITOR_DATABASE_URL).")
@click.option("-v", "--verbose", is_flag=True, help="Log debug detail.")
@click.version_option(package_name="policy-monitor")
@click.pass_context
def main(ctx: click.Context, config: str | None, database: str | None, verbose: bool) -> None:
    """Watch Dutch government letters to parliament and report position changes per topic."""
    # Commands report outcomes themselves; the log adds detail only with -v.
    logging.basicConfig(level=logging.DEBUG if verbose else logging.CRITICAL,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    ctx.obj = Ctx(config, database)


@main.command()
@pass_ctx
def migrate(ctx: Ctx) -> None:
    """Upgrade the database to the newest schema (Alembic head)."""
    engine = make_engine(ctx.settings.database.url)
    before, after = upgrade(engine)
    click.echo(f"database at {after}" + (f" (was {before})" if before != after else " (already current)"))


def _progress(items: list[Any], label: str) -> Any:
    from tqdm import tqdm
    # disable=None: a bar on a terminal, silence in logs and pipes
    return tqdm(items, desc=label, unit="file", disable=None if len(items) > 3 else True, file=sys.stderr)


def run_ingest(ctx: Ctx, paths: tuple[str, ...] | list[str]) -> list[Any]:
    from .ingest import ingest_one
    from .sources.folder import candidate_for, discover

    settings = ctx.settings
    max_bytes = int(settings.inbox.max_file_mb * 1024 * 1024)
    sessions = ctx.sessions()
    files = discover(paths, settings.inbox.extensions)
    now = utcnow()
    results = []
    for path in _progress(files, "ingest"):
        from .sources.base import Candidate
        cand = (candidate_for(path, max_bytes) if path.exists()
                else Candidate("folder", str(path), path.name, error="no such file or folder"))
        result = ingest_one(sessions, cand, now, max_bytes)
        results.append(result)
        colour = {"error": "red", "stored": "green", "new_version": "green"}.get(result.outcome)
        prefix = click.style(f"{result.outcome:>11}", fg=colour)
        stream_err = result.failed
        click.echo(f"{prefix}  {result.locator}: {result.message}", err=stream_err)
    return results


@main.command()
@click.argument("paths", nargs=-1, type=click.Path())
@pass_ctx
def ingest(ctx: Ctx, paths: tuple[str, ...]) -> None:
    """Ingest letter files or folders (default: the configured inbox folders)."""
    targets = list(paths) or list(ctx.settings.inbox.folders)
    results = run_ingest(ctx, targets)
    failed = sum(r.failed for r in results)
    stored = sum(r.changed for r in results)
    click.echo(f"{len(results)} files: {stored} stored or updated, "
               f"{len(results) - stored - failed} already known, {failed} failed")
    _after_ingest(ctx, results)
    if failed:
        sys.exit(1)


def _after_ingest(ctx: Ctx, results: list[Any]) -> None:
    """Run the analysis stages for what changed (everything, if the analysis configuration changed)."""
    from .process import analyse_letters
    changed = [r.letter_id for r in results if r.changed and r.letter_id is not None]
    summary = analyse_letters(ctx.sessions(), ctx.settings, utcnow(), changed)
    if summary:
        click.echo(summary)


@main.command()
@pass_ctx
def letters(ctx: Ctx) -> None:
    """List stored letters in letter-date order."""
    from .store import queries
    with ctx.sessions()() as session:
        counts = queries.statement_counts(session)
        rows = queries.letters(session)
        if not rows:
            click.echo("no letters stored yet: run `policy-monitor ingest`")
            return
        click.echo(f"{'date':10}  {'key':28}  {'kind':22}  {'stmts':>5}  title")
        for l in rows:
            date = l.date.isoformat() if l.date else "(undated)"
            click.echo(f"{date:10}  {l.key[:28]:28}  {l.kind[:22]:22}  {counts.get(l.id, 0):>5}  {l.title[:70]}")


@main.command()
@click.argument("letter")
@pass_ctx
def show(ctx: Ctx, letter: str) -> None:
    """Show a letter's statements with their sections."""
    from .store import queries
    with ctx.sessions()() as session:
        row = queries.find_letter(session, letter)
        if row is None:
            raise click.ClickException(f"no letter {letter!r}: see `policy-monitor letters`")
        click.echo(f"{row.key}  {row.date or '(undated)'}  {row.kind}\n{row.title}\n{row.sender}")
        for src in queries.sources(session, row):
            click.echo(f"  source: {src.locator}")
        section = None
        for s in queries.statements(session, row):
            if s.section != section and s.kind != "heading":
                section = s.section
            if s.kind == "heading":
                section = s.section
                click.echo("\n" + click.style(f"## {s.text}", bold=True))
                continue
            tag = f"[{s.role or s.kind}]" if s.kind != "paragraph" else ""
            click.echo(f"{s.position:4d} {s.uid}  {tag}{s.text}")
        for fn in queries.footnotes(session, row):
            click.echo(f"  [{fn.number}] {fn.text}")


@main.command()
@click.option("--output", "-o", default="export.json", show_default=True, help="File to write, or - for stdout.")
@pass_ctx
def export(ctx: Ctx, output: str) -> None:
    """Export letters, statements, topics and changes as JSON (the eval format)."""
    from .export import write_export
    with ctx.sessions()() as session:
        data = write_export(session, output)
    if output != "-":
        click.echo(f"wrote {output}: {len(data['letters'])} letters, "
                   f"{sum(len(l['statements']) for l in data['letters'])} statements, {len(data['changes'])} changes")


@main.command()
@click.option("--note", default="", help="A note recorded with the analysis run.")
@pass_ctx
def analyse(ctx: Ctx, note: str) -> None:
    """Re-run the analysis (topics, position changes) over all stored letters, e.g. after a config change."""
    from .process import analyse_letters
    click.echo(analyse_letters(ctx.sessions(), ctx.settings, utcnow(), None, note=note or "manual re-run"))


@main.command()
@click.argument("letter")
@click.option("--all", "show_all", is_flag=True, help="Also statements without a topic.")
@pass_ctx
def topics(ctx: Ctx, letter: str, show_all: bool) -> None:
    """Show a letter's statements with their topics and the evidence for each."""
    from .store import analysis, queries
    with ctx.sessions()() as session:
        row = queries.find_letter(session, letter)
        if row is None:
            raise click.ClickException(f"no letter {letter!r}: see `policy-monitor letters`")
        records = queries.statements(session, row)
        assigned = analysis.topic_rows(session, [r.id for r in records])
        click.echo(f"{row.key}  {row.date or '(undated)'}  {row.title}")
        for r in records:
            rows = assigned.get(r.id, [])
            if not rows and not show_all:
                continue
            labels = ", ".join(f"{a.topic} {a.score:g}" for a in rows) or "-"
            click.echo(f"\n{r.position:4d} [{labels}] {r.text}")
            for a in rows:
                for e in a.evidence:
                    detail = "/".join(e.get("terms", [])) or e.get("source", "")
                    extra = f" ({e['source']})" if e.get("terms") and e.get("source") else ""
                    click.echo(f"       {a.topic}: {e['rule']}: {detail}{extra}")


@main.command(name="log")
@click.option("--limit", default=30, show_default=True)
@click.option("--errors", is_flag=True, help="Only failures.")
@pass_ctx
def log_cmd(ctx: Ctx, limit: int, errors: bool) -> None:
    """Show the ingest log: what was tried, with what outcome."""
    from .store import queries
    with ctx.sessions()() as session:
        for row in queries.ingest_log(session, limit=limit, outcome="error" if errors else None):
            click.echo(f"{row.at:%Y-%m-%d %H:%M:%S}  {row.outcome:>11}  {row.locator}: {row.message}")


if __name__ == "__main__":  # pragma: no cover
    main()
