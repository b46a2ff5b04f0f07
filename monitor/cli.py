"""``policy-monitor``: a thin command line over the library.

Every command takes ``--config FILE`` and ``--database URL`` (also
``MONITOR_CONFIG`` / ``MONITOR_DATABASE_URL``). Exit status: 0 on success,
1 when some input failed (reported, the rest done), 2 on a usage or
configuration error.
"""
from __future__ import annotations

import logging
import sys
from typing import Any

import click

# Only what every command needs at start-up: `--version` and `--help` must answer at once, so SQLAlchemy,
# Alembic, Starlette and the analysis are imported by the commands that use them (tests/test_cli_startup.py).
from . import cli_review, cli_subjects
from .cli_subjects import followed_subject
from .cli_context import ConfigProblem, Ctx, make_bar, pass_ctx
from .model import ChangeKind


class _Commands(click.Group):
    """The command group: an error from a damaged database is one line naming it and what to do, never a
    traceback (export on a damaged file ended in 21 frames)."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except Exception as exc:
            from sqlalchemy.exc import DBAPIError  # here: --version and --help import no SQLAlchemy
            if not isinstance(exc, DBAPIError):
                raise
            from .store.health import damaged_message, first_line, is_damage, where
            obj = ctx.obj if isinstance(ctx.obj, Ctx) else None
            url = obj.settings.database.url if obj is not None and obj._settings is not None else ""
            if is_damage(exc):
                raise click.ClickException(damaged_message(url, first_line(exc)) if url else
                                           f"the database is damaged ({first_line(exc)}): restore it from a "
                                           "backup, then run `policy-monitor check`") from None
            raise click.ClickException(f"database error on {where(url) if url else 'the database'}: "
                                       f"{first_line(exc)}") from None


@click.group(cls=_Commands)
@click.option("--config", "config", type=click.Path(dir_okay=False), default=None, envvar="MONITOR_CONFIG",
              help="Config file (default ./config.toml).")
@click.option("--database", "database", default=None, metavar="URL",
              help="Database URL, e.g. sqlite:///var/monitor.db (overrides config and MONITOR_DATABASE_URL).")
@click.option("--wait", "wait", default=30.0, show_default=True, type=click.FloatRange(0, 86400), metavar="SECONDS",
              help="How long a writing command waits while another writer (a daemon, another ingest) runs.")
@click.option("-v", "--verbose", is_flag=True, help="Log debug detail.")
@click.version_option(package_name="policy-monitor")
@click.pass_context
def main(ctx: click.Context, config: str | None, database: str | None, wait: float, verbose: bool) -> None:
    """Watch Dutch government letters to parliament and report position changes per topic."""
    # Commands report outcomes themselves; the log adds detail only with -v.
    logging.basicConfig(level=logging.DEBUG if verbose else logging.CRITICAL,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    ctx.obj = Ctx(config, database, wait)


@main.command()
@pass_ctx
def migrate(ctx: Ctx) -> None:
    """Upgrade the database to the newest schema (Alembic head); creates it if missing."""
    from sqlalchemy.exc import ArgumentError, SQLAlchemyError

    from .store.db import SchemaError, make_engine, upgrade
    try:
        engine = make_engine(ctx.settings.database.url, busy_timeout=ctx.settings.database.busy_timeout_seconds)
        with ctx.writing():
            before, after = upgrade(engine)
    except (SchemaError, ArgumentError) as exc:
        raise click.ClickException(str(exc)) from None
    except SQLAlchemyError as exc:
        raise click.ClickException(f"cannot migrate the database: {str(getattr(exc, 'orig', exc)).splitlines()[0]}") \
            from None
    click.echo(f"database at {after}" + (f" (was {before})" if before != after else " (already current)"))


def run_ingest(ctx: Ctx, paths: tuple[str, ...] | list[str]) -> tuple[list[Any], Any]:
    """The results of ingesting ``paths``, and the analysis made while ingesting (for :meth:`Ctx.analyse`)."""
    from .ingest import inbox_candidates, ingest_many
    from .ingest_analysis import IngestAnalysis
    from .store.db import utcnow
    from .workers import count

    settings = ctx.settings
    max_bytes = int(settings.inbox.max_file_mb * 1024 * 1024)
    sessions = ctx.sessions(create=True)
    candidates = list(inbox_candidates(paths, settings.inbox.extensions, max_bytes))
    now = utcnow()
    results = []
    bar = make_bar("ingest", len(candidates), "file")
    # parsed and analysed on the workers, stored here in order (with no topics configured, the analysis after
    # the ingest refuses to run, and says why)
    workers = count(settings.analysis.workers)
    # with two workers or more, the changes are computed in a process of their own beside the writer
    analysis = IngestAnalysis(settings, sessions, now, pipelined=workers >= 2) if settings.topics else None
    for result in ingest_many(sessions, candidates, now, max_bytes, workers, settings.limits, analysis):
        results.append(result)
        bar.update(1)
        colour = {"error": "red", "stored": "green", "new_version": "green"}.get(result.outcome)
        line = f"{click.style(f'{result.outcome:>11}', fg=colour)}  {result.locator}: {result.message}"
        if bar.disable:
            click.echo(line, err=result.failed)
        else:  # above the bar, not through it
            bar.write(line, file=sys.stderr if result.failed else sys.stdout)
    bar.close()
    return results, analysis


@main.command()
@click.argument("paths", nargs=-1, type=click.Path())
@pass_ctx
def ingest(ctx: Ctx, paths: tuple[str, ...]) -> None:
    """Ingest letter files or folders (default: the configured inbox folders).

    Unfinished analysis (a run that was killed) is finished first; then the
    files are stored and what changed is analysed (everything, if the analysis
    configuration changed).
    """
    targets = list(paths) or list(ctx.settings.inbox.folders)
    with ctx.writing():  # before creating the database: two first ingests must not both create it
        ctx.engine(create=True)
        try:
            resumed = ctx.analyse()
            if resumed:
                click.echo(f"finished unfinished analysis: {resumed}")
        except ConfigProblem:
            raise
        except click.ClickException as exc:  # the files are still tried
            click.echo(f"Error: {exc.message}", err=True)
        results, analysed = run_ingest(ctx, targets)
        failed = sum(r.failed for r in results)
        stored = sum(r.changed for r in results)
        click.echo(f"{len(results)} files: {stored} stored or updated, "
                   f"{len(results) - stored - failed} already known, {failed} failed")
        summary = ctx.analyse(ingested=analysed)
        if summary:
            click.echo(summary)
    if failed:
        sys.exit(1)


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
        if row.withdrawn_at is not None:
            click.echo(click.style(f"  withdrawn {row.withdrawn_at:%Y-%m-%d}: {row.withdrawn_note}", fg="red"))
        from .store import attachments
        for att in attachments.of_letter(session, row):
            click.echo(f"  attachment: {att.key}  {att.title}")
        for s in queries.statements(session, row):
            if s.kind == "heading":
                click.echo("\n" + click.style(f"## {s.text}", bold=True))
                continue
            tag = f"[{s.role or s.kind}]" if s.kind != "paragraph" else ""
            click.echo(f"{s.position:4d} {s.uid}  {tag}{s.text}")
        for fn in queries.footnotes(session, row):
            click.echo(f"  [{fn.number}] {fn.text}")


@main.command()
@click.option("--output", "-o", default="-", show_default=True,
              help="File to write; - (the default) writes to stdout, never a file in the current folder.")
@click.option("--with-rejected", is_flag=True,
              help="Also export the changes analysts rejected or merged, each with its verdict (left out by default).")
@pass_ctx
def export(ctx: Ctx, output: str, with_rejected: bool) -> None:
    """Export letters, statements, topics and changes as JSON (the eval format)."""
    from .export import write_export
    with ctx.sessions()() as session:
        data = write_export(session, output, ctx.settings.subject_keys(), with_rejected)
    if output != "-":
        click.echo(f"wrote {output}: {len(data['letters'])} letters, "
                   f"{sum(len(l['statements']) for l in data['letters'])} statements, {len(data['changes'])} changes")


@main.command()
@click.option("--note", default="", help="A note recorded with the analysis run.")
@pass_ctx
def analyse(ctx: Ctx, note: str) -> None:
    """Re-run the analysis (topics, position changes) over all stored letters, e.g. after a config change."""
    ctx.engine()
    with ctx.writing():
        click.echo(ctx.analyse(full=True, note=note or "manual re-run"))


@main.command()
@click.argument("letter", required=False)
@click.option("--all", "show_all", is_flag=True, help="Also statements without a topic.")
@click.option("--explain", "explain", metavar="STATEMENT",
              help="Why one statement (its id, s-…) got or missed each topic: the whole evidence chain.")
@pass_ctx
def topics(ctx: Ctx, letter: str | None, show_all: bool, explain: str | None) -> None:
    """Show a letter's statements with their topics and the evidence for each."""
    from .store import analysis, queries
    if explain:
        _explain(ctx, explain)
        return
    if not letter:
        raise click.UsageError("give a LETTER, or --explain STATEMENT")
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


