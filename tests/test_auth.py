"""Security of the writing side: logins, sessions, CSRF, lockout, escaping. Real server, real SQLite file."""
from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import feedparser
import httpx
import pytest

from monitor.config import load_settings
from tests.conftest import ROOT
from tests.test_review import _published
from tests.test_web import serving

PASSWORD = "correct horse battery"
PAYLOAD = "<script>alert('x')</script>"


def csrf_of(html: str) -> str:
    m = re.search(r'name="csrf" value="([^"]+)"', html)
    assert m, html
    return m.group(1)


def login(client: httpx.Client, name: str = "anna", password: str = PASSWORD) -> httpx.Response:
    token = csrf_of(client.get("/login").text)
    return client.post("/login", data={"csrf": token, "name": name, "password": password, "next": "/"})


def first_change(db) -> tuple[str, str, str]:
    return _published(db)[0]


@pytest.fixture()
def site(cli, db_url, seeds_copy, tmp_path, monkeypatch):
    """Seeds stored, one account (anna), a server with an API token; yields (base, uid, key, topic)."""
    # a script payload in a letter's title and text: stored as data, never markup
    meta = seeds_copy / "2021-05-12-defensie-terugkeer-afghanistan.meta.toml"
    meta.write_text(re.sub(r'^title = ".*"$', f'title = "Terugkeer {PAYLOAD}"', meta.read_text(), flags=re.M))
    letter = seeds_copy / "2021-05-12-defensie-terugkeer-afghanistan.txt"
    letter.write_text(letter.read_text() + f"\n\nHet kabinet besluit {PAYLOAD} de terugkeer te steunen.\n")
    cli("ingest", str(seeds_copy))
    cli("user", "add", "anna", "--password", PASSWORD)
    monkeypatch.setenv("MONITOR_AUTH_API_TOKEN", "s3cret-token-for-scripts")
    monkeypatch.setenv("MONITOR_AUTH_SECRET_KEY", "test-signing-key")
    settings = load_settings(ROOT / "config.toml", database_url=db_url)
    with serving(settings) as base:
        yield (base, *first_change(db_url))


def test_user_add_prompts_for_a_password_and_refuses_a_short_one(cli, db_url):
    from click.testing import CliRunner

    from monitor.cli import main
    args = ["--config", str(ROOT / "config.toml"), "--database", db_url, "user", "add"]
    res = CliRunner().invoke(main, [*args, "bert"], input=f"{PASSWORD}\n{PASSWORD}\n")
    assert res.exit_code == 0 and "Password" in res.output, res.output  # asked for, twice, never defaulted
    res = CliRunner().invoke(main, [*args, "carla"], input="")
    assert res.exit_code != 0  # no answer to the prompt: no account
    assert "at least 10 characters" in cli("user", "add", "dirk", "--password", "short", expect=1).output
    assert "exists already" in cli("user", "add", "bert", "--password", PASSWORD, expect=1).output
    listed = cli("user", "list").output
    assert "bert" in listed and "carla" not in listed and "dirk" not in listed


def test_writing_needs_a_login_or_the_api_token(site):
    base, uid, key, topic = site
    assert httpx.post(f"{base}/review/{uid}", data={"verdict": "reject"}).status_code == 401
    bad = httpx.post(f"{base}/review/{uid}", json={"verdict": "reject"}, headers={"Authorization": "Bearer nope"})
    assert bad.status_code == 401
    ok = httpx.post(f"{base}/review/{uid}", json={"verdict": "confirm"},
                    headers={"Authorization": "Bearer s3cret-token-for-scripts"})
    assert ok.status_code == 200, ok.text
    items = httpx.get(f"{base}/api/changes", params={"letter": key, "topic": topic, "limit": 200}).json()["items"]
    item = next(i for i in items if i["id"] == uid)
    assert item["review"]["verdict"] == "confirmed" and item["review"]["by"] == "token"
    bad_verdict = httpx.post(f"{base}/review/{uid}", json={"verdict": "delete"},
                             headers={"Authorization": "Bearer s3cret-token-for-scripts"})
    assert bad_verdict.status_code == 400 and "delete" in bad_verdict.text and "is geen van" in bad_verdict.text


