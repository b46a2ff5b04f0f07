"""Notifications: a real SMTP server (aiosmtpd) and a real webhook receiver on loopback, a real daemon run.

Each gets exactly one message per change set; a webhook that fails first is
retried; a restarted daemon sends nothing twice.
"""
from __future__ import annotations

import datetime as dt
import email
import email.policy
import email.utils
import json
import re
import sqlite3
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from aiosmtpd.controller import Controller

from monitor.config import ConfigError, load_settings
from monitor.daemon import run_daemon
from monitor.feed import ChangeSet, EntryChange, LetterRef
from monitor.notify import payload, send
from tests.conftest import copy_seeds, free_port, write_config


class Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[list[str], str]] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.messages.append((list(envelope.rcpt_tos), envelope.content.decode("utf-8", "replace")))
        return "250 OK"


class Hook(BaseHTTPRequestHandler):
    received: list[dict] = []
    fail_first = 1

    def do_POST(self) -> None:  # noqa: N802
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        if Hook.fail_first > 0:
            Hook.fail_first -= 1
            self.send_response(503)
            self.end_headers()
            return
        Hook.received.append(body)
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


@pytest.fixture()
def receivers():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    Hook.received, Hook.fail_first = [], 1
    hook = ThreadingHTTPServer(("127.0.0.1", 0), Hook)
    thread = threading.Thread(target=hook.serve_forever, daemon=True)
    thread.start()
    try:
        yield inbox, controller.port, f"http://127.0.0.1:{hook.server_address[1]}/hook"
    finally:
        hook.shutdown()
        controller.stop()


def test_mail_and_webhook_once_per_change_set_with_retry_and_nothing_twice_after_restart(tmp_path, receivers):
    inbox, smtp_port, hook_url = receivers
    letters = copy_seeds(tmp_path / "inbox")
    cfg = write_config(tmp_path / "config.toml", letters, extra=f"""
[notify]
smtp_host = "127.0.0.1"
smtp_port = {smtp_port}
retry_seconds = 0.0

[[subscriptions]]
name = "terugkeer-mail"
topic = "terugkeer"
to = "mailto:analist@example.org"

[[subscriptions]]
name = "alles-webhook"
to = "{hook_url}"
min_significance = 0.5
""")
    db = tmp_path / "monitor.db"
    settings = load_settings(cfg, database_url=f"sqlite:///{db}")
    assert run_daemon(settings, "127.0.0.1", 8099, serve=False, once=True) == 0
    con = sqlite3.connect(db)
    sets = {(k, t) for k, t in con.execute(
        "SELECT DISTINCT l.key, c.topic FROM change c JOIN letter l ON l.id = c.letter_id "
        "WHERE c.superseded_at IS NULL AND c.published AND c.topic = 'terugkeer'")}
    big = {(k, t) for k, t in con.execute(
        "SELECT DISTINCT l.key, c.topic FROM change c JOIN letter l ON l.id = c.letter_id "
        "WHERE c.superseded_at IS NULL AND c.published AND c.significance >= 0.5")}
    assert sets and big
    # mail: one per terugkeer change set, at once
    assert len(inbox.messages) == len(sets)
    assert all(rcpt == ["analist@example.org"] for rcpt, _ in inbox.messages)
    assert all("terugkeer" in body for _, body in inbox.messages)
    for _, body in inbox.messages:  # each a dated, identified text + HTML message
        mail = _parts(body)
        assert mail["date"] and mail["message-id"] and mail["text/plain"] and "<h1>" in mail["text/html"]
    # webhook: the first POST failed, so one change set is still pending; the others arrived
    assert len(Hook.received) == len(big) - 1
    failed = con.execute("SELECT attempts, last_error FROM delivery WHERE status = 'pending'").fetchall()
    assert len(failed) == 1 and failed[0][0] == 1 and "503" in failed[0][1]

    # the daemon restarts: the pending webhook is retried, nothing else is sent again
    assert run_daemon(settings, "127.0.0.1", 8099, serve=False, once=True) == 0
    assert run_daemon(settings, "127.0.0.1", 8099, serve=False, once=True) == 0
    assert len(inbox.messages) == len(sets)
    got = [(b["letter"]["id"], b["topic"]) for b in Hook.received]
    assert sorted(got) == sorted(big)  # every change set exactly once
    assert all(c["significance"] >= 0.5 for b in Hook.received for c in b["changes"])
    rows = con.execute("SELECT subscription, status, attempts FROM delivery ORDER BY attempts").fetchall()
    assert {s for _, s, _ in rows} == {"sent"} and rows[-1][2] == 2
    assert len(rows) == len(sets) + len(big)
    con.close()


