"""A reader's work in a real browser: Debian's Chromium, headless, driven by Selenium over chromium-driver.

Search a word, filter a topic and a period, open a change, switch to side by
side, follow the link to its statement, walk a topic's timeline to an earlier
date. axe-core (from npm, injected into each main page) finds no WCAG 2.1
A/AA violation. Screenshots of each main page, desktop and phone width, land
in var/screenshots/ for a person to look at.

`make browser` installs Chromium, its driver and axe-core; without them these
tests skip, except under CI (CI=true), where a missing browser is a failure.
"""
from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from monitor.cli import main
from monitor.config import load_settings
from tests.conftest import ROOT, copy_seeds
from tests.test_web import serving

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
DRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
AXE = ROOT / "var" / "npm" / "node_modules" / "axe-core" / "axe.min.js"
SHOTS = ROOT / "var" / "screenshots"
SIZES = {"desktop": (1280, 900), "phone": (390, 844)}

webdriver = pytest.importorskip("selenium.webdriver")
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import Select, WebDriverWait  # noqa: E402


def _missing() -> str | None:
    for what, path in (("chromium", CHROMIUM), ("chromedriver", DRIVER), ("axe-core", AXE)):
        if not Path(path).exists():
            return f"{what} not installed ({path}): run `make browser`"
    return None


