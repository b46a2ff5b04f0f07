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
from .lang import Language, dutch
from .model import HEADING, LIST_ITEM, PARAGRAPH, PROCEDURAL, QUESTION, Cleaned, Statement

# Abbreviations, cross-references and question/answer heads: monitor/lang/<code>/sentences.toml.
_BOUNDARY = re.compile(r"[.!?]+[\"”’)\]]*(?=\s+[\"“‘„(\[]?[A-ZÀ-Ý0-9])")
_INITIALS = re.compile(r"^\(?(?:[A-Z][a-z]?\.)+$")

def sentence_spans(text: str, lang: Language | None = None) -> list[tuple[int, int]]:
    """Character spans of the sentences of one paragraph (white space trimmed; abbreviations of ``lang``)."""
    lang = lang or dutch()
    rules = lang.sentences
    spans: list[tuple[int, int]] = []
    start = 0
    for m in _BOUNDARY.finditer(text):
        if m.group(0).startswith("."):
            before = text[start:m.start() + 1]
            tok = before.rsplit(None, 1)[-1] if before.strip() else ""
            low = tok.lower().lstrip("(")
            if _INITIALS.match(tok):
                continue
            if low in rules.abbreviations and not tok.rstrip(".").isupper():  # "VS." is a country, not "vs."
                nxt = re.match(r"\s*([^\W\d_]+)", text[m.end():])
                starts_sentence = nxt is not None and lexicon.is_known(nxt.group(1).lower(), lang.lemmas)
                if not (low in rules.closing_abbreviations and starts_sentence):
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


def _numbers(first: str, rest: str, range_word: str) -> tuple[str, ...]:
    nums = [first] + re.findall(r"\d+", rest or "")
    if range_word and range_word in (rest or "") and len(nums) == 2:
        return tuple(str(n) for n in range(int(nums[0]), int(nums[1]) + 1))
    return tuple(nums)


def segment(cleaned: Cleaned, lang: Language | None = None) -> list[Statement]:
    """Split cleaned blocks into statements with their section context (rules of ``lang``, default Dutch)."""
    lang = lang or dutch()
    rules = lang.sentences
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
            q = rules.question_head.match(section)
            a = rules.answer_head.match(section)
            section_kind, answers = ("question", _numbers(q.group(1), q.group(2), rules.range)) if q else \
                ("answer", _numbers(a.group(1), a.group(2), rules.range)) if a else ("", ())
            statements.append(Statement(len(statements), HEADING, block.text, base, base + len(block.text),
                                        section=section, section_kind=section_kind, answers=answers,
                                        paragraph=para_no))
            continue
        if block.kind == PROCEDURAL:
            statements.append(Statement(len(statements), PROCEDURAL, block.text, base, base + len(block.text),
                                        section=section, paragraph=para_no, role=block.role))
            continue
        kind = QUESTION if section_kind == "question" else (LIST_ITEM if block.kind == LIST_ITEM else PARAGRAPH)
        for s, e in sentence_spans(block.text, lang):
            notes = tuple(n for o, n in block.notes if s <= o <= e)
            text = block.text[s:e]
            reference = ((bool(rules.cross_reference.match(text)) and len(text) < 120)
                         or bool(rules.answered_by.match(text)))
            statements.append(Statement(len(statements), PROCEDURAL if reference else kind, text, base + s, base + e,
                                        section=section, section_kind=section_kind, answers=answers,
                                        paragraph=para_no, footnotes=notes, role="reference" if reference else ""))
    return statements
