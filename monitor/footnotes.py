"""Footnotes of a letter's text: bodies out of the running text, markers recorded where they stood. Pure.

What holds: a footnote body at a page bottom (numbered 1, 2, 3 … in order) leaves the running text and is
kept as a :class:`~monitor.model.Footnote`; its marker in the text is taken out and its place recorded on the
block (``Block.notes``). Language-neutral: numbers, punctuation and layout only.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .model import PROCEDURAL, Block, Footnote

TERMINAL = ".!?:;"  # what ends a sentence or a complete line


@dataclass
class Line:
    """One line of extracted text while it is being cleaned."""

    text: str
    kind: str = "text"  # text | heading | blank | bold
    leading_space: bool = False


_FOOT_START = re.compile(r"^(\d{1,2})(?:\s+(\S.*))?$")


def _is_url_fragment(s: str) -> bool:
    return " " not in s.strip()


def extract_plain_footnotes(lines: list[Line], footnotes: list[Footnote]) -> list[Line]:
    """Footnote bodies at page bottoms: numbered 1, 2, 3 … in order of appearance.

    A footnote starts on a line ``N text`` (or ``N`` alone) where N is the next
    expected number and the previous line is blank or another footnote. It runs
    on until the text resumes: a line after a complete footnote (ending in
    sentence punctuation, or a URL) that starts lower-case or on a new page
    (a leading space in PDF-to-text output).
    """
    out: list[Line] = []
    expected = 1
    current: list[str] | None = None
    number = ""
    prev_blank = True

    def close() -> None:
        nonlocal current
        if current is not None:
            body = ""
            for part in current:
                if body.endswith("-") or (body and _is_url_fragment(body.split()[-1]) and "://" in body
                                           and _is_url_fragment(part)):
                    body += part.strip()
                else:
                    body = (body + " " + part.strip()).strip()
            footnotes.append(Footnote(number, body))
        current = None

    for ln in lines:
        if ln.kind == "blank":
            out.append(ln)
            prev_blank = True
            continue
        m = _FOOT_START.match(ln.text)
        if m and int(m.group(1)) == expected and (prev_blank or current is not None) and \
                (m.group(2) is None or m.group(2)[:1].isupper() or m.group(2).startswith(("http", "www", "Zie", "["))):
            close()
            number = m.group(1)
            current = [m.group(2) or ""]
            expected += 1
            out.append(Line("", "blank"))
            prev_blank = False
            continue
        if current is not None:
            body = " ".join(current).strip()
            last = current[-1].strip()
            url_like = "://" in body and _is_url_fragment(last)
            complete = body.endswith(tuple(TERMINAL + ")")) or url_like
            resumes = (ln.leading_space or ln.text[:1].islower()) if not url_like else not _is_url_fragment(ln.text)
            if complete and resumes:
                close()
            else:
                current.append(ln.text)
                out.append(Line("", "blank"))
                prev_blank = False
                continue
        out.append(ln)
        prev_blank = False
    close()
    return out


_MARKER_PATTERNS = (
    r"(?<=[^\W\d_]){n}(?=[\s.,;:)]|$)",
    r"(?<=[.,;:)\]]){n}(?=\s|$)",
    r"(?<=[.,;:)] ){n}(?= [A-Z])",
)


def place_markers(blocks: list[Block], footnotes: list[Footnote], explicit: bool) -> list[Block]:
    """Take footnote markers out of the running text, recording where they stood."""
    result = list(blocks)
    if explicit:
        for i, b in enumerate(result):
            notes: list[tuple[int, str]] = []
            text = b.text

            # repl runs inside this iteration's re.sub only, so it sees this iteration's lists (B023 is moot)
            def repl(m: re.Match[str]) -> str:
                notes.append((m.start() - sum(len(x) for x in removed), m.group(1)))  # noqa: B023
                removed.append(m.group(0))  # noqa: B023
                return ""
            removed: list[str] = []
            new = re.sub(r"\s?\[\^(\w{1,3})\]", repl, text)
            if notes:
                result[i] = Block(b.kind, new.strip(), tuple(notes), b.role)
        merged: list[Block] = []
        for b in result:
            if not b.text and merged:  # a marker on a line of its own belongs to the text before it
                p = merged[-1]
                merged[-1] = Block(p.kind, p.text, p.notes + tuple((len(p.text), n) for _, n in b.notes), p.role)
            elif b.text:
                merged.append(b)
        return merged
    cursor = (0, 0)
    for fn in footnotes:
        found = None
        for bi in range(cursor[0], len(result)):
            b = result[bi]
            if b.kind == PROCEDURAL:
                continue
            start = cursor[1] if bi == cursor[0] else 0
            best = None
            for pat in _MARKER_PATTERNS:
                m = re.compile(pat.format(n=re.escape(fn.number))).search(b.text, start)
                if m and (best is None or m.start() < best.start()):
                    best = m
            if best:
                found = (bi, best)
                break
        if not found:
            continue
        bi, m = found
        b = result[bi]
        s, e = m.start(), m.end()
        if b.text[s - 1: s] == " " and b.text[e: e + 1] == " ":
            s -= 1
        text = b.text[:s] + b.text[e:]
        shifted = tuple((o if o <= s else o - (e - s), n) for o, n in b.notes)
        result[bi] = Block(b.kind, text, tuple(sorted(shifted + ((s, fn.number),))), b.role)
        cursor = (bi, s)
    return result
