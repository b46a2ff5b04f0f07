"""``policy-monitor review …`` and ``policy-monitor user …``: verdicts on changes and local accounts.

These write small rows beside the analysis, not the analysis itself, so they
do not take the single-writer lock (a running daemon holds it for its whole
life); SQLite's busy timeout orders them with the daemon's transactions.
"""
from __future__ import annotations

import click

from .cli_context import Ctx, pass_ctx


def _record(ctx: Ctx, uid: str, verdict: str, by: str, note: str, into: str = "") -> None:
    from .store import review as review_store
    from .store.db import utcnow
    with ctx.sessions()() as session:
        try:
            review_store.record(session, uid, verdict, f"cli:{by}" if by.strip() else by, utcnow(), note, into)
        except review_store.ReviewError as exc:
            raise click.ClickException(str(exc)) from None
        session.commit()
    click.echo(f"{uid}: {verdict} recorded (by {by})")


@click.group()
def review() -> None:
    """Confirm, reject, annotate or merge changes (analysts' verdicts), and list them."""


_by = click.option("--by", required=True, metavar="NAME", help="Who gives the verdict (recorded as cli:NAME).")


@review.command()
@click.argument("uid")
@_by
@click.option("--note", default="", help="A note kept with the verdict.")
@pass_ctx
def confirm(ctx: Ctx, uid: str, by: str, note: str) -> None:
    """Confirm change UID: it is right."""
    _record(ctx, uid, "confirm", by, note)


@review.command()
@click.argument("uid")
@_by
@click.option("--note", default="", help="Why it is wrong (kept; the analysis may learn from it later).")
@pass_ctx
def reject(ctx: Ctx, uid: str, by: str, note: str) -> None:
    """Reject change UID as a false positive: feeds and pages leave it out."""
    _record(ctx, uid, "reject", by, note)


@review.command()
@click.argument("uid")
@_by
@click.option("--note", required=True, help="The note.")
@pass_ctx
def note(ctx: Ctx, uid: str, by: str, note: str) -> None:
    """Add a note to change UID without changing its verdict."""
    _record(ctx, uid, "note", by, note)


@review.command()
@click.argument("uid")
@click.option("--into", required=True, metavar="UID", help="The change of the same letter and topic to keep.")
@_by
@click.option("--note", default="", help="A note kept with the merge.")
@pass_ctx
def merge(ctx: Ctx, uid: str, into: str, by: str, note: str) -> None:
    """Merge change UID into another item of its change set: UID leaves feeds and pages, INTO stays."""
    _record(ctx, uid, "merge", by, note, into)


@review.command(name="list")
@click.option("--verdict", type=click.Choice(["confirm", "reject", "note", "merge"]), default=None,
              help="Only this kind of review.")
@click.option("--limit", default=100, show_default=True, type=click.IntRange(1, 100_000))
@pass_ctx
def list_reviews(ctx: Ctx, verdict: str | None, limit: int) -> None:
    """Reviews, newest first: when, who, verdict, change, note."""
    from .store import review as review_store
    with ctx.sessions()() as session:
        rows = review_store.history(session, verdict, limit)
        for r in rows:
            into = f" into {r.merged_into}" if r.merged_into else ""
            text = f"  {r.note}" if r.note else ""
            click.echo(f"{r.at:%Y-%m-%d %H:%M}  {r.by:<16} {r.verdict:<8} {r.change_uid}{into}{text}")
        click.echo(f"{len(rows)} reviews")


@click.group()
def user() -> None:
    """Local accounts that may review in the web app."""


@user.command(name="add")
@click.argument("name")
@click.password_option("--password", prompt="Password", help="Prompted (twice) when not given.")
@pass_ctx
def user_add(ctx: Ctx, name: str, password: str) -> None:
    """Create account NAME; the password is prompted, never defaulted, and stored as an argon2 hash."""
    from .auth import AuthError, add_account
    from .store.db import utcnow
    with ctx.sessions(create=True)() as session:
        try:
            add_account(session, name, password, utcnow())
        except AuthError as exc:
            raise click.ClickException(str(exc)) from None
        session.commit()
    click.echo(f"account {name} created")


@user.command(name="list")
@pass_ctx
def user_list(ctx: Ctx) -> None:
    """Accounts and when they were made."""
    from sqlalchemy import select

    from .store.models import Account
    with ctx.sessions()() as session:
        for a in session.scalars(select(Account).order_by(Account.name)):
            click.echo(f"{a.name}  created {a.created_at:%Y-%m-%d %H:%M}")
