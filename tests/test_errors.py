"""Error answers over the real server: every one in Dutch, as JSON or as a page, whichever the client asked for.

A browser (``Accept: text/html…``) gets a Dutch page with the status as its heading; the JSON API, the feeds
and a script (``Accept: application/json``, a JSON body or a Bearer token) get ``{"error": …, "status": …}``.
"""
from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest

from monitor.config import load_settings
from tests.conftest import ROOT, execute, seed
from tests.test_web import serving

BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
SCRIPT = {"Accept": "application/json"}
# words of English messages that Dutch never uses (Starlette's "Not Found", our old "no letter 'nope'")
ENGLISH = re.compile(r"\b(no|not|found|unknown|expected|must|got|the|between|such|letter|letters|topic|topics|"
                     r"body|large|method|allowed|page|required|needs|only|invalid)\b", re.IGNORECASE)


def _serve(db_url: str) -> Iterator[str]:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("MONITOR_AUTH_API_TOKEN", "s3cret-token-for-scripts")
        settings = load_settings(ROOT / "config.toml", database_url=db_url)
    with serving(settings) as base:
        yield base


@pytest.fixture(scope="module")
def server(module_databases, tmp_path_factory) -> Iterator[str]:
    """One seeded server for the module's requests: none of them writes."""
    url = module_databases.new("errors")
    seed(url, tmp_path_factory)
    yield from _serve(url)


@pytest.fixture()
def own_server(seeded, db_url) -> Iterator[str]:
    """A seeded server of the test's own, for a test that breaks its database."""
    yield from _serve(db_url)


def page_message(response: httpx.Response) -> str:
    """What a reader sees of an error page: its heading and message."""
    html = response.text
    h1 = re.search(r"<h1>(.*?)</h1>", html, re.S)
    alert = re.search(r'<p class="error" role="alert">(.*?)</p>', html, re.S)
    assert h1 and alert, html
    return f"{h1.group(1)} — {alert.group(1)}"


def assert_dutch(message: str) -> None:
    assert message.strip(), "an error says what is wrong"
    words = re.sub(r"'[^']*'", "", message.replace("&#39;", "'"))  # quoted values are the request's, not ours
    assert not ENGLISH.search(words), message


# (method, path, params, status): each a page a reader can mistype or a request a script can get wrong
PAGES = [
    ("GET", "/letters/nope", {}, 404), ("GET", "/topics/nope", {}, 404), ("GET", "/nergens", {}, 404),
    ("GET", "/changes/nope/terugkeer", {}, 404), ("GET", "/changes/kst-27925-781/nope", {}, 404),
    ("GET", "/search", {"since": "gisteren"}, 400), ("GET", "/search", {"pagina": "twee"}, 400),
    ("GET", "/search", {"kind": "deleted"}, 400), ("GET", "/letters", {"pagina": "0"}, 400),
    ("GET", "/topics/terugkeer", {"as_of": "2021-13-45"}, 400), ("GET", "/compare", {"topic": "nope"}, 404),
    ("GET", "/compare", {"topic": "terugkeer", "a": "nope", "b": "2026Z09763"}, 404),
    ("GET", "/changes/2026Z09763/terugkeer", {"weergave": "breed"}, 400),
    ("POST", "/letters", {}, 405), ("POST", "/review/x", {}, 401), ("POST", "/logout", {}, 401),
]
API = [
    ("GET", "/api/letters/nope", {}, 404), ("GET", "/api/changes", {"topic": "nope"}, 404),
    ("GET", "/api/changes", {"since": "gisteren"}, 400), ("GET", "/api/changes", {"limit": "100000"}, 400),
    ("GET", "/api/changes", {"kind": "deleted"}, 400), ("GET", "/api/changes", {"published": "misschien"}, 400),
    ("GET", "/api/positions/nope", {}, 404), ("GET", "/api/nergens", {}, 404), ("POST", "/api/letters", {}, 405),
    ("GET", "/topics/nope.atom", {}, 404), ("GET", "/feed/archive/999.atom", {}, 404),
    ("GET", "/dossiers/99999.atom", {}, 404),
]


@pytest.mark.parametrize("method,path,params,status", PAGES)
def test_a_browser_gets_a_dutch_error_page_and_a_script_dutch_json(server, method, path, params, status):
    page = httpx.request(method, server + path, params=params, headers=BROWSER)
    assert page.status_code == status, page.text
    assert page.headers["content-type"].startswith("text/html")
    message = page_message(page)
    assert_dutch(message)
    heading = message.split(" — ")[0]
    assert f"<title>{heading} — " in page.text  # the tab says what happened, as the heading does
    script = httpx.request(method, server + path, params=params, headers=SCRIPT)
    assert script.status_code == status
    assert script.headers["content-type"].startswith("application/json"), script.text
    body = script.json()
    assert body["status"] == status
    assert_dutch(body["error"])


@pytest.mark.parametrize("method,path,params,status", API)
def test_the_api_and_the_feeds_answer_errors_in_dutch_json_even_to_a_browser(server, method, path, params, status):
    for headers in (BROWSER, SCRIPT, {}):
        r = httpx.request(method, server + path, params=params, headers=headers)
        assert r.status_code == status, r.text
        assert r.headers["content-type"].startswith("application/json"), r.text
        assert r.json()["status"] == status
        assert_dutch(r.json()["error"])


def test_a_wrong_bearer_token_gets_json_not_a_page(server):
    uid = httpx.get(f"{server}/api/changes", params={"limit": 1}).json()["items"][0]["id"]
    for body in ({"json": {"verdict": "confirm"}}, {"data": {"verdict": "confirm"}}):
        r = httpx.post(f"{server}/review/{uid}", headers={"Authorization": "Bearer nope"}, **body)  # type: ignore[arg-type]
        assert r.status_code == 401 and r.headers["content-type"].startswith("application/json"), r.text
        assert_dutch(r.json()["error"])
    bad = httpx.post(f"{server}/review/{uid}", json={"verdict": "delete"},
                     headers={"Authorization": "Bearer s3cret-token-for-scripts"})
    assert bad.status_code == 400 and bad.headers["content-type"].startswith("application/json")
    assert "'delete'" in bad.json()["error"]
    assert_dutch(bad.json()["error"].replace("'delete'", "'nope'"))


def test_a_failure_inside_is_a_dutch_500_in_the_format_asked_for(own_server, db_url):
    server = own_server
    execute(db_url, "ALTER TABLE statement RENAME TO statement_gone")  # a letter's text can no longer be read
    page = httpx.get(f"{server}/letters/kst-27925-781", headers=BROWSER)
    assert page.status_code == 500 and page.headers["content-type"].startswith("text/html")
    assert page_message(page).startswith("Interne fout — ")
    assert_dutch(page_message(page))
    for path, headers in (("/api/letters/kst-27925-781", BROWSER), ("/letters/kst-27925-781", SCRIPT)):
        r = httpx.get(server + path, headers=headers)
        assert r.status_code == 500 and r.json()["status"] == 500
        assert_dutch(r.json()["error"])
        assert "statement" not in r.text  # nothing of the database's own message reaches a reader


def test_the_check_for_english_catches_the_old_messages():
    for old in ("no letter 'nope'", "unknown topic 'nope'; topics: terugkeer", "Not Found",
                "since: expected a date YYYY-MM-DD, got 'gisteren'", "Method Not Allowed"):
        with pytest.raises(AssertionError):
            assert_dutch(old)