def _explain(ctx: Ctx, uid: str) -> None:
    """Recompute one statement's topics from its letter, with the current configuration, and say why."""
    from sqlalchemy import select

    from .process import scheme_for
    from .store import analysis
    from .store.models import Letter, LetterVersion, StatementRecord
    from .topics import LetterContext
    with ctx.sessions()() as session:
        rec = session.scalar(select(StatementRecord).where(StatementRecord.uid == uid)
                             .order_by(StatementRecord.id.desc()).limit(1))
        if rec is None:
            raise click.ClickException(f"no statement {uid!r}: statement ids (s-…) are in `export` and the API")
        version = session.get(LetterVersion, rec.version_id)
        letter = session.get(Letter, version.letter_id) if version is not None else None
        if letter is None:  # pragma: no cover - a statement always belongs to a stored letter version
            raise click.ClickException(f"statement {uid!r} has no letter")
        records = [r for r in session.scalars(select(StatementRecord).where(StatementRecord.version_id == rec.version_id)
                                              .order_by(StatementRecord.position))]
        statements = [analysis.to_statement(r) for r in records]
        index = next(i for i, r in enumerate(records) if r.id == rec.id)
        click.echo(f"{letter.key}  {letter.date or '(undated)'}  {letter.title}"
                   + ("" if version.id == letter.current_version_id else "  (an earlier version of the letter)"))
        for line in scheme_for(ctx.settings).explain(statements, index, LetterContext(letter.title or "",
                                                                                       letter.kind or "")):
            click.echo(line)
        f = rec.function_evidence or {}
        if rec.function:
            click.echo(f"  function: {rec.function} ({f.get('rule', '')}: {', '.join(f.get('evidence', []))})")
        sc = rec.scope_evidence or {}
        if rec.in_scope is not None:
            click.echo(f"  scope: {'in' if rec.in_scope else 'out of'} scope of {ctx.settings.subject.name or 'everything'}"
                       + (f" ({sc.get('rule', '')}: {'; '.join(sc.get('evidence', []))})" if sc else ""))
            others = {k: v for k, v in (sc.get("subjects") or {}).items() if k != ctx.settings.subject.key}
            if others:  # the other followed subjects: which of them the statement counts for
                click.echo("  other followed subjects: " + ", ".join(
                    f"{k or 'everything'} ({'in' if v else 'out'})" for k, v in others.items()))


