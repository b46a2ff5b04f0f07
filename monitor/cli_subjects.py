"""``policy-monitor subjects``: the followed subjects, and the subjects letters speak of that nobody follows."""
from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import click

from .cli_context import Ctx, pass_ctx

if TYPE_CHECKING:  # the config is imported by the commands that run, not at start-up (tests/test_cli_startup.py)
    from .config import SubjectSettings


def followed_subject(ctx: Ctx, name: str | None) -> "SubjectSettings":
    """The followed subject a ``--subject NAME`` option names (the first when None); a clear error otherwise."""
    if name is None:
        return ctx.settings.subject
    found = ctx.settings.subject_by(name)
    if found is None:
        names = ", ".join(repr(s.name) for s in ctx.settings.followed)
        raise click.BadParameter(f"{name!r} is not followed (followed: {names}; add a [[subjects]] table to "
                                 "config.toml to follow it)", param_hint="--subject")
    return found


@click.command()
@click.option("--days", default=7, show_default=True, help="How far back letters about unfollowed subjects are listed.")
@pass_ctx
def subjects(ctx: Ctx, days: int) -> None:
    """Followed subjects with their letters, changes and last change; and the unfollowed subjects letters
    mention most, with the configuration that follows them."""
    from .store import browse
    from .subjects import follow_line, unfollowed

    with ctx.sessions()() as session:
        stats = browse.subject_stats(session)
        mentions = browse.unfollowed_mentions(session)
        missed = unfollowed(session, dt.datetime.now(dt.timezone.utc), days)
    click.echo(f"{'followed':24}  {'letters':>7}  {'changes':>7}  {'last change':11}  feed")
    for s in ctx.settings.followed:
        counted = [stats[k] for k in ctx.settings.subject_keys(s) if k in stats]
        last = max((c.last for c in counted if c.last), default=None)
        click.echo(f"{(s.name or '(everything)')[:24]:24}  {sum(c.letters for c in counted):>7}  "
                   f"{sum(c.changes for c in counted):>7}  {last.isoformat() if last else '-':11}  "
                   f"/onderwerpen/{s.slug}.atom")
    if mentions:
        click.echo("\nnot followed, most mentioned (letters whose statements outside every followed subject name it):")
        for name, n in list(mentions.items())[:10]:
            click.echo(f"  {name:24}  {n:>4} letters   to follow: {follow_line(name)}")
    if missed:
        click.echo(f"\n{missed.message}:")
        for u in missed.letters:
            click.echo(f"  {u.key}  {u.outside} of {u.statements} statements outside  {u.title[:60]}")
