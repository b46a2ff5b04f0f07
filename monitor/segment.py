"""Cleaned blocks → statements: sections, paragraphs, sentences.

What holds:

* every statement's ``text`` equals ``cleaned.text[start:end]``;
* a heading is its own statement and never glued to the next sentence;
* Dutch abbreviations (``o.a.``, ``jl.``, ``a.s.``, ``ca.``, ``nr.``, ``d.d.``)
  and initials (``A.Th.B.``) do not end a sentence;
* statements under ``Vraag N`` are questions; under ``Antwoord op vraag N``
  (or ``… vraag 7 en 8``) they record the question numbers they answer;
* procedural blocks (salutation, address, signature, …) stay whole and are
  marked procedural.
"""
from __future__ import annotations

import re

from . import lexicon
from .model import HEADING, LIST_ITEM, PARAGRAPH, PROCEDURAL, QUESTION, Cleaned, Statement

ABBREVIATIONS = frozenset("""
a.s. afd. alg. art. bijv. blz. bv. ca. cf. d.d. d.w.z. dhr. dr. drs. e.a. e.d. e.v. enz. etc. excl. fig.
i.c. i.e. i.o.m. i.p.v. i.s.m. i.v.m. incl. ing. ir. jl. jr. m.b.t. m.b.v. m.i.v. m.n. max. mevr. min. mln.
mld. mr. mrd. mw. nl. no. nr. nrs. o.a. o.b.v. o.l.v. o.m. p. pag. plv. prof. red. resp. sr. st. t.a.v.
t.b.v. t.g.v. t.o.v. t.w. tel. u.i.t.v. v. v.a. vgl. viz. vs. z.g. z.s.m. zgn. zg.
""".split())

# Abbreviations that often close a sentence ("… op 22 april jl."): these end one
# when an ordinary Dutch word follows with a capital (a sentence start).
CLOSING_ABBREVIATIONS = frozenset("jl. a.s. enz. etc. e.d. e.a. e.v.".split())

_BOUNDARY = re.compile(r"[.!?]+[\"”’)\]]*(?=\s+[\"“‘„(\[]?[A-ZÀ-Ý0-9])")
_INITIALS = re.compile(r"^\(?(?:[A-Z][a-z]?\.)+$")
# A sentence that only points elsewhere ("Zie antwoord op vraag 4.") states no position.
_CROSS_REFERENCE = re.compile(r"^(?:Zie|Verwezen wordt naar|Ik verwijs naar)\s+(?:ook\s+)?(?:het\s+|de\s+|mijn\s+)?"
                              r"(?:antwoord(?:en)?|beantwoording|vraag|vragen|bijlage|voetnoot|paragraaf|brief)\b[^.]*\.?$",
                              re.I)
_QUESTION_HEAD = re.compile(r"^Vra(?:ag|gen)\s+(\d+)((?:\s*(?:,|en|t/m)\s*\d+)*)\s*:?$", re.I)
_ANSWER_HEAD = re.compile(r"^Antwoord(?:en)?(?:\s+op)?(?:\s+(?:de\s+)?vra(?:ag|gen))?\s+(\d+)((?:\s*(?:,|en|t/m)\s*\d+)*)\s*:?$", re.I)


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Character spans of the sentences of one paragraph (white space trimmed)."""
    spans: list[tuple[int, int]] = []
    start = 0
    for m in _BOUNDARY.finditer(text):
        if m.group(0).startswith("."):
            before = text[start:m.start() + 1]
            tok = before.rsplit(None, 1)[-1] if before.strip() else ""
            low = tok.lower().lstrip("(")
            if _INITIALS.match(tok):
                continue
            if low in ABBREVIATIONS and not tok.rstrip(".").isupper():  # "VS." is a country, not "vs."
                nxt = re.match(r"\s*([^\W\d_]+)", text[m.end():])
                starts_sentence = nxt is not None and lexicon.is_known(nxt.group(1).lower())
                if not (low in CLOSING_ABBREVIATIONS and starts_sentence):
                    continue
        end = m.end()
        if text[start:end].strip():
            spans.append((start, end))
        start = end
        while start < len(text) and text[start].isspace():
            start += 1
    if text[start:].strip():
        spans.append((start, len(text.rstrip())))
    out = []
    for s, e in spans:
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e > s:
            out.append((s, e))
    return out


def _numbers(first: str, rest: str) -> tuple[str, ...]:
    nums = [first] + re.findall(r"\d+", rest or "")
    if "t/m" in (rest or "") and len(nums) == 2:
        return tuple(str(n) for n in range(int(nums[0]), int(nums[1]) + 1))
    return tuple(nums)


def segment(cleaned: Cleaned) -> list[Statement]:
    """Split cleaned blocks into statements with their section context."""
    statements: list[Statement] = []
    offset = 0
    section = ""
    section_kind = ""
    answers: tuple[str, ...] = ()
    for para_no, block in enumerate(cleaned.blocks):
        base = offset
        offset += len(block.text) + 2  # blocks are joined by a blank line
        if block.kind == HEADING:
            section = block.text
            q = _QUESTION_HEAD.match(section)
            a = _ANSWER_HEAD.match(section)
            section_kind, answers = ("question", _numbers(q.group(1), q.group(2))) if q else \
                ("answer", _numbers(a.group(1), a.group(2))) if a else ("", ())
            statements.append(Statement(len(statements), HEADING, block.text, base, base + len(block.text),
                                        section=section, section_kind=section_kind, answers=answers,
                                        paragraph=para_no))
            continue
        if block.kind == PROCEDURAL:
            statements.append(Statement(len(statements), PROCEDURAL, block.text, base, base + len(block.text),
                                        section=section, paragraph=para_no, role=block.role))
            continue
        kind = QUESTION if section_kind == "question" else (LIST_ITEM if block.kind == LIST_ITEM else PARAGRAPH)
        for s, e in sentence_spans(block.text):
            notes = tuple(n for o, n in block.notes if s <= o <= e)
            text = block.text[s:e]
            reference = bool(_CROSS_REFERENCE.match(text)) and len(text) < 120
            statements.append(Statement(len(statements), PROCEDURAL if reference else kind, text, base + s, base + e,
                                        section=section, section_kind=section_kind, answers=answers,
                                        paragraph=para_no, footnotes=notes, role="reference" if reference else ""))
    return statements