def test_forms_without_the_csrf_token_are_refused(site):
    base, uid, key, topic = site
    with httpx.Client(base_url=base) as client:
        client.get("/login")
        assert client.post("/login", data={"name": "anna", "password": PASSWORD}).status_code == 403
        assert login(client).status_code == 303
        page = client.get(f"/changes/{key}/{topic}").text
        token = csrf_of(page)
        assert client.post(f"/review/{uid}", data={"verdict": "reject"}).status_code == 403
        assert client.post(f"/review/{uid}", data={"verdict": "reject", "csrf": "forged"}).status_code == 403
        r = client.post(f"/review/{uid}", data={"verdict": "reject", "csrf": token,
                                               "next": f"/changes/{key}/{topic}"})
        assert r.status_code == 303 and r.headers["location"] == f"/changes/{key}/{topic}"
        # a redirect target off this site is never followed
        r = client.post(f"/review/{uid}", data={"verdict": "note", "note": "x", "csrf": token,
                                               "next": "//evil.example/"})
        assert r.headers["location"] == "/"


def test_a_wrong_password_keeps_where_the_analyst_was_going(site):
    base, _, key, topic = site
    target = f"/changes/{key}/{topic}"
    with httpx.Client(base_url=base) as client:
        form = client.get("/login", params={"next": target}).text
        assert f'name="next" value="{target}"' in form
        wrong = client.post("/login", data={"csrf": csrf_of(form), "name": "anna", "password": "fout",
                                            "next": target})
        assert wrong.status_code == 401 and 'class="error" role="alert"' in wrong.text
        assert f'name="next" value="{target}"' in wrong.text and 'value="anna"' in wrong.text
        right = client.post("/login", data={"csrf": csrf_of(wrong.text), "name": "anna", "password": PASSWORD,
                                            "next": target})
        assert right.status_code == 303 and right.headers["location"] == target
        # on the page: Enter in the note field presses the first button, which must give no verdict
        first = re.search(r'<form class="review".*?<button type="submit" name="verdict" value="(\w+)"',
                          client.get(target).text, re.S)
        assert first and first.group(1) == "note"


def test_session_cookie_flags_and_a_cookie_from_before_login_is_not_accepted(site):
    base, uid, _, _ = site
    with httpx.Client(base_url=base) as client:
        r = login(client)
        set_cookie = r.headers["set-cookie"].lower()
        assert "httponly" in set_cookie and "samesite=lax" in set_cookie
        old = client.cookies["pm_session"]
        pre = client.get("/login").cookies["pm_login"]  # the login form's cookie is never a session
        assert login(client).status_code == 303
        new = client.cookies["pm_session"]
        assert new != old
    for stale in (old, pre, "forged-value"):
        r = httpx.post(f"{base}/review/{uid}", data={"verdict": "reject", "csrf": "x"},
                       cookies={"pm_session": stale})
        assert r.status_code == 401, stale
    with httpx.Client(base_url=base, cookies={"pm_session": new}) as client:
        page = client.get(f"/changes/{first_key(site)}").text
        token = csrf_of(page)
        assert client.post("/logout", data={"csrf": token}).status_code == 303
    r = httpx.post(f"{base}/review/{uid}", data={"verdict": "reject", "csrf": token}, cookies={"pm_session": new})
    assert r.status_code == 401  # logged out: the cookie is dead even if kept


def first_key(site) -> str:
    _, _, key, topic = site
    return f"{key}/{topic}"


def test_ten_wrong_passwords_lock_further_tries(site):
    base, _, _, _ = site
    with httpx.Client(base_url=base) as client:
        for _ in range(10):
            assert login(client, password="wrong password!").status_code == 401
        locked = login(client)  # the right password, too late
        assert locked.status_code == 429 and "Te veel mislukte pogingen" in locked.text
        assert "pm_session" not in client.cookies