def _date(value: str | None, name: str) -> Any:
    import datetime as dt
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"expected YYYY-MM-DD, got {value!r}", param_hint=name) from None


def _check_topic(ctx: Ctx, topic: str | None) -> None:
    if topic and topic not in ctx.settings.topic_names:
        raise click.BadParameter(f"unknown topic {topic!r} (topics: {', '.join(ctx.settings.topic_names)})",
                                 param_hint="--topic")


def _echo_change(v: Any, verbose: bool) -> None:
    from .diff import DiffOp, inline
    r = v.record
    aspects = f" [{r.aspects}]" if r.aspects else ""
    sim = f" sim={r.similarity:.2f}" if r.similarity is not None else ""
    shown = "" if r.published else "  (kept, not published)"
    click.echo(click.style(f"{r.letter_date}  {r.topic:<12} {r.kind:<12}", bold=True)
               + f" {v.letter.key}{aspects}{sim} significance={r.significance:.2f}{shown}  ({r.uid})")
    if r.kind == ChangeKind.MODIFIED and v.old is not None and v.new is not None:
        ops = [DiffOp(op, text) for op, text in (r.details or {}).get("diff", [])]
        click.echo("    " + inline(ops))
        click.echo(f"    previously: {v.previous_letter.key if v.previous_letter else '?'}")
        for key in ("modality", "numbers"):
            if key in (r.details or {}):
                d = r.details[key]
                click.echo(f"    {key}: {d['old']} → {d['new']}")
        if verbose:
            from .diff import unified
            click.echo("    " + unified(v.old.text, v.new.text).replace("\n", "\n    "))
    elif r.kind == ChangeKind.NOT_RESTATED and v.old is not None:
        click.echo(f"    not restated from {v.previous_letter.key if v.previous_letter else '?'}: {v.old.text}")
    elif v.new is not None:
        click.echo(f"    {v.new.text}")


