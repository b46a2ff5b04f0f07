"""HTML pages in Dutch: no external assets, readable on a phone, with feed autodiscovery."""
from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from urllib.parse import quote

from .feed import ChangeSet, changeset_html, dutch_date

CSS = """
body{font:16px/1.5 system-ui,sans-serif;margin:0 auto;max-width:52rem;padding:1rem;color:#1b1b1b}
a{color:#01689b}h1{font-size:1.5rem}h2{font-size:1.2rem;margin-top:2rem}
del{background:#fde2e1;color:#8a1c1c}ins{background:#dff3e2;color:#12591f;text-decoration:none}
blockquote{margin:.5rem 0;padding:.25rem .75rem;border-left:3px solid #ccc;background:#f7f7f7}
.meta{color:#555;font-size:.9rem}.topic{display:inline-block;padding:0 .4rem;margin-right:.25rem;
border-radius:.3rem;background:#e8f1f8;font-size:.8rem}.proc{color:#777}ul{padding-left:1.2rem}
li{margin:.3rem 0}code{word-break:break-all}
"""


def e(text: object) -> str:
    return html.escape("" if text is None else str(text), quote=True)


def page(title: str, body: str, feeds: Iterable[tuple[str, str]] = ()) -> str:
    links = "".join(f'<link rel="alternate" type="application/atom+xml" title="{e(t)}" href="{e(u)}">'
                    for t, u in feeds)
    return ("<!doctype html><html lang=\"nl\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
            f"<title>{e(title)}</title>{links}<style>{CSS}</style></head><body>"
            f"<p class=\"meta\"><a href=\"/\">Beleidsmonitor</a></p>{body}</body></html>")


def index(title: str, topics: Sequence[str], recent: Sequence[ChangeSet], feed_url: str, letters: int) -> str:
    topic_items = "".join(
        f'<li><a href="/topics/{quote(t)}">{e(t)}</a> — <a href="/topics/{quote(t)}.atom">feed</a></li>'
        for t in topics)
    items = "".join(
        f'<li><a href="{e(cs.url)}">{e(cs.headline)}</a> <span class="meta">{len(cs.changes)} wijziging(en)</span></li>'
        for cs in recent) or "<li>Nog geen wijzigingen.</li>"
    body = (f"<h1>{e(title)}</h1><p>Wat het kabinet nu zegt dat het eerder niet zei, per onderwerp, met citaten "
            f"en bronnen. {letters} brieven gevolgd.</p>"
            f'<p><a href="{e(feed_url)}">Abonneer op de feed met alle wijzigingen</a> of kies een onderwerp:</p>'
            f"<ul>{topic_items}</ul><h2>Recente wijzigingen</h2><ul>{items}</ul>"
            '<p class="meta">JSON: <a href="/api/changes">/api/changes</a>, <a href="/api/letters">/api/letters</a>'
            "</p>")
    feeds = [(title, feed_url)] + [(f"{title} — {t}", f"/topics/{quote(t)}.atom") for t in topics]
    return page(title, body, feeds)


def changeset_page(cs: ChangeSet) -> str:
    body = f"<h1>{e(cs.headline)}</h1>{changeset_html(cs, fold=False)}"
    return page(cs.headline, body, [(f"Wijzigingen — {cs.topic}", f"/topics/{quote(cs.topic)}.atom")])


def topic_page(topic: str, as_of: str, standing: Sequence[tuple[str, str, str, str]], recent: Sequence[ChangeSet]
               ) -> str:
    """``standing``: (letter key, letter title, letter date, statement text) in letter order."""
    rows = []
    current = None
    for key, title, date, text in standing:
        if key != current:
            if current is not None:
                rows.append("</ul>")
            current = key
            rows.append(f'<h3><a href="/letters/{quote(key, safe="")}">{e(title)}</a> '
                        f'<span class="meta">{e(date)}</span></h3><ul>')
        rows.append(f"<li>{e(text)}</li>")
    if current is not None:
        rows.append("</ul>")
    changes = "".join(f'<li><a href="{e(cs.url)}">{e(cs.headline)}</a></li>' for cs in recent) or \
        "<li>Nog geen wijzigingen.</li>"
    body = (f"<h1>Onderwerp: {e(topic)}</h1><p><a href=\"/topics/{quote(topic)}.atom\">Feed voor {e(topic)}</a></p>"
            f"<h2>Recente wijzigingen</h2><ul>{changes}</ul>"
            f"<h2>Staand standpunt per {e(as_of)}</h2>{''.join(rows) or '<p>Nog niets.</p>'}")
    return page(f"Onderwerp {topic}", body, [(f"Wijzigingen — {topic}", f"/topics/{quote(topic)}.atom")])


def letter_page(letter: dict, statements: Sequence[dict], changesets: Sequence[ChangeSet]) -> str:
    srcs = "".join(f'<li><a href="{e(s)}">{e(s)}</a></li>' if s.startswith(("http://", "https://"))
                   else f"<li><code>{e(s)}</code></li>" for s in letter["sources"])
    parts = []
    for s in statements:
        if s["kind"] == "heading":
            parts.append(f"<h3>{e(s['text'])}</h3>")
            continue
        badges = "".join(f'<span class="topic">{e(t)}</span>' for t in s["topics"])
        cls = ' class="proc"' if s["kind"] == "procedural" else ""
        parts.append(f"<p{cls} id=\"{e(s['id'])}\">{badges}{e(s['text'])}</p>")
    sets = "".join(f'<li><a href="{e(cs.url)}">{e(cs.headline)}</a></li>' for cs in changesets) or \
        "<li>Geen wijzigingen.</li>"
    date = dutch_date(letter["date_obj"]) if letter.get("date_obj") else "datum onbekend"
    body = (f"<h1>{e(letter['title'])}</h1><p class=\"meta\">{e(letter['id'])} — {e(date)} — {e(letter['kind'])}"
            f"<br>{e(letter['sender'])}</p><h2>Bronnen</h2><ul>{srcs}</ul>"
            f"<h2>Wijzigingen door deze brief</h2><ul>{sets}</ul><h2>Tekst</h2>{''.join(parts)}")
    return page(letter["title"], body, [("Alle wijzigingen", "/feed.atom")])
