"""Notifications: each subscription is told once about each new change set that matches its rule.

What holds:

* a subscription (``[[subscriptions]]`` in config.toml) hears about change
  sets first published after it was first seen (:class:`SubscriptionStart`),
  never the whole history;
* :func:`plan` records one ``delivery`` row per (subscription, letter, topic),
  with the message fixed then; the unique key makes "once" hold across
  restarts and across two planners;
* :func:`deliver` sends what is due: mail over SMTP (``mailto:`` through
  ``notify.smtp_host``, or ``smtp://HOST:PORT/?to=ADDR``; text and HTML, with
  the feed entry's word diff and numbers) or JSON to a webhook;
  a failure is recorded and retried with doubling backoff until
  ``notify.attempts``, then the row is marked failed;
* the daemon runs this as its own scheduler job, so a slow mail server never
  holds up ingest. A crash between sending and recording may send one
  message twice (at least once, never silently lost).

smtplib and httpx, not Apprise: two channels, fully testable on loopback,
no plug-in surface.
"""
from __future__ import annotations

import datetime as dt
import email.utils
import hashlib
import html
import logging
import smtplib
from collections.abc import Callable
from email.message import EmailMessage
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from .config import Settings, SubscriptionSpec
from .feed import (ASPECT_NL, KIND_NL, ChangeSet, EntryChange, change_html, diff_readable, diff_text, dutch_date,
                   modality_line, numbers_line)
from .model import ChangeKind
from .publish import changesets
from .store.db import as_utc
from .store.models import ChangeRecord, Delivery, SubscriptionStart

log = logging.getLogger("monitor.notify")
PENDING, SENT, FAILED = "pending", "sent", "failed"
MAX_BACKOFF = 3600.0


def start(session: Session, settings: Settings, now: dt.datetime) -> None:
    """Record when each configured subscription was first seen (the caller commits)."""
    known = set(session.scalars(select(SubscriptionStart.name)))
    for sub in settings.subscriptions:
        if sub.name not in known:
            session.add(SubscriptionStart(name=sub.name, started_at=now))


def _matching(sub: SubscriptionSpec, cs: ChangeSet) -> list[EntryChange]:
    if sub.topics and cs.topic not in sub.topics:
        return []
    return [c for c in cs.published if (not sub.kinds or c.kind in sub.kinds)
            and c.significance >= sub.min_significance]


def payload(sub: SubscriptionSpec, cs: ChangeSet, items: list[EntryChange], followed: str | None = None
            ) -> dict[str, Any]:
    """What one delivery says, fixed when it is planned: the webhook's JSON and the mail's content."""
    extra = {} if followed is None else {"followed_subject": followed}
    return {"subscription": sub.name, "topic": cs.topic, "headline": cs.headline, "url": cs.url, **extra,
            "subject": sub.subject or cs.headline,
            "letter": {"id": cs.letter.key, "title": cs.letter.title, "date": cs.letter.date.isoformat(),
                       "url": cs.letter.url},
            "changes": [{"id": c.uid, "kind": c.kind, "significance": round(c.significance, 3),
                         "aspects": list(c.aspects), "old_text": c.old_text, "new_text": c.new_text,
                         "verdict": c.verdict or None, "diff": [list(d) for d in c.diff],
                         **{k: c.details[k] for k in ("numbers", "modality") if k in c.details}}
                        for c in items]}


