"""An analyst's review in a real browser (the desk's headless Chromium over chromium-driver).

Log in, reject a change with a note and see it leave the page and the feed,
confirm another and see the verdict in the API. Skips without Chromium
(`make browser`), except under CI.
"""
from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import feedparser
import httpx
import pytest
from click.testing import CliRunner

from monitor.cli import main
from monitor.config import load_settings
from tests.conftest import ROOT, copy_seeds
from tests.test_review import _by_change_set
from tests.test_web import serving

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
DRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
PASSWORD = "een lang wachtwoord"

webdriver = pytest.importorskip("selenium.webdriver")
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

if not (Path(CHROMIUM).exists() and Path(DRIVER).exists()):
    if os.environ.get("CI"):
        raise RuntimeError("chromium or chromedriver missing: run `make browser`")
    pytestmark = pytest.mark.skip(reason="chromium or chromedriver not installed: run `make browser`")


@pytest.fixture()
def site(tmp_path: Path) -> Iterator[tuple[str, str, str, list[str]]]:
    db_url = f"sqlite:///{tmp_path / 'monitor.db'}"
    base_args = ["--config", str(ROOT / "config.toml"), "--database", db_url]
    for args in (["ingest", str(copy_seeds(tmp_path / "inbox"))], ["user", "add", "anna", "--password", PASSWORD]):
        result = CliRunner().invoke(main, [*base_args, *args], catch_exceptions=False)
        assert result.exit_code == 0, result.output
    by_set = _by_change_set(db_url)
    (key, topic), uids = next((k, v) for k, v in by_set.items() if len(v) >= 2)
    with serving(load_settings(ROOT / "config.toml", database_url=db_url)) as base:
        yield base, key, topic, uids


@pytest.fixture()
def browser() -> Iterator[object]:
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--lang=nl-NL"):
        options.add_argument(arg)
    driver = webdriver.Chrome(options=options, service=webdriver.ChromeService(executable_path=DRIVER))
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()


def submit(driver: object, button: object) -> None:
    """Click a form's button and wait for the page it posts to (which may be the same URL) to load."""
    old = driver.find_element(By.TAG_NAME, "html")  # type: ignore[attr-defined]
    button.click()  # type: ignore[attr-defined]

    def reloaded(d: object) -> bool:
        try:
            _ = old.tag_name  # reading a stale element raises once the page was replaced
            return False
        except Exception:  # noqa: BLE001 - stale: the new page replaced it
            return d.execute_script("return document.readyState") == "complete"  # type: ignore[attr-defined]
    WebDriverWait(driver, 30).until(reloaded)


def check_forms(d: object) -> None:
    """The review forms, opened, pass axe and fit a phone with no word broken inside."""
    from tests.test_browser import AXE, SHOTS, axe_violations
    from tests.test_browser_phone import PHONE, measure
    d.execute_script("document.querySelectorAll('details').forEach(e => e.open = true)")  # type: ignore[attr-defined]
    if AXE.exists():
        assert axe_violations(d) == []
    size = d.get_window_size()  # type: ignore[attr-defined]
    d.set_window_size(*PHONE)  # type: ignore[attr-defined]
    try:
        broken, wide, _ = measure(d)
        SHOTS.mkdir(parents=True, exist_ok=True)
        d.execute_script("document.querySelector('form.review').scrollIntoView()")  # type: ignore[attr-defined]
        d.save_screenshot(str(SHOTS / "beoordelen-telefoon.png"))  # type: ignore[attr-defined]
        assert broken == [] and wide == [], (broken[:5], wide[:5])
    finally:
        d.set_window_size(size["width"], size["height"])  # type: ignore[attr-defined]
        d.execute_script("document.querySelectorAll('details').forEach(e => e.open = false)")  # type: ignore[attr-defined]


