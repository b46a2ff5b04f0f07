"""The Dutch pages over real HTTP: what a reader sees — labels, links, order, filters, escaping, old links."""
from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Iterator
from html.parser import HTMLParser

import httpx
import pytest

from monitor.store.browse import LetterRef, SetCount, TimelinePoint
from monitor.web.chart import MAX_BARS, layout
from monitor.web.pages import TIMELINE_ROWS, timeline_rows
from monitor.api import create_app
from monitor.config import load_settings
from tests.conftest import ROOT, execute, free_port, seed, served
from tests.test_http import server  # noqa: F401 - the loopback server fixture

ENGLISH = re.compile(r"\b(doing|intending|exploring|possible|modified|added|not_restated|initial|Modality)\b")


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        href = dict(attrs).get("href")
        if tag == "a" and href and href.startswith("/"):
            self.hrefs.append(href)


def visible(html: str) -> str:
    """The text a reader sees (markup, attributes and style left out)."""
    html = re.sub(r"<style.*?</style>", "", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


PAGES = ["/", "/search?q=terugkeer", "/search?topic=veiligheid&kind=modified", "/letters", "/letters/kst-27925-781",
         "/topics", "/topics/terugkeer", "/topics/veiligheid?as_of=2021-06-01", "/changes/2026Z09763/terugkeer",
         "/changes/2026Z09763/terugkeer?weergave=naast", "/compare?topic=veiligheid&a=kst-28676-361&b=kst-27925-781"]


@pytest.fixture(scope="module")
def reading_server(module_databases, tmp_path_factory) -> Iterator[tuple[str, set[str]]]:
    """One server over one seeded store for the pages' crawl, which only reads (a server and a store per page,
    with every link rendered again per page, was a minute of the suite); and the links it found working."""
    url = module_databases.new("pages")
    seed(url, tmp_path_factory)
    settings = load_settings(ROOT / "config.toml", database_url=url,
                             environ={**os.environ, "MONITOR_FEED_PAGE_SIZE": "3"})
    port = free_port()
    with served(create_app(settings.serving("127.0.0.1", port)), port) as base:
        yield base, set()


@pytest.mark.parametrize("path", PAGES)
def test_pages_are_dutch_link_only_to_working_pages_and_need_no_script(reading_server, path):
    base, working = reading_server
    r = httpx.get(base + path)
    assert r.status_code == 200 and 'lang="nl"' in r.text and "<script" not in r.text
    assert not ENGLISH.search(visible(r.text)), ENGLISH.search(visible(r.text))
    parser = Links()
    parser.feed(r.text)
    for href in dict.fromkeys(h.split("#")[0] for h in parser.hrefs):
        if href not in working:  # the same store behind the same server: a link that worked still works
            assert httpx.get(base + href).status_code == 200, (path, href)
            working.add(href)


def test_search_finds_words_filters_and_escapes(server):  # noqa: F811
    r = httpx.get(server + "/search", params={"q": "Kaboel"})
    assert "Uitspraken in brieven" in r.text and "<mark>Kaboel</mark>" in r.text
    hostile = httpx.get(server + "/search", params={"q": '<script>alert(1)</script> "OR* NEAR('})
    assert hostile.status_code == 200 and "<script>alert" not in hostile.text and "&lt;script&gt;" in hostile.text
    period = httpx.get(server + "/search", params={"topic": "veiligheid", "since": "2021-05-01", "until": "2021-06-30"})
    dates = re.findall(r'class="meta">(\d+ \w+ \d{4})', period.text)
    assert dates and all(d.endswith("2021") and ("mei" in d or "juni" in d) for d in dates)
    assert "Veiligheid: " in period.text and "Terugkeer: " not in period.text.split("Wijzigingen (")[1]
    for bad in ({"since": "gisteren"}, {"topic": "nope"}, {"betekenis": "groot"}, {"source": "elders"}):
        assert httpx.get(server + "/search", params=bad).status_code in (400, 404)


def test_letter_text_is_never_markup(server, db_url):  # noqa: F811
    execute(db_url, "UPDATE statement SET text = '<b>vet</b> & <img src=x onerror=alert(1)>' WHERE id = "
            "(SELECT min(id) FROM statement WHERE letter_id = (SELECT id FROM letter WHERE key = 'kst-27925-781'))")
    execute(db_url, "UPDATE data_version SET version = version + 1")
    page = httpx.get(server + "/letters/kst-27925-781", timeout=60).text  # httpx's 5 s is a timing on a busy machine
    assert "<img src=x" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page


def test_old_hash_keys_redirect_and_readable_keys(server):  # noqa: F811
    letters = httpx.get(server + "/api/letters").json()["items"]
    keys = {l["id"] for l in letters}
    assert not any(k.startswith("sha-") for k in keys)
    assert "2021-06-18-kamerbrief-aangaande-de-toekomstige-inzet-en-hulp-aan" in keys
    old = httpx.get(server + "/letters/sha-e31064514ad9a4f9", follow_redirects=False)
    assert old.status_code == 301 and old.headers["location"].startswith(
        "/letters/2021-06-18-kamerbrief-aangaande-de-toekomstige-inzet")
    dossier = httpx.get(server + "/dossiers/28676.atom")  # read from its reference "Kamerstuk 28 676, nr. 361"
    assert dossier.status_code == 200 and "<entry>" in dossier.text


def test_topic_timeline_walks_back_and_labels_come_from_the_config(server):  # noqa: F811
    page = httpx.get(server + "/topics/veiligheid").text
    assert "Onderwerp: Veiligheid" in page and "<svg" in page
    bars = re.findall(r'<a href="(/topics/veiligheid\?as_of=[\d-]+#standpunt)" aria-label', page)
    assert len(bars) >= 3 and bars == sorted(bars)  # oldest to newest, left to right
    back = re.search(r'<a href="([^"]+)" rel="prev">', page).group(1).replace("&amp;", "&")
    assert back == bars[-2]  # today the newest letter is in force: one step back is the letter before it
    earlier = httpx.get(server + back).text
    day = back.split("as_of=")[1][:10]
    assert f'name="as_of" value="{day}"' in earlier
    assert re.search(r'rel="prev">', earlier) and re.search(r'rel="next">', earlier)  # walk on, or back again
    index = httpx.get(server + "/topics").text
    assert ">Terugkeer</a>" in index and ">terugkeer</a>" not in index


def test_changes_side_by_side_with_context_and_deep_links(server):  # noqa: F811
    inline = httpx.get(server + "/changes/2026Z09763/terugkeer").text
    side = httpx.get(server + "/changes/2026Z09763/terugkeer?weergave=naast").text
    assert "Eerder: " in inline and '<div class="sides">' not in inline
    assert '<div class="sides">' in side and "<h4>Eerder</h4>" in side and "<h4>Nu</h4>" in side
    assert "Omringende alinea" in side
    anchor = re.search(r'href="/letters/([^"#]+)#(s-[0-9a-f]+)"', side)
    letter = httpx.get(f"{server}/letters/{anchor.group(1)}").text
    assert f'id="{anchor.group(2)}"' in letter
    # a text-only reader keeps removed and inserted words apart
    assert "[weg: " in side and "[nieuw: " in side
    assert "Toezegging: doen → onderzoeken" in inline


def _points(n: int, step: int = 2) -> list[TimelinePoint]:
    first = dt.date(2019, 1, 1)
    return [TimelinePoint(LetterRef(i, f"k{i}", f"Brief {i}", first + dt.timedelta(days=step * i)),
                          first + dt.timedelta(days=step * i), SetCount({"modified": 1 + i % 3})) for i in range(n)]


def test_a_long_timeline_shows_a_window_of_letters_and_a_bar_a_month():
    points = _points(1000)
    day = points[500].date
    rows, older, newer = timeline_rows(points, day)
    assert len(rows) == TIMELINE_ROWS and points[500] in rows and rows == points[points.index(rows[0]):][:len(rows)]
    assert older is points[points.index(rows[0]) - 1] and newer is points[points.index(rows[-1]) + 1]
    assert timeline_rows(points, dt.date(2000, 1, 1)) == (points[:TIMELINE_ROWS], None, points[TIMELINE_ROWS])
    assert timeline_rows(points, dt.date(2100, 1, 1)) == (points[-TIMELINE_ROWS:], points[-TIMELINE_ROWS - 1], None)
    assert timeline_rows(points[:5], day) == (points[:5], None, None)
    chart = layout(points, "/topics/t", day)
    assert chart is not None and len(chart.bars) <= MAX_BARS
    assert [b.date for b in chart.bars] == sorted(b.date for b in chart.bars)
    assert chart.bars[-1].date == points[-1].date and chart.bars[0].title.startswith("januari 2019: 16 brieven")
    assert sum(b.current for b in chart.bars) == 1 and next(b for b in chart.bars if b.current).date >= day
    yearly = layout(_points(1000, step=20), "/topics/t", None)  # 55 years: too many months and quarters
    assert yearly is not None and len(yearly.bars) <= MAX_BARS and yearly.bars[0].title.startswith("2019: ")
    few = layout(points[:3], "/topics/t", None)  # a bar a letter while they fit
    assert few is not None and [b.href for b in few.bars] == [f"/topics/t?as_of={p.date}#standpunt" for p in points[:3]]