@main.command()
@click.option("--topic", default=None, help="Only this topic.")
@click.option("--since", default=None, metavar="YYYY-MM-DD", help="Letters dated on or after this day.")
@click.option("--until", default=None, metavar="YYYY-MM-DD", help="Letters dated on or before this day.")
@click.option("--kind", "kinds", multiple=True,
              type=click.Choice(ChangeKind.values()), help="Only these kinds (default: every published kind).")
@click.option("--letter", default=None, help="Only changes made by this letter.")
@click.option("--limit", default=50, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="JSON lines instead of text.")
@click.option("-v", "--verbose", is_flag=True, help="Also a unified diff per modified statement.")
@click.option("--published/--all", "published_only", default=False,
              help="Only the changes the feeds publish, or (default) also those kept and folded.")
@click.option("--explain", "explain", default=None, metavar="ID",
              help="Why change ID has its significance: each feature, its weight and its share.")
@click.option("--subject", default=None, metavar="NAME",
              help="Only this followed subject's changes (default: the first; see `policy-monitor subjects`).")
@click.option("--with-rejected", is_flag=True, help="Also the changes analysts rejected or merged (left out by default).")
@pass_ctx
def changes(ctx: Ctx, topic: str | None, since: str | None, until: str | None, kinds: tuple[str, ...],
            letter: str | None, limit: int, as_json: bool, verbose: bool, published_only: bool,
            explain: str | None, subject: str | None, with_rejected: bool) -> None:
    """Position changes, newest letters first, most significant first within a letter."""
    import json as _json

    from .store import changes as store
    from .store import queries
    _check_topic(ctx, topic)
    if explain:
        _explain_change(ctx, explain, as_json)
        return
    with ctx.sessions()() as session:
        letter_id = None
        if letter:
            row = queries.find_letter(session, letter)
            if row is None:
                raise click.ClickException(f"no letter {letter!r}: see `policy-monitor letters`")
            letter_id = row.id
        f = store.Filters(topic, _date(since, "--since"), _date(until, "--until"), kinds or None, letter_id,
                          published=True if published_only else None,
                          subject=ctx.settings.subject_keys(followed_subject(ctx, subject)),
                          hide_rejected=not with_rejected)
        views = store.changes(session, f, limit=limit)
        for v in views:
            if as_json:
                click.echo(_json.dumps(v.as_dict(), ensure_ascii=False))
            else:
                _echo_change(v, verbose)
        if not as_json:
            click.echo(f"{len(views)} of {store.count_changes(session, f)} changes")


def _explain_change(ctx: Ctx, uid: str, as_json: bool) -> None:
    """One change's features and what each adds to its significance (the fitted model, or the hand-set rules)."""
    import json as _json

    from . import significance
    from .lang import dutch
    from .store import changes as store
    with ctx.sessions()() as session:
        views = store.changes(session, store.Filters(uid=uid, include_reaffirmed=True), limit=1)
        if not views:
            raise click.ClickException(f"no current change {uid!r}: see `policy-monitor changes --all`")
        d = views[0].as_dict()
    lang = dutch()
    feats = d.get("features") or {}
    fitted = lang.weights.fitted and d["kind"] in lang.weights.kinds
    parts = significance.contributions(feats, lang) if fitted else []
    if as_json:
        click.echo(_json.dumps({"id": uid, "significance": d["significance"], "published": d["published"],
                                "model": "fitted" if fitted else "hand-set rules",
                                "threshold": significance.FLOOR, "features": feats,
                                "contributions": dict(parts), "why": d["why"]}, ensure_ascii=False))
        return
    click.echo(f"{uid}  {d['kind']}  {d['topic']}  significance {d['significance']:.3f}  "
               f"({'published' if d['published'] else 'kept'}; floor {significance.FLOOR:.3f})")
    click.echo(f"  {d.get('new_text') or d.get('old_text')}")
    if not fitted:
        click.echo(f"model: the hand-set rules (weights.toml scores {', '.join(lang.weights.kinds) or 'no kind'}); reasons: "
                   + ", ".join(d["why"]))
        for name, value in feats.items():
            click.echo(f"  {name:28} {value:g}")
        return
    click.echo("model: fitted (monitor/lang/nl/weights.toml; the probability minus its threshold, on the floor's "
               "scale); feature, value, weight × value:")
    for name, share in parts:
        value = feats.get(name, 1.0)
        click.echo(f"  {name:28} {value:<6g} {share:+.3f}")