if (why := _missing()) is not None:
    if os.environ.get("CI"):
        raise RuntimeError(why)  # CI installs them: a browser test that silently skips there proves nothing
    pytestmark = pytest.mark.skip(reason=why)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    tmp = tmp_path_factory.mktemp("browser")
    db_url = f"sqlite:///{tmp / 'monitor.db'}"
    inbox = copy_seeds(tmp / "inbox")
    result = CliRunner().invoke(main, ["--config", str(ROOT / "config.toml"), "--database", db_url, "ingest",
                                       str(inbox)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    with serving(load_settings(ROOT / "config.toml", database_url=db_url)) as base:
        yield base


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--lang=nl-NL",
                f"--window-size={SIZES['desktop'][0]},{SIZES['desktop'][1]}"):
        options.add_argument(arg)
    driver = webdriver.Chrome(options=options, service=webdriver.ChromeService(executable_path=DRIVER))
    driver.set_page_load_timeout(30)
    driver.set_script_timeout(30)
    yield driver
    driver.quit()


def text(driver: object, css: str) -> str:
    return driver.find_element(By.CSS_SELECTOR, css).text  # type: ignore[attr-defined]


def follow(driver: object, element: object) -> None:
    """Click a link or button and wait for the page it leads to (a click returns before the page loads)."""
    before = driver.current_url  # type: ignore[attr-defined]
    element.click()  # type: ignore[attr-defined]
    WebDriverWait(driver, 30).until(lambda d: d.current_url != before
                                    and d.execute_script("return document.readyState") == "complete")


def set_date(driver: object, element_id: str, value: str) -> None:
    # a date field's typed format follows the browser's locale; the value property is the same everywhere
    driver.execute_script("document.getElementById(arguments[0]).value = arguments[1]", element_id, value)  # type: ignore[attr-defined]


def test_search_filter_open_compare_and_follow_to_the_statement(site, browser):
    d = browser
    d.get(site + "/")
    d.find_element(By.ID, "q").send_keys("terugkeer")
    follow(d, d.find_element(By.CSS_SELECTOR, "main form button"))
    assert text(d, "h1") == "Zoeken naar “terugkeer”"
    marks = [m.text.lower() for m in d.find_elements(By.CSS_SELECTOR, ".hits mark")]
    assert marks and all(m.startswith("terugkeer") for m in marks)

    # filter: one topic, one kind, one period (2021), no search word
    d.find_element(By.ID, "q").clear()
    Select(d.find_element(By.ID, "f-topic")).select_by_visible_text("Veiligheid")
    Select(d.find_element(By.ID, "f-kind")).select_by_visible_text("gewijzigd")
    set_date(d, "f-since", "2021-01-01")
    set_date(d, "f-until", "2021-12-31")
    follow(d, d.find_element(By.CSS_SELECTOR, "form.filters button"))
    assert "topic=veiligheid" in d.current_url and "since=2021-01-01" in d.current_url
    results = d.find_elements(By.CSS_SELECTOR, ".results li")
    assert len(results) >= 3, "the seeds change the security position in three letters of 2021"
    for r in results:
        assert r.find_element(By.TAG_NAME, "a").text.startswith("Veiligheid: gewijzigd in ")
        assert "2021" in r.find_element(By.CSS_SELECTOR, ".meta").text
    assert Select(d.find_element(By.ID, "f-topic")).first_selected_option.text == "Veiligheid"  # the form keeps it
    dates = [r.find_element(By.CSS_SELECTOR, ".meta").text for r in results]
    assert "augustus 2021" in dates[0] and "mei 2021" in dates[-1]  # newest first

    # open a change; switch to side by side
    follow(d, results[0].find_element(By.TAG_NAME, "a"))
    assert text(d, "h1").startswith("Veiligheid: wijzigingen in")
    follow(d, d.find_element(By.LINK_TEXT, "naast elkaar"))
    assert "weergave=naast" in d.current_url
    sides = d.find_elements(By.CSS_SELECTOR, ".sides")
    assert sides and [h.text for h in sides[0].find_elements(By.TAG_NAME, "h4")] == ["Eerder", "Nu"]
    now = sides[0].find_elements(By.CSS_SELECTOR, ":scope > div")[1].find_element(By.TAG_NAME, "p")
    # what a sighted reader sees: the text without the visually hidden "[nieuw: …]" marks for screen readers
    new_text = d.execute_script("const c = arguments[0].cloneNode(true); c.querySelectorAll('.vh')"
                                ".forEach(e => e.remove()); return c.textContent", now)

    # follow the deep link to the statement in its letter
    follow(d, sides[0].find_elements(By.LINK_TEXT, "Bekijk in de brief")[1])
    fragment = d.current_url.split("#", 1)[1]
    assert d.current_url.split("#")[0].startswith(site + "/letters/")
    target = d.find_element(By.ID, fragment)
    assert d.execute_script("return document.querySelector(':target') === arguments[0]", target)
    # the statement's text, without its topic badges, is the "Nu" side (diff marks are visually hidden)
    own = d.execute_script("return Array.from(arguments[0].childNodes).filter(n => n.nodeType === 3)"
                           ".map(n => n.textContent).join('')", target)
    assert own.strip() == new_text.strip()


def test_walk_a_topic_timeline_to_an_earlier_date(site, browser):
    d = browser
    d.get(site + "/topics/veiligheid")
    assert text(d, "h1") == "Onderwerp: Veiligheid"
    bars = d.find_elements(By.CSS_SELECTOR, "svg.chart a")
    assert len(bars) >= 3  # four seed letters of 2021 speak about security
    first_heading = text(d, "#standpunt")
    follow(d, d.find_element(By.CSS_SELECTOR, "nav.walk a[rel=prev]"))
    earlier = d.find_element(By.ID, "as_of").get_attribute("value")
    assert earlier < time.strftime("%Y-%m-%d") and text(d, "#standpunt") != first_heading
    # and further back, through the chart: the first bar is the earliest letter
    follow(d, d.find_elements(By.CSS_SELECTOR, "svg.chart a")[0])
    first = d.find_element(By.ID, "as_of").get_attribute("value")
    assert first < earlier
    assert not d.find_elements(By.CSS_SELECTOR, "nav.walk a[rel=prev]")  # nothing before the first letter
    # the date picker: a day before any letter shows no position yet
    set_date(d, "as_of", "2020-01-01")
    follow(d, d.find_element(By.CSS_SELECTOR, "#standpunt ~ form button"))
    assert "as_of=2020-01-01" in d.current_url and "Op deze datum nog geen standpunt." in d.page_source


MAIN_PAGES = {"start": "/", "zoeken": "/search?q=terugkeer&topic=terugkeer", "brieven": "/letters",
              "brief": "/letters/kst-27925-781", "onderwerpen": "/topics", "onderwerp": "/topics/terugkeer",
              "wijziging": "/changes/2026Z09763/terugkeer", "wijziging-naast": "/changes/2026Z09763/terugkeer?weergave=naast",
              "vergelijken": "/compare?topic=terugkeer&a=kst-27925-781&b=2026Z09763"}


@pytest.mark.parametrize("name", MAIN_PAGES)
def test_main_pages_pass_axe_and_are_photographed(site, browser, name):
    d = browser
    SHOTS.mkdir(parents=True, exist_ok=True)
    for size, (w, h) in SIZES.items():
        d.set_window_size(w, h)
        d.get(site + MAIN_PAGES[name])
        assert d.find_element(By.TAG_NAME, "h1").text
        assert d.execute_script("return document.documentElement.scrollWidth") <= w + 1, \
            f"{name}: scrolls sideways at {size} width"
        full = d.execute_script("return document.documentElement.scrollHeight")
        d.set_window_size(w, min(max(h, full + 150), 6000))
        d.save_screenshot(str(SHOTS / f"{name}-{size}.png"))
    d.set_window_size(*SIZES["desktop"])
    violations = axe_violations(d)
    assert violations == [], "\n".join(violations)


def axe_violations(d: object) -> list[str]:
    """axe-core's WCAG 2.1 A/AA violations on the page loaded in ``d``, one line each."""
    d.execute_script(AXE.read_text(encoding="utf-8"))  # type: ignore[attr-defined]
    result = d.execute_async_script(  # type: ignore[attr-defined]
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})"
        ".then(r => done(JSON.stringify(r.violations))).catch(e => done(JSON.stringify([{id: 'axe-error', "
        "help: String(e), nodes: []}])));")
    return [f"{v['id']}: {v['help']} — {[n.get('target') for n in v['nodes']][:3]}" for v in json.loads(result)]