@pytest.fixture()
def accounts(cli: Callable[..., Any], seeded: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, str]]:
    """The seeded store (a copy: no ingest), accounts anna and bert, a server; yields (base, a change-set page)."""
    cli("user", "add", "anna", "--password", PASSWORD)
    cli("user", "add", "bert", "--password", PASSWORD)
    monkeypatch.setenv("MONITOR_AUTH_SECRET_KEY", "test-signing-key")
    _, key, topic = first_change(seeded)
    with serving(load_settings(ROOT / "config.toml", database_url=seeded)) as base:
        yield base, f"/changes/{key}/{topic}"


def from_address(base: str, address: str) -> httpx.Client:
    """A client whose connections come from ``address`` (any 127.x.y.z is this machine's loopback)."""
    return httpx.Client(base_url=base, transport=httpx.HTTPTransport(local_address=address))


def test_ten_wrong_passwords_for_one_account_lock_it_whatever_the_addresses(accounts: tuple[str, str]) -> None:
    """Guessing spread over ten addresses, one try each, stays under the per-address limit: the
    per-account count must lock the account anyway, also for the right password from a new address."""
    base, _ = accounts
    for i in range(10):
        with from_address(base, f"127.0.0.{10 + i}") as client:
            assert login(client, password="wrong password!").status_code == 401
    with from_address(base, "127.0.0.50") as client:
        locked = login(client)
        assert locked.status_code == 429 and "Te veel mislukte pogingen" in locked.text
        assert "pm_session" not in client.cookies
        assert login(client, "bert").status_code == 303  # only that account is locked, not the address


def test_logout_needs_the_sessions_csrf_token(accounts: tuple[str, str]) -> None:
    """A form on another site that posts to /logout (no token, or a guessed one) does not log anyone out."""
    base, page = accounts
    with httpx.Client(base_url=base) as client:
        assert login(client).status_code == 303
        token = csrf_of(client.get(page).text)
        assert client.post("/logout").status_code == 403
        assert client.post("/logout", data={"csrf": "forged"}).status_code == 403
        assert "Ingelogd als anna" in client.get(page).text  # still logged in
        assert client.post("/logout", data={"csrf": token}).status_code == 303
        assert "Ingelogd als" not in client.get(page).text


def test_script_payloads_are_escaped_on_every_page_and_in_the_feed(site):
    base, uid, key, topic = site
    with httpx.Client(base_url=base) as client:
        login(client)
        token = csrf_of(client.get(f"/changes/{key}/{topic}").text)
        assert client.post(f"/review/{uid}", data={"verdict": "note", "note": PAYLOAD, "csrf": token}
                           ).status_code == 303
        letter_key = next(l["id"] for l in client.get("/api/letters?limit=200").json()["items"]
                          if PAYLOAD in l["title"])
        pages = ["/", f"/letters/{letter_key}", f"/changes/{key}/{topic}", "/letters", "/search?q=kabinet",
                 "/topics/terugkeer", "/compare?topic=terugkeer"]
        for logged_in in (True, False):
            c = client if logged_in else httpx.Client(base_url=base)
            for path in pages:
                r = c.get(path)
                assert r.status_code == 200, path
                assert "<script>" not in r.text, path
        escaped = client.get(f"/changes/{key}/{topic}").text
        assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in escaped  # the note, shown as text
        assert "&lt;script&gt;" in client.get(f"/letters/{letter_key}").text  # the title and the text
    for path in ("/feed.atom", f"/topics/{topic}.atom", "/topics/terugkeer.atom"):
        raw = httpx.get(base + path).text
        assert "<script>" not in raw
        for e in feedparser.parse(raw).entries:  # the entry's HTML, once unwrapped from XML, holds no script
            assert "<script>" not in e.content[0].value
            # the title is an Atom text construct: a reader shows "<script>" as text, never runs it
            assert "<script>" not in e.title or e.title_detail.type == "text/plain"
    feed = feedparser.parse(httpx.get(f"{base}/topics/{topic}.atom").text)
    assert any("&lt;script&gt;" in e.content[0].value for e in feed.entries)