@main.command()
@click.argument("topic")
@click.option("--as-of", "as_of", default=None, metavar="YYYY-MM-DD", help="The day (default: today).")
@click.option("--subject", default=None, metavar="NAME", help="The followed subject (default: the first).")
@pass_ctx
def position(ctx: Ctx, topic: str, as_of: str | None, subject: str | None) -> None:
    """The standing position on TOPIC on a day: what the cabinet had said and not superseded, with sources."""
    import datetime as dt

    from .store import changes as store
    if topic not in ctx.settings.topic_names:
        raise click.BadParameter(f"unknown topic {topic!r} (topics: {', '.join(ctx.settings.topic_names)})",
                                 param_hint="TOPIC")
    day = _date(as_of, "--as-of") or dt.date.today()
    chosen = followed_subject(ctx, subject)
    with ctx.sessions()() as session:
        items = store.standing_position(session, topic, day, ctx.settings.subject_keys(chosen),
                                        ctx.settings.is_first(chosen))
        click.echo(f"{topic} per {day}: {len(items)} statements")
        current = None
        for item in items:
            if item.letter.key != current:
                current = item.letter.key
                click.echo(click.style(f"\n{item.letter.date or '(undated)'}  {item.letter.key}  {item.letter.title}",
                                       bold=True))
                for src in item.sources:
                    click.echo(f"  source: {src}")
            click.echo(f"  - {item.statement.text}  ({item.statement.uid})")


@main.command(name="diff")
@click.argument("letter_a")
@click.argument("letter_b")
@click.option("--topic", required=True, help="The topic to compare on.")
@pass_ctx
def diff_cmd(ctx: Ctx, letter_a: str, letter_b: str, topic: str) -> None:
    """Compare what two letters say on a topic: LETTER_A (older) against LETTER_B (newer)."""
    from .compare import CHANGED, GONE, NEW, SAME, compare_letters
    from .diff import inline, unified
    from .store import queries
    _check_topic(ctx, topic)
    with ctx.sessions()() as session:
        rows = []
        for ref in (letter_a, letter_b):
            row = queries.find_letter(session, ref)
            if row is None:
                raise click.ClickException(f"no letter {ref!r}: see `policy-monitor letters`")
            rows.append(row)
        a, b = rows
        old, new, pairs = compare_letters(session, ctx.settings, a, b, topic)
        click.echo(f"{topic}: {a.key} ({len(old)} statements) → {b.key} ({len(new)} statements)")
        for p in pairs:
            if p.kind == NEW and p.new is not None:
                click.echo(click.style("\n+ new", fg="green") + f"  {p.new.text}")
            elif p.kind == SAME and p.new is not None:
                click.echo(f"\n= restated  {p.new.text}")
            elif p.kind == CHANGED and p.old is not None and p.new is not None and p.comparison is not None:
                cmp = p.comparison
                click.echo(click.style(f"\n~ changed (similarity {p.similarity:.2f})", fg="yellow"))
                click.echo("  " + inline(list(cmp.ops)))
                click.echo("  " + unified(p.old.text, p.new.text, a.key, b.key).replace("\n", "\n  "))
                if cmp.modality_changed:  # the letters' Dutch words, the labels in English like the rest
                    click.echo(f"  modality: {cmp.old_modality.label()} → {cmp.new_modality.label()}")
                if cmp.numbers_changed:
                    click.echo(f"  numbers: {list(cmp.old_numbers)} → {list(cmp.new_numbers)}")
            elif p.kind == GONE and p.old is not None:
                click.echo(click.style("\n- not restated", fg="red") + f"  {p.old.text}")


@main.command()
@click.option("--host", default=None, help="Address to listen on (default: server.host).")
@click.option("--port", default=None, type=int, help="Port (default: server.port).")
@pass_ctx
def serve(ctx: Ctx, host: str | None, port: int | None) -> None:
    """Serve the feeds, pages and JSON API over HTTP (read-only; no polling)."""
    import uvicorn

    from .api import create_server
    from .logs import setup_service_logging
    ctx.engine()  # refuse a database that is missing or behind, before listening
    setup_service_logging()
    host = host or ctx.settings.server.host
    port = port or ctx.settings.server.port
    uvicorn.run(create_server(ctx.settings.serving(host, port)), host=host, port=port, log_level="info",
                log_config=None, **ctx.settings.server.proxy_options())