def plan(session: Session, settings: Settings, now: dt.datetime) -> int:
    """Add a pending delivery for each new matching change set; returns how many (the caller commits)."""
    start(session, settings, now)
    starts = {s.name: as_utc(s.started_at) for s in session.scalars(select(SubscriptionStart))}
    subs = [s for s in settings.subscriptions if s.name in starts]
    if not subs:
        return 0
    since = min(starts[s.name] for s in subs)
    # only letters with a published change computed since the earliest start: not the whole history each time
    letter_ids = tuple(session.scalars(select(ChangeRecord.letter_id).distinct().where(
        ChangeRecord.superseded_at.is_(None), ChangeRecord.published.is_(True), ChangeRecord.computed_at >= since)))
    if not letter_ids:
        return 0
    base = settings.feed.base_url.rstrip("/")
    by_subject: dict[str, list[ChangeSet]] = {}

    def sets_of(name: str) -> list[ChangeSet]:  # a followed subject's change sets, read once per plan
        if name not in by_subject:
            subject = settings.subject_by(name) or settings.subject
            slug = "" if settings.is_first(subject) else subject.slug
            by_subject[name] = changesets(session, base, letter_ids=letter_ids,
                                          subject=settings.subject_keys(subject), slug=slug)
        return by_subject[name]

    done = {tuple(r) for r in session.execute(select(Delivery.subscription, Delivery.letter_key, Delivery.topic))}
    added = 0
    for sub in subs:
        for name in sub.subjects or (settings.subject.name,):
            for cs in sets_of(name):
                # a delivery is one (letter, topic) of one subject: another subject's carries its slug
                topic = f"{cs.subject}/{cs.topic}" if cs.subject else cs.topic
                if (sub.name, cs.letter.key, topic) in done or cs.first_seen is None or \
                        cs.first_seen < starts[sub.name]:
                    continue
                items = _matching(sub, cs)
                if items:
                    session.add(Delivery(subscription=sub.name, letter_key=cs.letter.key, topic=topic,
                                         status=PENDING, attempts=0, created_at=now, next_attempt_at=now,
                                         payload=payload(sub, cs, items, name if len(settings.followed) > 1 else None)))
                    added += 1
    return added


def _entry_change(c: dict[str, Any]) -> EntryChange:
    """A planned payload's change as the feed's item (payloads planned before the diff was kept have none)."""
    return EntryChange(c["id"], c["kind"], tuple(c.get("aspects", ())), c.get("old_text"), c.get("new_text"),
                       tuple((op, t) for op, t in c.get("diff", ())),
                       details={k: c[k] for k in ("numbers", "modality") if k in c},
                       significance=c.get("significance", 0.0), verdict=c.get("verdict") or "")


def _mail_text(p: dict[str, Any]) -> str:
    """The plain-text part: what the feed entry says, for a reader without HTML (the same marks for the diff)."""
    letter = p["letter"]
    lines = [p["headline"], "", f"Brief: {letter['title']} ({dutch_date(dt.date.fromisoformat(letter['date']))})",
             f"Bekijk de wijzigingen: {p['url']}", ""]
    for i, c in enumerate(map(_entry_change, p["changes"]), 1):
        aspects = ", ".join(ASPECT_NL.get(a, a) for a in c.aspects)
        lines.append(f"{i}. {KIND_NL.get(c.kind, c.kind)}" + (f" ({aspects})" if aspects else ""))
        if c.kind == ChangeKind.MODIFIED and diff_readable(c.diff):
            lines.append(f"   {diff_text(c.diff)}")  # the sentence once, as in the feed
        else:
            if c.old_text:
                lines.append(f"   {'Eerder: ' if c.new_text else 'Niet herhaald: '}{c.old_text}")
            if c.new_text:
                lines.append(f"   {'Nu: ' if c.old_text else ''}{c.new_text}")
        lines += [f"   {line}" for line in (modality_line(c.details), numbers_line(c.details)) if line]
        if c.verdict == "confirmed":
            lines.append("   Bevestigd door een analist.")
        lines.append("")
    return "\n".join(lines)


def _mail_html(p: dict[str, Any]) -> str:
    """The HTML part: the feed entry's own rendering of each item (word diff, numbers, verdict)."""
    letter = p["letter"]
    day = dutch_date(dt.date.fromisoformat(letter["date"]))
    body = "".join(change_html(c, i) for i, c in enumerate(map(_entry_change, p["changes"]), 1))
    return (f'<!doctype html><html lang="nl"><head><meta charset="utf-8"><title>{html.escape(p["subject"])}</title>'
            f'</head><body><h1>{html.escape(p["headline"])}</h1>'
            f'<p>Brief: <a href="{html.escape(letter["url"], quote=True)}">{html.escape(letter["title"])}</a> ({day})'
            f' — <a href="{html.escape(p["url"], quote=True)}">bekijk de wijzigingen</a></p>{body}</body></html>\n')


