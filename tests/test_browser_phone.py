"""Every page on a phone (390 px, Debian's Chromium over chromium-driver): no word broken inside, nothing wider
than the screen, tables as stacked cards. And long pages: minor changes folded, whole titles in the compare
pickers, a legend under the timeline chart. Skips without Chromium (`make browser`), except under CI.

"No word broken inside" is measured on what the browser laid out, not guessed from CSS: every word of every
visible text node is put in a DOM Range, and a word whose boxes sit on more than one line was broken
inside (a word may still wrap after its own hyphen or slash: "Noord-/Holland", "…/archive/"). A word that
is wider than its whole box by itself (a long URL) is counted too: it must not happen on these pages.
"""
from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator

import httpx
import pytest

from tests.test_browser import SHOTS, SIZES, _missing, axe_violations, browser, site, webdriver  # noqa: F401 - fixtures

from selenium.webdriver.common.by import By  # noqa: E402

if (why := _missing()) is not None:  # test_browser raised already under CI
    pytestmark = pytest.mark.skip(reason=why)

PHONE = SIZES["phone"]

# Each page a reader can reach, with the seeds: lists, a letter, a topic timeline, change sets (inline and
# side by side), compare, search with and without results, login, and error pages.
PAGES = {
    "start": "/", "zoeken": "/search?q=terugkeer", "zoeken-leeg": "/search?q=zzzzonbekend",
    "filters": "/search?topic=veiligheid&kind=modified", "brieven": "/letters", "dossier": "/letters?dossier=27925",
    "brief": "/letters/kst-27925-781", "onderwerpen": "/topics", "onderwerp": "/topics/terugkeer",
    "onderwerp-veiligheid": "/topics/veiligheid?as_of=2021-08-26",
    "wijziging": "/changes/2026Z09763/terugkeer", "wijziging-naast": "/changes/2026Z09763/terugkeer?weergave=naast",
    "vergelijken": "/compare?topic=terugkeer", "vergelijken-gekozen": "/compare?topic=terugkeer&a=kst-27925-781&b=2026Z09763",
    "vergelijken-naast": "/compare?topic=terugkeer&a=kst-27925-781&b=2026Z09763&weergave=naast",
    "inloggen": "/login", "niet-gevonden": "/letters/nope", "onbekend-adres": "/nergens",
}

# Runs in the page: (broken words, elements wider than the screen or cut off inside their box).
MEASURE = r"""
const width = document.documentElement.clientWidth;
const hidden = el => {
  for (let e = el; e; e = e.parentElement) {
    const s = getComputedStyle(e);
    // not shown, or shown to screen readers only (clipped to nothing, as .vh and a card table's header row)
    if (s.display === 'none' || s.visibility === 'hidden' || (s.position === 'absolute' && s.clip !== 'auto') ||
        e.classList.contains('skip') || (e.tagName === 'DETAILS' && !e.open && e !== el &&
        !(el.closest('summary') && el.closest('summary').parentElement === e))) return true;
  }
  return false;
};
const broken = [];
const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
for (let node = walker.nextNode(); node; node = walker.nextNode()) {
  const parent = node.parentElement;
  if (!parent || ['SCRIPT', 'STYLE', 'OPTION', 'SELECT', 'TITLE'].includes(parent.tagName) ||
      parent.closest('svg') || hidden(parent)) continue;
  const text = node.textContent;
  // a word: a run without spaces, cut after a hyphen, dash or slash (a line may end there)
  const re = /[^\s\-\u2010-\u2014\/]+[\-\u2010-\u2014\/]?/g;
  let m;
  while ((m = re.exec(text)) !== null) {
    if (m[0].length < 2) continue;
    const range = document.createRange();
    range.setStart(node, m.index);
    range.setEnd(node, m.index + m[0].length);
    const tops = new Set(Array.from(range.getClientRects()).filter(r => r.width > 0.5)
                           .map(r => Math.round(r.top)));
    if (tops.size > 1) broken.push(m[0] + ' (in <' + parent.tagName.toLowerCase() + '>)');
  }
}
const wide = [];
for (const el of document.body.querySelectorAll('*')) {
  if (hidden(el) || el.closest('svg')) continue;
  const r = el.getBoundingClientRect();
  if (r.width === 0 && r.height === 0) continue;
  const s = getComputedStyle(el);
  const name = el.tagName.toLowerCase() + (el.className && typeof el.className === 'string' ? '.' + el.className : '');
  if (r.right > width + 1 || r.left < -1) wide.push(name + ' spans ' + Math.round(r.left) + '..' + Math.round(r.right));
  else if (el.clientWidth > 0 && !['SELECT', 'INPUT', 'TEXTAREA', 'HTML', 'BODY'].includes(el.tagName) &&
           el.scrollWidth > el.clientWidth + 1) wide.push(name + ' scrolls sideways (' + el.scrollWidth + ' > ' + el.clientWidth + ')');
}
return JSON.stringify([broken, wide, document.documentElement.scrollWidth]);
"""


