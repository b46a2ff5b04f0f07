"""Extracted text → cleaned blocks: page furniture out, footnotes aside, words whole.

What counts as furniture, a label or a formality is the language's (``monitor/lang/nl/cleaning.toml``).

What holds for the result (:class:`~monitor.model.Cleaned`):

* Kamerstuk footers and headers, page numbers, return addresses, letterhead
  address blocks and repeated ``Datum``/``Onze referentie`` label blocks are
  gone; what they said (reference, date, …) is kept in ``found``.
* Footnote bodies are out of the running text and kept in ``footnotes``; each
  marker's place is recorded on its block (``Block.notes``) (:mod:`monitor.footnotes`).
* Words broken over lines are joined only when the joined form is a Dutch
  word (or occurs in the letter itself); real compounds keep their hyphen
  (``migratie-inzet``), capitalised continuations stay hyphenated
  (``Mazar-e-Sharif``).
* Markdown markup is stripped; mixed-script words are flagged, not rewritten.
* Salutations, addressee, datelines, subject lines and signatures are kept as
  ``procedural`` blocks.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from . import lexicon
from .lang import Language, dutch
from .lang.cleaning import CleaningRules
from .footnotes import TERMINAL as _TERMINAL
from .footnotes import Line, extract_plain_footnotes, place_markers
from .model import HEADING, LIST_ITEM, PARAGRAPH, PROCEDURAL, Block, Cleaned, Extracted, Flag, Footnote

# ------------------------------------------------------------------ patterns

# The language's furniture, formalities and labels are in monitor/lang/<code>/cleaning.toml (CleaningRules).
_LIST_START = re.compile(r"^(?:[-•–*▪●◦]|\(?[a-z1-9]\)|\d{1,2}\.)\s+(?=\S)")
_NON_LATIN = re.compile(r"[Ѐ-ӿͰ-Ͽ]")
_MIXED_WORD = re.compile(r"\w*[A-Za-zÀ-ɏ]\w*[Ѐ-ӿͰ-Ͽ]\w*|\w*[Ѐ-ӿͰ-Ͽ]\w*[A-Za-zÀ-ɏ]\w*")


@dataclass
class _State:
    found: dict[str, str] = field(default_factory=dict)
    footnotes: list[Footnote] = field(default_factory=list)
    flags: list[Flag] = field(default_factory=list)


# ------------------------------------------------------------------ normalisation

def _normalise(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n")
    for ch in ("\u00ad", "\u200b", "\u200c", "\u200d", "\ufeff"):
        text = text.replace(ch, "")
    return text.replace("\u00a0", " ").replace("\t", " ")


# ------------------------------------------------------------------ markdown

_MD_LINK = re.compile(r"!?\[([^\]]*)\]\(([^)]*)\)")
_MD_AUTOLINK = re.compile(r"<((?:https?://|mailto:)[^>]+)>")
_MD_SUP = re.compile(r"<sup>\s*(\w{1,3})\s*</sup>")
_MD_FOOTDEF = re.compile(r"^(?:\[\^?(\d{1,3})\]:?|<sup>\s*(\d{1,3})\s*</sup>)\s+(\S.*)$")
_MD_TAG = re.compile(r"</?[a-zA-Z][^>]{0,200}>")
_MD_BOLD_LINE = re.compile(r"^(\*\*|__)(.+?)\1\s*(\[\^?\d{1,3}\]|\[\d{1,3}\])?$")


def _md_inline(text: str, note_numbers: set[str]) -> str:
    text = _MD_SUP.sub(lambda m: f"[^{m.group(1)}]", text)
    text = _MD_LINK.sub(lambda m: m.group(1), text)
    text = _MD_AUTOLINK.sub(lambda m: m.group(1), text)
    text = re.sub(r"\[(\d{1,3})\]", lambda m: f"[^{m.group(1)}]" if m.group(1) in note_numbers else m.group(0), text)
    text = _MD_TAG.sub("", text)
    text = re.sub(r"(\*\*|__)(.+?)\1", r"\2", text)
    text = re.sub(r"(?<![\w*])\*(?!\s)([^*\n]+?)(?<!\s)\*(?![\w*])", r"\1", text)
    text = re.sub(r"\\([\\`*_{}\[\]()#+\-.!>])", r"\1", text)
    return text


def _markdown_lines(text: str, st: _State, c: CleaningRules) -> list[Line]:
    raw = text.split("\n")
    defs: dict[str, str] = {}
    for line in raw:
        m = _MD_FOOTDEF.match(line.strip().lstrip("> ").strip())
        if m:
            defs[m.group(1) or m.group(2)] = m.group(3)
    numbers = set(defs)
    out: list[Line] = []
    for line in raw:
        s = re.sub(r"^(?:>\s?)+", "", line.strip()).rstrip()
        if not s or re.fullmatch(r"(?:-{3,}|\*{3,}|_{3,})", s):
            out.append(Line("", "blank"))
            continue
        m = _MD_FOOTDEF.match(s)
        if m and (m.group(1) or m.group(2)) in numbers:
            nr = m.group(1) or m.group(2)
            st.footnotes.append(Footnote(nr, " ".join(_md_inline(m.group(3), set()).split())))
            out.append(Line("", "blank"))
            continue
        h = re.match(r"^#{1,6}\s+(.*)$", s)
        if h:
            out.append(Line(_md_inline(h.group(1), numbers).strip(), "heading"))
            continue
        b = _MD_BOLD_LINE.match(s)
        inner = _md_inline(s, numbers).strip()
        if b:
            plain = _md_inline(b.group(2), numbers).strip()
            short = len(plain.split()) <= 10 and plain[-1:] not in ".?!:;,"
            out.append(Line(inner, "heading" if short and not c.labels.match(plain) else "bold"))
            continue
        out.append(Line(inner))
    return out


# ------------------------------------------------------------------ plain text

def _plain_lines(text: str) -> list[Line]:
    out: list[Line] = []
    for line in text.split("\n"):
        s = line.rstrip()
        if not s.strip():
            out.append(Line("", "blank"))
        else:
            out.append(Line(s.strip(), "text", leading_space=s.startswith(" ")))
    return out


def _strip_furniture(lines: list[Line], st: _State, c: CleaningRules) -> list[Line]:
    out: list[Line] = []
    for ln in lines:
        s = ln.text
        m = c.kst_id.match(s)
        if m:
            st.found.setdefault("reference", m.group(1).lower())
            st.found.setdefault("dossier", m.group(2))
            st.found.setdefault("number", m.group(3))
        f = c.footer_ref.search(s) if c.footer_starts and s.startswith(c.footer_starts) else None
        if f:
            st.found.setdefault("dossier", f.group(1).replace(" ", ""))
            st.found.setdefault("number", f.group(2))
        if ln.kind != "blank" and any(p.match(s) for p in c.furniture):
            out.append(Line("", "blank"))
            continue
        out.append(ln)
    return out


# ------------------------------------------------------------------ labels and letterhead

def _strip_labels(lines: list[Line], st: _State, c: CleaningRules) -> list[Line]:
    """Remove ``Datum``/``Onze referentie``/… label blocks, keeping their values in ``found``."""
    out: list[Line] = []
    i = 0
    while i < len(lines):
        ln = lines[i]
        m = c.labels.match(ln.text) if ln.kind != "blank" else None
        if m and len(ln.text) <= 60:
            label = m.group(1).lower()
            value = m.group(2)
            j = i + 1
            if value is None:
                while j < len(lines) and lines[j].kind == "blank":
                    j += 1
                if j < len(lines) and len(lines[j].text) <= 40 and not c.labels.match(lines[j].text):
                    value = lines[j].text
                    j += 1
                else:
                    j = i + 1
            if value:
                key = c.label_keys.get(label)
                if key:
                    st.found.setdefault(key, value.strip())
            out.append(Line("", "blank"))
            i = j
            continue
        out.append(ln)
        i += 1
    return out


def _paragraphs(lines: list[Line]) -> list[list[Line]]:
    paras: list[list[Line]] = []
    cur: list[Line] = []
    for ln in lines:
        if ln.kind == "blank":
            if cur:
                paras.append(cur)
                cur = []
        else:
            cur.append(ln)
    if cur:
        paras.append(cur)
    return paras


def _strip_letterhead(paras: list[list[Line]], c: CleaningRules) -> list[list[Line]]:
    """Drop paragraphs made only of address lines (the sender's letterhead block).

    The addressee block (``Aan de Voorzitter …``) is kept: it becomes procedural.
    """
    out: list[list[Line]] = []
    for para in paras:
        if c.addressee.match(para[0].text):
            out.append(para)
            continue
        if all(ln.kind == "text" and c.address_line.match(ln.text) and len(ln.text) <= 60 for ln in para):
            continue
        out.append(para)
    return out


# ------------------------------------------------------------------ headings, lists, joining


def _heading_like(s: str, c: CleaningRules) -> bool:
    words = s.split()
    if not s or len(s) > 80 or len(words) > 8 or s[-1] in _TERMINAL + ",":
        return False
    if len(words) > 1 and words[-1].lower() in c.wrapped_line_end:
        return False  # a wrapped line of running text, not a title
    if not (s[0].isupper() or re.match(r"^\d+(?:\.\d+)*\.?\s+[A-Z]", s)):
        return False
    if c.dateline.match(s) or c.role.match(s) or c.subject.match(s) or c.addressee.match(s):
        return False
    return any(len(w) >= 4 and w[0].isalpha() for w in words)


def _split_headings(paras: list[list[Line]], flavour: str, c: CleaningRules) -> list[tuple[str, list[Line]]]:
    """Split paragraphs into (kind, lines) units, pulling headings out as their own units."""
    units: list[tuple[str, list[Line]]] = []
    for para in paras:
        cur: list[Line] = []
        for idx, ln in enumerate(para):
            is_heading = ln.kind == "heading"
            if flavour == "plain" and not is_heading and ln.kind == "text":
                prev = para[idx - 1].text if idx else ""
                nxt = para[idx + 1].text if idx + 1 < len(para) else ""
                starts = idx == 0 or prev[-1:] in _TERMINAL or ln.leading_space
                is_heading = (starts and _heading_like(ln.text, c)
                              and (not nxt or nxt[:1].isupper() or nxt[:1].isdigit())
                              and not _is_header_title(ln.text, c))
            prev_text = para[idx - 1].text if idx else ""
            is_role = ln.kind == "text" and (
                any(c.role.match(p.strip()) for p in re.split(r"\s{3,}", ln.text))
                # PDF text often has no blank lines: formalities are recognised per line
                or bool(c.salutation.match(ln.text) or c.dateline.match(ln.text) or c.closing.match(ln.text)))
            after_role = bool(units) and units[-1][0] == "role" and not cur and _name_like(ln.text, c)
            if is_heading or is_role or after_role:
                if cur:
                    units.append((PARAGRAPH, cur))
                    cur = []
                units.append((HEADING if is_heading else "role", [ln]))
            elif ln.kind == "bold":
                if cur:
                    units.append((PARAGRAPH, cur))
                    cur = []
                units.append((PARAGRAPH, [ln]))
            elif _LIST_START.match(ln.text) and (idx == 0 or prev_text[-1:] in _TERMINAL):
                if cur:
                    units.append((PARAGRAPH, cur))
                units.append((LIST_ITEM, [ln]))
                cur = []
            else:
                if units and units[-1][0] == LIST_ITEM and not cur and idx > 0:
                    units[-1][1].append(ln)  # a list item's continuation line
                else:
                    cur.append(ln)
        if cur:
            units.append((PARAGRAPH, cur))
    return [(PARAGRAPH if kind == "role" else kind, ls) for kind, ls in units]


def _should_join(left: str, right: str, vocab: set[str], code: str) -> bool:
    """Is ``left-`` + ``right`` one word broken over a line (True) or a real hyphen (False)?"""
    if right[:1].isupper() or left[-1:].isupper():
        return False
    joined = left + right
    if lexicon.is_known(joined, code) or joined.lower() in vocab:
        return True
    if f"{left}-{right}".lower() in vocab:
        return False
    if len(right) >= 3 and lexicon.is_known(right, code):
        return False
    return True


_HYPHEN_END = re.compile(r"([^\W\d_]+)-$")
_WORD_START = re.compile(r"^([^\W\d_]+)")


def join_lines(lines: list[str], vocab: set[str], code: str = lexicon.LANG) -> str:
    """The lines as one text; a word broken over lines is joined when the whole is a word of language ``code``."""
    out = ""
    for raw in lines:
        s = " ".join(raw.split())
        if not s:
            continue
        if not out:
            out = s
            continue
        # only the end of what is joined so far can hold a hyphenated word; searching all of it made
        # joining quadratic in the paragraph's length
        m = _HYPHEN_END.search(out, max(0, len(out) - 120)) if out.endswith("-") else None
        w = _WORD_START.match(s)
        if m and w:
            out = out[:-1] + s if _should_join(m.group(1), w.group(1), vocab, code) else out + s
        else:
            out += " " + s
    return out


def _vocab(lines: list[Line]) -> set[str]:
    vocab: set[str] = set()
    for ln in lines:
        for w in re.findall(r"[^\W\d_]+(?:-[^\W\d_]+)*", ln.text):
            vocab.add(w.lower())
    return vocab


# ------------------------------------------------------------------ procedural roles

def _is_header_title(text: str, c: CleaningRules) -> bool:
    """An all-capitals title line (``VEILIGHEID``, ``Nr. 781 BRIEF VAN DE MINISTER …``)."""
    rest = c.number_prefix.sub("", text)
    return bool(c.header_title.match(rest)) and not any(c.islower() for c in rest)


def _procedural_role(text: str, first_line: str, c: CleaningRules) -> str:
    if c.salutation.match(text):
        return "salutation"
    if c.closing.match(text):
        return "closing"
    if c.addressee.match(first_line):
        return "address"
    if c.dateline.match(text):
        return "dateline"
    if c.subject.match(text):
        return "subject"
    if c.role.match(first_line) or any(c.role.match(part.strip()) for part in re.split(r"\s{3,}", first_line)):
        return "signature"
    if _is_header_title(text, c):
        return "header"
    return ""


def _name_like(text: str, c: CleaningRules) -> bool:
    parts = [p for p in re.split(r"\s{3,}", text) if p.strip()]
    return all(c.name_line.match(p.strip()) and len(p.split()) <= 6 for p in parts) and len(text) <= 120


# ------------------------------------------------------------------ main entry

def clean(ex: Extracted, lang: Language | None = None) -> Cleaned:
    """The cleaned letter (furniture, formalities and labels of ``lang``, default Dutch)."""
    lang = lang or dutch()
    c, code = lang.cleaning, lang.lemmas
    st = _State()
    text = _normalise(ex.text)
    if ex.flavour == "markdown":
        lines = _markdown_lines(text, st, c)
        lines = _strip_furniture(lines, st, c)
    else:
        lines = _plain_lines(text)
        lines = _strip_furniture(lines, st, c)
        lines = extract_plain_footnotes(lines, st.footnotes)
    lines = _strip_labels(lines, st, c)
    vocab = _vocab(lines)
    paras = _strip_letterhead(_paragraphs(lines), c)
    units = _split_headings(paras, ex.flavour, c)

    blocks: list[Block] = []
    after_signature = False
    for kind, ulines in units:
        text_ = join_lines([ln.text for ln in ulines], vocab, code)
        if not text_:
            continue
        if kind == LIST_ITEM:
            text_ = _LIST_START.sub("", text_, count=1)
        role = _procedural_role(text_, ulines[0].text, c)
        if not role and after_signature and _name_like(text_, c):
            role = "signature"
        if role:
            blocks.append(Block(PROCEDURAL, text_, (), role))
            after_signature = role == "signature"
            if role == "subject":
                st.found.setdefault("subject", c.subject.match(text_).group(1))  # type: ignore[union-attr]
            elif role == "dateline":
                st.found.setdefault("date_text", text_)
            continue
        after_signature = False
        prev = blocks[-1] if blocks else None
        # A paragraph interrupted by a page break, a footnote block or furniture
        # continues in lower case after a line that did not end a sentence.
        if (prev is not None and kind in (PARAGRAPH, LIST_ITEM) and prev.kind in (PARAGRAPH, LIST_ITEM)
                and prev.text[-1:] not in _TERMINAL and text_[:1].islower()):
            blocks[-1] = Block(prev.kind, join_lines([prev.text, text_], vocab, code), prev.notes, prev.role)
            continue
        blocks.append(Block(kind, text_))

    blocks = place_markers(blocks, st.footnotes, explicit=ex.flavour == "markdown")
    seen: set[str] = set()
    for b in blocks:
        if not _NON_LATIN.search(b.text):  # the common case; _MIXED_WORD backtracks over every word
            continue
        for m in _MIXED_WORD.finditer(b.text):
            if m.group(0) in seen:
                continue
            seen.add(m.group(0))
            st.flags.append(Flag("mixed-script", m.group(0),
                                 "word mixes Latin with Cyrillic or Greek letters (look-alike characters?)"))
    return Cleaned(blocks=tuple(blocks), footnotes=tuple(st.footnotes), flags=tuple(st.flags), found=st.found)