def _parts(raw: str) -> dict[str, str]:
    """A received message read as a mail client reads it: its headers and its alternative parts by type."""
    msg = email.message_from_bytes(raw.encode("utf-8"), policy=email.policy.default)  # as it came off the wire
    assert msg.get_content_type() == "multipart/alternative", msg.get_content_type()
    parts = {part.get_content_type(): part.get_content() for part in msg.iter_parts()}
    assert sorted(parts) == ["text/html", "text/plain"]
    return {"date": msg["Date"], "message-id": msg["Message-ID"], "subject": msg["Subject"], **parts}


def test_a_mail_carries_date_message_id_the_word_diff_and_the_numbers_as_text_and_html(tmp_path, receivers):
    inbox, smtp_port, _ = receivers
    cfg = write_config(tmp_path / "config.toml", tmp_path, extra=(
        '[[subscriptions]]\nname = "terugkeer-mail"\ntopic = "terugkeer"\nto = "mailto:analist@example.org"\n'))
    settings = load_settings(cfg)
    sub = settings.subscriptions[0]
    letter = LetterRef("kst-27925-900", "Verslag JBZ-Raad", dt.date(2021, 8, 26), "http://x/letters/kst-27925-900")
    moved = EntryChange("c-1", "modified", ("numbers",), "Nederland vangt 100 tolken op.",
                        "Nederland vangt 120 tolken op.",
                        (("=", "Nederland vangt "), ("-", "100"), ("+", "120"), ("=", " tolken op.")),
                        details={"numbers": {"old": [100], "new": [120]}}, significance=0.9, verdict="confirmed")
    cs = ChangeSet("terugkeer", letter, (moved,), "http://x/changes/kst-27925-900/terugkeer")
    p = json.loads(json.dumps(payload(sub, cs, [moved])))  # as the delivery row keeps it
    sent_at = dt.datetime(2021, 8, 27, 9, 30, tzinfo=dt.timezone.utc)
    send(settings, f"smtp://127.0.0.1:{smtp_port}/?to=analist@example.org", p, sent_at)
    send(settings, f"smtp://127.0.0.1:{smtp_port}/?to=analist@example.org", p, sent_at)  # a resend

    (rcpt, first), (_, again) = inbox.messages
    assert rcpt == ["analist@example.org"]
    mail = _parts(first)
    assert email.utils.parsedate_to_datetime(mail["date"]) == sent_at
    assert re.fullmatch(r"<[0-9a-f]{24}@policy-monitor\.local>", mail["message-id"])
    assert re.search(r"^Message-ID: <[^>\r\n]+>\r?$", first, flags=re.M)  # on one line
    assert _parts(again)["message-id"] == mail["message-id"]  # one delivery, one id: a client keeps one copy
    assert all(ord(ch) < 128 for ch in first)  # 7-bit on the wire
    text, page = mail["text/plain"], mail["text/html"]
    assert "Nederland vangt [-100-]{+120+} tolken op." in text and "Getallen: 100 → 120" in text
    assert "Bevestigd door een analist." in text and "http://x/changes/kst-27925-900/terugkeer" in text
    assert text.count("tolken op") == 1  # the sentence once, as the diff
    assert "<del>[-100-]</del><ins>{+120+}</ins>" in page and "<p>Getallen: 100 → 120</p>" in page
    assert "Bevestigd door een analist" in page and 'href="http://x/changes/kst-27925-900/terugkeer"' in page


def test_a_bad_subscription_is_a_clear_config_error(tmp_path):
    for extra, message in (('[[subscriptions]]\nname = "x"\nto = "ftp://host"\n', "is not a mailto:"),
                           ('[[subscriptions]]\nname = "x"\nto = "mailto:a@b"\ntopics = ["nope"]\n',
                            "no topic named 'nope'"),
                           ('[[subscriptions]]\nname = "x"\nto = "mailto:a@b"\nkinds = ["deleted"]\n',
                            "'deleted' is not one of"),
                           ('[[subscriptions]]\nto = "mailto:a@b"\n', "subscriptions[0].name: required")):
        cfg = write_config(tmp_path / "config.toml", tmp_path, extra=extra)
        with pytest.raises(ConfigError, match=message.replace("[", r"\[").replace("]", r"\]")):
            load_settings(cfg)