def message(p: dict[str, Any], sender: str, rcpt: str, now: dt.datetime, domain: str) -> EmailMessage:
    """One mail: ``Date`` (when sent), a ``Message-ID`` fixed per delivery (a resend after a crash is the same
    message to a mail client), and the content twice, as text/plain and as HTML (multipart/alternative)."""
    msg = EmailMessage()
    msg["Subject"], msg["From"], msg["To"] = p["subject"], sender, rcpt
    msg["Date"] = email.utils.format_datetime(now)
    # short enough never to be folded onto a second header line (78 characters)
    which = f"{p['subscription']}\0{p['letter']['id']}\0{p['topic']}" + (
        f"\0{p['followed_subject']}" if p.get("followed_subject") else "")
    key = hashlib.sha256(which.encode()).hexdigest()[:24]
    msg["Message-ID"] = f"<{key}@{domain[:40]}>"
    # quoted-printable: 7-bit clean on the wire, for relays without 8BITMIME; readable as it is
    msg.set_content(_mail_text(p), cte="quoted-printable")
    msg.add_alternative(_mail_html(p), subtype="html", cte="quoted-printable")
    return msg


def send(settings: Settings, to: str, p: dict[str, Any], now: dt.datetime | None = None) -> None:
    """Send one message (``now``: its Date, default the clock); raises on any failure (the caller records it
    and retries later)."""
    n = settings.notify
    if to.startswith(("http://", "https://")):
        r = httpx.post(to, json=p, timeout=n.timeout_seconds, follow_redirects=False)
        r.raise_for_status()
        return
    if to.startswith("mailto:"):
        host, port, rcpt, sender = n.smtp_host, n.smtp_port, to.removeprefix("mailto:"), n.mail_from
    else:  # smtp://host:port/?to=ADDRESS[&from=ADDRESS]
        u = urlsplit(to)
        q = parse_qs(u.query)
        host, port, rcpt = u.hostname or "localhost", u.port or 25, q["to"][0]
        sender = q.get("from", [n.mail_from])[0]
    domain = settings.feed.tag_authority.split(",")[0] or "localhost"
    msg = message(p, sender, rcpt, now or dt.datetime.now(dt.timezone.utc), domain)
    with smtplib.SMTP(host, port, timeout=n.timeout_seconds) as smtp:
        smtp.send_message(msg)


def deliver(sessions: sessionmaker[Session], settings: Settings, now: Callable[[], dt.datetime]) -> tuple[int, int]:
    """Send every due delivery; returns (sent, failed attempts). Each outcome is committed on its own."""
    by_name = {s.name: s for s in settings.subscriptions}
    with sessions() as session:
        due = [d.id for d in session.scalars(select(Delivery).where(
            Delivery.status == PENDING, Delivery.next_attempt_at <= now()).order_by(Delivery.id))]
    sent = failed = 0
    for did in due:
        with sessions() as session:
            d = session.get(Delivery, did)
            if d is None or d.status != PENDING:
                continue
            sub = by_name.get(d.subscription)
            error = ""
            if sub is None:
                error = "subscription no longer in the config"
            else:
                try:
                    send(settings, sub.to, d.payload, now())
                except Exception as exc:  # noqa: BLE001 - any failure of a channel is recorded and retried
                    error = f"{type(exc).__name__}: {exc}"[:500]
            d.attempts += 1
            if not error:
                d.status, d.sent_at, d.last_error = SENT, now(), ""
                sent += 1
            else:
                failed += 1
                d.last_error = error
                if sub is None or d.attempts >= settings.notify.attempts:
                    d.status = FAILED
                    log.error("notification %s of %s/%s failed for good: %s", d.subscription, d.letter_key,
                              d.topic, error)
                else:
                    wait = min(MAX_BACKOFF, settings.notify.retry_seconds * 2 ** (d.attempts - 1))
                    d.next_attempt_at = now() + dt.timedelta(seconds=wait)
                    log.warning("notification %s of %s/%s failed (try %d), again in %.0fs: %s", d.subscription,
                                d.letter_key, d.topic, d.attempts, wait, error)
            session.commit()
    return sent, failed


def run(sessions: sessionmaker[Session], settings: Settings, now: Callable[[], dt.datetime]) -> tuple[int, int]:
    """One round of the daemon's notify job: plan, then deliver what is due."""
    with sessions() as session:
        try:
            plan(session, settings, now())
            session.commit()
        except IntegrityError:  # another planner recorded the same change set first: it is planned, once
            session.rollback()
    return deliver(sessions, settings, now)