def test_log_in_reject_with_a_note_then_confirm_another(site, browser):
    base, key, topic, (rejected, confirmed, *_) = site
    d = browser
    page = f"{base}/changes/{key}/{topic}"
    def entry_html() -> str:
        feed = feedparser.parse(httpx.get(f"{base}/topics/{topic}.atom").content)
        return next(e for e in feed.entries if e.link == page).content[0].value
    before = {i["id"]: i for i in httpx.get(f"{base}/api/changes", params={"letter": key, "topic": topic,
                                                                          "limit": 200}).json()["items"]}
    gone = (before[rejected]["new_text"] or before[rejected]["old_text"])[:60]
    assert gone in entry_html()
    d.get(page)
    assert not d.find_elements(By.CSS_SELECTOR, "form.review")  # reading needs no login and offers no forms
    submit(d, d.find_element(By.LINK_TEXT, "Inloggen om te beoordelen"))
    # a wrong password first: the error stands out, the name stays, and the way back to the page is kept
    d.find_element(By.ID, "name").send_keys("anna")
    d.find_element(By.ID, "password").send_keys("niet het wachtwoord")
    submit(d, d.find_element(By.CSS_SELECTOR, "main form button"))
    error = d.find_element(By.CSS_SELECTOR, "main .error")
    assert error.text == "Onbekende naam of onjuist wachtwoord."
    assert error.value_of_css_property("background-color") not in ("rgba(0, 0, 0, 0)", "transparent")
    assert error.value_of_css_property("color") != d.find_element(By.TAG_NAME, "h1").value_of_css_property("color")
    assert d.find_element(By.ID, "name").get_attribute("value") == "anna"
    d.find_element(By.ID, "password").send_keys(PASSWORD)
    submit(d, d.find_element(By.CSS_SELECTOR, "main form button"))
    assert d.current_url == page and "Ingelogd als anna" in d.page_source

    check_forms(d)
    item = d.find_element(By.CSS_SELECTOR, f'[data-change="{rejected}"]')
    item.find_element(By.NAME, "note").send_keys("verkeerde koppeling")
    # "Afwijzen" looks unlike "Bevestigen" and asks first: its button shows only after "Afwijzen…" is opened
    confirm = item.find_element(By.CSS_SELECTOR, 'button[value="confirm"]')
    ask = item.find_element(By.CSS_SELECTOR, "details.reject > summary")
    assert ask.text == "Afwijzen…"
    looks = ("color", "background-color", "border-top-color")
    assert [ask.value_of_css_property(p) for p in looks] != [confirm.value_of_css_property(p) for p in looks]
    reject = item.find_element(By.CSS_SELECTOR, 'button[value="reject"]')
    assert not reject.is_displayed()
    ask.click()
    assert reject.is_displayed() and reject.text == "Ja, afwijzen"
    assert reject.value_of_css_property("background-color") != confirm.value_of_css_property("background-color")
    submit(d, reject)
    assert d.current_url == page
    assert not d.find_elements(By.CSS_SELECTOR, f'[data-change="{rejected}"]')
    assert not httpx.get(page).text.count(f'data-change="{rejected}"')  # nor for a reader without login
    assert gone not in entry_html() and "door een analist beoordeeld" in entry_html()

    item = d.find_element(By.CSS_SELECTOR, f'[data-change="{confirmed}"]')
    submit(d, item.find_element(By.CSS_SELECTOR, 'button[value="confirm"]'))
    assert "bevestigd" in d.find_element(By.CSS_SELECTOR, f'[data-change="{confirmed}"]').text
    items = {i["id"]: i for i in httpx.get(f"{base}/api/changes", params={
        "letter": key, "topic": topic, "limit": 200, "include_rejected": "true"}).json()["items"]}
    assert items[confirmed]["review"]["verdict"] == "confirmed" and items[confirmed]["review"]["by"] == "anna"
    assert items[rejected]["review"]["verdict"] == "rejected"
    assert items[rejected]["review"]["notes"][0]["text"] == "verkeerde koppeling"