@pytest.fixture(scope="module")
def phone() -> Iterator[object]:
    from tests.test_browser import CHROMIUM, DRIVER
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--lang=nl-NL",
                "--hide-scrollbars", f"--window-size={PHONE[0]},{PHONE[1]}"):
        options.add_argument(arg)
    driver = webdriver.Chrome(options=options, service=webdriver.ChromeService(executable_path=DRIVER))
    driver.set_page_load_timeout(30)
    driver.set_script_timeout(60)
    driver.set_window_size(*PHONE)
    yield driver
    driver.quit()


def measure(driver: object) -> tuple[list[str], list[str], int]:
    broken, wide, scroll = json.loads(driver.execute_script(MEASURE))  # type: ignore[attr-defined]
    return broken, wide, scroll


@pytest.mark.parametrize("name", PAGES)
def test_every_page_on_a_phone_breaks_no_word_and_fits_the_screen(site, phone, name):  # noqa: F811
    d = phone
    d.get(site + PAGES[name])
    assert d.find_element(By.TAG_NAME, "h1").text
    assert d.execute_script("return document.documentElement.clientWidth") <= PHONE[0]
    for summary in d.find_elements(By.CSS_SELECTOR, "details > summary"):  # what is folded is measured too
        d.execute_script("arguments[0].parentElement.open = true", summary)
    broken, wide, scroll = measure(d)
    SHOTS.mkdir(parents=True, exist_ok=True)
    full = d.execute_script("return document.documentElement.scrollHeight")
    d.set_window_size(PHONE[0], min(max(PHONE[1], full + 150), 8000))
    d.save_screenshot(str(SHOTS / f"telefoon-{name}.png"))
    d.set_window_size(*PHONE)
    assert broken == [], f"{name}: words broken inside at {PHONE[0]} px: {broken[:10]}"
    assert wide == [] and scroll <= PHONE[0], f"{name}: wider than the screen: {wide[:10]} (page {scroll} px)"


@pytest.mark.parametrize("name", ["brieven", "onderwerpen", "onderwerp", "wijziging-naast", "vergelijken", "inloggen",
                                  "niet-gevonden"])
def test_phone_layouts_pass_axe(site, phone, name):  # noqa: F811
    phone.get(site + PAGES[name])
    violations = axe_violations(phone)
    assert violations == [], "\n".join(violations)


def test_tables_are_stacked_cards_on_a_phone_with_their_column_names(site, phone):  # noqa: F811
    d = phone
    d.get(site + "/letters")
    rows = d.find_elements(By.CSS_SELECTOR, "main tbody tr")
    assert len(rows) >= 3
    for row in rows[:3]:
        cells = row.find_elements(By.TAG_NAME, "td")
        lefts = {round(c.rect["x"]) for c in cells}
        assert len(lefts) == 1, "cells stand under each other, not side by side"
        title = cells[1]
        assert title.rect["width"] > 0.8 * PHONE[0] - 40, "the title gets the card's whole width"
        label = d.execute_script("return getComputedStyle(arguments[0], '::before').content", title)
        assert label.strip('"').startswith("Titel"), label  # each value says what it is, as its header did
    d.set_window_size(*SIZES["desktop"])
    try:
        d.get(site + "/letters")
        cells = d.find_elements(By.CSS_SELECTOR, "main tbody tr")[0].find_elements(By.TAG_NAME, "td")
        assert len({round(c.rect["y"]) for c in cells}) == 1, "on a desktop the table is a table"
    finally:
        d.set_window_size(*PHONE)