@main.command()
@click.option("--host", default=None, help="Address to listen on (default: server.host).")
@click.option("--port", default=None, type=int, help="Port (default: server.port).")
@click.option("--no-serve", is_flag=True, help="Only poll and process; no HTTP server.")
@click.option("--once", is_flag=True, help="Poll every source once, process, and exit.")
@pass_ctx
def run(ctx: Ctx, host: str | None, port: int | None, no_serve: bool, once: bool) -> None:
    """The daemon: poll the inbox (and configured sources), process new letters, serve the feeds."""
    from .daemon import run_daemon
    from .logs import setup_service_logging
    from .process import EmptyScheme
    from .store.db import SchemaError
    from .store.lock import WriterBusy
    setup_service_logging()  # one logfmt line an event on stdout, for journald and log shippers
    s = ctx.settings
    try:  # the daemon takes the writer lock, then opens (or creates) the database
        code = run_daemon(s, host or s.server.host, port or s.server.port, serve=not no_serve, once=once)
    except (WriterBusy, SchemaError) as exc:
        raise click.ClickException(str(exc)) from None
    except EmptyScheme as exc:
        raise ConfigProblem(f"config: {exc}") from None
    sys.exit(code)


@main.command()
@click.option("--source", "names", multiple=True, help="Only these configured sources (default: all enabled).")
@pass_ctx
def poll(ctx: Ctx, names: tuple[str, ...]) -> None:
    """Poll the configured remote sources once (Tweede Kamer, KOOP SRU) and process what is new."""
    from .daemon import Monitor
    logging.getLogger("monitor").setLevel(logging.INFO)
    specs = [s for s in ctx.settings.sources if (s.name in names if names else s.enabled)]
    unknown = set(names) - {s.name for s in ctx.settings.sources}
    if unknown:
        raise click.BadParameter(f"no source named {', '.join(sorted(unknown))} in the config", param_hint="--source")
    if not specs:
        raise click.ClickException("no remote sources configured: add a [[sources]] table to config.toml")
    with ctx.writing():
        ctx.engine(create=True)
        monitor = Monitor(ctx.settings)
        failed = []
        for spec in specs:
            r = monitor.poll(spec)
            extra = "".join(f", {n} {what}" for n, what in ((r.attachments, "attachments"), (r.withdrawn, "withdrawn"),
                                                             (r.parked, "parked"), (r.doc_errors, "documents failed"))
                            if n)
            click.echo(f"{spec.name}: {r.stored} letters stored or updated{extra}")
            if r.error:
                click.echo(f"{spec.name}: failed: {r.error}", err=True)
            if r.failed:
                failed.append(spec.name)
    if failed:  # reported; the other sources were polled all the same
        click.echo(f"{len(failed)} of {len(specs)} sources failed: {', '.join(failed)} "
                   "(see `policy-monitor log --errors`)", err=True)
        sys.exit(1)


@main.command()
@pass_ctx
def check(ctx: Ctx) -> None:
    """Check the database: SQLite's integrity check (PostgreSQL: a catalogue read). Exit 1 when damaged."""
    from .store.health import damaged_message, integrity, where
    engine = ctx.engine()
    problem = integrity(engine)
    if problem:
        raise click.ClickException(damaged_message(ctx.settings.database.url, problem))
    click.echo(f"database {where(ctx.settings.database.url)}: ok")


@main.command(name="log")
@click.option("--limit", default=30, show_default=True)
@click.option("--errors", is_flag=True, help="Only failures.")
@pass_ctx
def log_cmd(ctx: Ctx, limit: int, errors: bool) -> None:
    """Show the ingest log: what was tried, with what outcome."""
    from .store import queries
    with ctx.sessions()() as session:
        rows = queries.ingest_log(session, limit=limit, outcome="error" if errors else None)
        for row in rows:
            click.echo(f"{row.at:%Y-%m-%d %H:%M:%S}  {row.outcome:>11}  {row.locator}: {row.message}")
    if not rows:  # silence would leave the reader guessing whether the command looked at all
        click.echo("no failures in the ingest log" if errors else "the ingest log is empty: nothing ingested yet")


main.add_command(cli_review.review)
main.add_command(cli_subjects.subjects)
main.add_command(cli_review.user)


if __name__ == "__main__":  # pragma: no cover
    main()