def test_the_word_check_sees_a_word_broken_inside(site, phone):  # noqa: F811
    """The measurement itself: a narrow cell that breaks anywhere must be caught (the old desk's failure)."""
    d = phone
    d.get(site + "/letters")
    d.execute_script("const s = document.createElement('style'); s.textContent = "
                     "'main table, main tr, main td {display: revert} main td {overflow-wrap: anywhere}"
                     " main td:nth-child(2) {width: 3.5rem; max-width: 3.5rem} main td::before {content: none}';"
                     "document.head.append(s)")
    broken, _, _ = measure(d)
    assert broken, "a 3.5rem title column breaks its words"
    d.execute_script("const p = document.createElement('p'); p.style.cssText = 'width: 15rem; white-space: nowrap';"
                     "p.textContent = 'een regel die veel te lang is voor een telefoon'; document.querySelector('main').append(p)")
    _, wide, _ = measure(d)
    assert any(w.startswith("p scrolls") for w in wide), wide  # its text runs out of its box


def test_a_change_set_folds_its_minor_changes_behind_a_count(site, browser):  # noqa: F811
    d = browser
    minor = Counter((c["letter"], c["topic"]) for c in
                    httpx.get(f"{site}/api/changes", params={"published": "false", "limit": 200}).json()["items"])
    (key, topic), n = minor.most_common(1)[0]
    assert n >= 5, "the seeds have a change set with many minor changes"
    d.get(f"{site}/changes/{key}/{topic}?weergave=naast")
    assert d.find_element(By.ID, "kleinere").text == f"Kleinere wijzigingen ({n})"
    folded = d.find_element(By.CSS_SELECTOR, "details.minor")
    assert folded.get_attribute("open") is None
    assert folded.find_element(By.TAG_NAME, "summary").text == f"{n} kleinere wijzigingen tonen"
    inside = folded.find_elements(By.CSS_SELECTOR, ".change")
    assert len(inside) == n and not any(c.is_displayed() for c in inside)
    shown = [c for c in d.find_elements(By.CSS_SELECTOR, ".change") if c not in inside]
    assert shown and all(c.is_displayed() for c in shown)  # the published changes stay open
    short = d.execute_script("return document.documentElement.scrollHeight")
    folded.find_element(By.TAG_NAME, "summary").click()
    assert all(c.is_displayed() for c in inside)
    assert d.execute_script("return document.documentElement.scrollHeight") > short + 100 * n


def test_compare_shows_whole_letter_titles_in_its_pickers(site, browser):  # noqa: F811
    d = browser
    titles = {l["id"]: l["title"] for l in httpx.get(f"{site}/api/letters", params={"limit": 200}).json()["items"]}
    d.get(f"{site}/compare?topic=terugkeer")
    for picker in ("c-a", "c-b"):
        select = d.find_element(By.ID, picker)
        options = select.find_elements(By.TAG_NAME, "option")
        assert len(options) >= 2
        for o in options:
            assert o.text.endswith(" — " + titles[o.get_attribute("value")])  # the whole title, not cut
        # the chosen letter's whole line fits in the closed picker on a desktop
        fits = d.execute_script(
            "const s = arguments[0], c = document.createElement('canvas').getContext('2d');"
            "c.font = getComputedStyle(s).font; const cs = getComputedStyle(s);"
            "const room = s.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight) - 20;"
            "return [c.measureText(s.options[s.selectedIndex].text).width, room]", select)
        assert fits[0] <= fits[1], f"{picker}: {fits[0]:.0f} px of text in {fits[1]:.0f} px"


def test_the_timeline_chart_has_a_legend_in_the_bars_colours(site, browser):  # noqa: F811
    d = browser
    d.get(f"{site}/topics/veiligheid?as_of=2021-08-26")
    legend = d.find_element(By.CSS_SELECTOR, "svg.chart + ul.legend")
    colour = "return getComputedStyle(arguments[0]).backgroundColor"
    fill = "return getComputedStyle(arguments[0]).fill"
    bar = d.find_element(By.CSS_SELECTOR, "svg.chart rect.bar:not(.current)")
    current = d.find_element(By.CSS_SELECTOR, "svg.chart rect.current")
    items = legend.find_elements(By.TAG_NAME, "li")
    assert d.execute_script(colour, items[0].find_element(By.CSS_SELECTOR, ".swatch")) == d.execute_script(fill, bar)
    assert d.execute_script(colour, items[1].find_element(By.CSS_SELECTOR, ".swatch")) == \
        d.execute_script(fill, current)
    assert "brief met wijzigingen" in items[0].text and "meer wijzigingen" in items[0].text
    assert "26 augustus 2021" in items[1].text  # the date asked for: why that bar stands out
