"""Bytes of one file → :class:`~monitor.model.Extracted` text.

Pure: bytes and a file name in, text out. Every failure is an
:class:`InputError` whose message says what is wrong in words a user can act
on; the caller adds the file name or URL. Formats: plain text, Markdown,
HTML, officielebekendmakingen XML, PDF (text layer), Word .docx (python-docx).
"""
from __future__ import annotations

import io
import re
import unicodedata
from html.parser import HTMLParser
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring as safe_fromstring

from .model import Extracted

DEFAULT_MAX_BYTES = 20 * 1024 * 1024


class InputError(ValueError):
    """A file that cannot be read as a letter; the message says why."""


def too_large(size: int, max_bytes: int) -> str:
    """The one message for a file over the size limit."""
    return f"file too large: {size / 1048576:.1f} MB exceeds the limit of {max_bytes / 1048576:g} MB"


def _check_size(data: bytes, max_bytes: int) -> None:
    if len(data) > max_bytes:
        raise InputError(too_large(len(data), max_bytes))
    if not data.strip():
        raise InputError("empty file: no text to read")


def decode_text(data: bytes) -> tuple[str, tuple[str, ...]]:
    """Decode text bytes: UTF-8 (with or without BOM), else Windows-1252 with a warning.

    Raises InputError for binary data (NUL bytes or many control characters),
    which no text encoding would make into a letter.
    """
    head = data[:65536]
    if b"\x00" in head:
        raise InputError("binary file: contains NUL bytes, not text")
    try:
        text = data.decode("utf-8-sig")
        warnings: tuple[str, ...] = ()
    except UnicodeDecodeError as exc:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            text = data.decode("latin-1")
        warnings = (f"not valid UTF-8 (byte {exc.start}); decoded as Windows-1252/Latin-1",)
    sample = text[:65536]
    # C0/C1 control characters other than line breaks and tabs (unicodedata category "Cc"), counted by a
    # regex: a per-character category lookup cost more than the rest of parsing
    controls = len(_CONTROLS.findall(sample))
    if sample and controls / len(sample) > 0.02:
        raise InputError("binary file: too many control characters to be text")
    return unicodedata.normalize("NFC", text), warnings


_CONTROLS = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]")
_MD_SIGNALS = re.compile(r"(^\s*\*\*[^*\n]+\*\*\s*$|^#{1,6} |^> |\]\([^)]*\)|<sup>)", re.M)


def looks_like_markdown(text: str) -> bool:
    """Text files converted from PDF to Markdown carry bold lines, links, quotes."""
    return len(_MD_SIGNALS.findall(text[:200_000])) >= 3


# ------------------------------------------------------------------ PDF

def extract_pdf(data: bytes) -> str:
    """Text layer of a PDF, pages separated by form feeds."""
    if not data.startswith(b"%PDF-"):
        raise InputError("not a PDF: the file does not start with %PDF-")
    if b"%%EOF" not in data[-2048:]:
        raise InputError("truncated PDF: no %%EOF marker at the end of the file")
    from pypdf import PdfReader  # local: only PDF input pays for the import
    from pypdf.errors import PdfReadError
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        pages = [page.extract_text() or "" for page in reader.pages]
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        raise InputError(f"cannot read PDF: {exc}") from None
    text = "\f\n".join(pages)
    if not text.strip():
        raise InputError("PDF has no text layer (a scan?); OCR it first")
    return text


# ------------------------------------------------------------------ HTML

_BLOCK_TAGS = {"p", "div", "section", "article", "li", "tr", "br", "table", "ul", "ol", "blockquote"}
_HEADING_TAGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
_SKIP_TAGS = {"script", "style", "head", "nav", "footer", "header", "noscript", "template"}


class _HtmlToMarkdown(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.skip = 0
        self.title: list[str] = []
        self.in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP_TAGS:
            self.skip += 1
        elif tag == "title":
            self.in_title = True
        elif tag in _HEADING_TAGS:
            self.out.append("\n\n## ")
        elif tag == "li":
            self.out.append("\n\n- ")
        elif tag == "sup":
            self.out.append("<sup>")
        elif tag in _BLOCK_TAGS:
            self.out.append("\n\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP_TAGS:
            self.skip = max(0, self.skip - 1)
        elif tag == "title":
            self.in_title = False
        elif tag == "sup":
            self.out.append("</sup>")
        elif tag in _HEADING_TAGS or tag in _BLOCK_TAGS:
            self.out.append("\n\n")

    def handle_data(self, data: str) -> None:
        if self.in_title:
            self.title.append(data)
        elif not self.skip:
            self.out.append(re.sub(r"\s+", " ", data))


def extract_html(text: str) -> tuple[str, dict[str, str]]:
    parser = _HtmlToMarkdown()
    parser.feed(text)
    parser.close()
    body = "".join(parser.out)
    body = re.sub(r"[ \t]+\n", "\n", body)
    body = re.sub(r"\n{3,}", "\n\n", body).strip()
    meta = {"title": " ".join("".join(parser.title).split())} if parser.title else {}
    return body, meta


# ------------------------------------------------------------------ officielebekendmakingen XML

_XML_HEADINGS = {"tussenkop", "titel", "kop", "onderwerp"}
_XML_PARAS = {"al", "alinea", "p", "aanhef", "slotformule", "dagtekening", "functie", "naam", "li"}
_XML_SKIP = {"meta", "metadata", "kamerstukkop", "nootref"}


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1].lower() if isinstance(tag, str) else ""


def _inline_text(el: Element, notes: list[tuple[str, str]]) -> str:
    """Text of an element with footnotes turned into [^n] markers."""
    parts: list[str] = [el.text or ""]
    for child in el:
        name = _local(child.tag)
        if name == "noot":
            nr = next((("".join(c.itertext())).strip() for c in child if _local(c.tag) == "noot.nr"), str(len(notes) + 1))
            body = " ".join("".join(c.itertext()).strip() for c in child if _local(c.tag) != "noot.nr")
            notes.append((nr, " ".join(body.split())))
            parts.append(f"[^{nr}]")
        else:
            parts.append(_inline_text(child, notes))
        parts.append(child.tail or "")
    return " ".join("".join(parts).split())


MAX_XML_DEPTH = 200  # officielebekendmakingen letters nest about 15 deep; more is not a letter


def _depth(root: Element) -> int:
    """How deep the tree nests (at most MAX_XML_DEPTH + 1), without recursion: a hostile file may nest
    200,000 deep, and every per-element text join would make that quadratic."""
    deepest, stack = 0, [(root, 1)]
    while stack:
        el, d = stack.pop()
        deepest = max(deepest, d)
        if d > MAX_XML_DEPTH:
            return d  # enough to refuse; walking on would cost time for nothing
        stack.extend((child, d + 1) for child in el)
    return deepest


def extract_xml(data: bytes) -> tuple[str, dict[str, str]]:
    """officielebekendmakingen XML (kst-…xml) → Markdown-flavoured text and metadata."""
    try:
        root = safe_fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except ParseError as exc:
        line, col = exc.position if hasattr(exc, "position") else (0, 0)
        raise InputError(f"malformed XML at line {line}, column {col}: {exc}") from None
    except DefusedXmlException as exc:
        raise InputError(f"unsafe XML refused ({type(exc).__name__}): DTDs and entities are not allowed") from None
    if _depth(root) > MAX_XML_DEPTH:
        raise InputError(f"XML nested more than {MAX_XML_DEPTH} levels deep: not a letter, refused")
    meta: dict[str, str] = {}
    for el in root.iter():
        name = _local(el.tag)
        text = " ".join("".join(el.itertext()).split())
        if name == "dossiernr" and text and "dossier" not in meta:
            meta["dossier"] = text
        elif name == "ondernummer" and text and "number" not in meta:
            meta["number"] = text
        elif name == "meta" and el.get("name") and el.get("content"):
            meta.setdefault(el.get("name", ""), el.get("content", ""))
    out: list[str] = []
    notes: list[tuple[str, str]] = []

    def walk(el: Element) -> None:
        for child in el:
            name = _local(child.tag)
            if name in _XML_SKIP:
                continue
            if name in _XML_HEADINGS:
                text = _inline_text(child, notes)
                if text:
                    out.append(f"## {text}")
            elif name in _XML_PARAS:
                text = _inline_text(child, notes)
                if text:
                    out.append(f"- {text}" if name == "li" else text)
            elif name == "noot":
                continue
            else:
                walk(child)

    walk(root)
    if not out:  # an unknown vocabulary: fall back to every leaf's text
        out = [" ".join(t.split()) for t in root.itertext() if t.strip()]
    out.extend(f"[^{nr}]: {body}" for nr, body in notes)
    if not out:
        raise InputError("XML holds no text")
    return "\n\n".join(out), meta


# ------------------------------------------------------------------ Word (.docx)

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
_DOCX_MAX_UNZIPPED = 200 * 1024 * 1024  # a zip bomb is refused before python-docx inflates it


def is_docx(data: bytes) -> bool:
    """A ZIP whose parts include ``word/document.xml`` (an OOXML word-processing file)."""
    if not data.startswith(b"PK\x03\x04"):
        return False
    import zipfile
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            return "word/document.xml" in zf.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return False


def extract_docx(data: bytes) -> str:
    """Paragraphs and table cells of a .docx as Markdown-flavoured text (headings as ``##``).

    python-docx parses with entity resolution off (no XXE); the total unzipped
    size is checked first so a small file cannot expand into gigabytes.
    """
    import zipfile

    from docx import Document as open_docx  # local: only Word input pays for the import
    from docx.opc.exceptions import PackageNotFoundError
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            unzipped = sum(i.file_size for i in zf.infolist())
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise InputError(f"not a readable .docx (ZIP): {exc}") from None
    if unzipped > _DOCX_MAX_UNZIPPED:
        raise InputError(f".docx unpacks to {unzipped / 1e6:.0f} MB: refused (limit {_DOCX_MAX_UNZIPPED / 1e6:.0f} MB)")
    try:
        doc = open_docx(io.BytesIO(data))
    except (PackageNotFoundError, KeyError, ValueError, zipfile.BadZipFile) as exc:
        raise InputError(f"cannot read .docx: {exc}") from None
    out: list[str] = []
    for para in doc.paragraphs:
        text = " ".join(para.text.split())
        if not text:
            continue
        style = (para.style.name if para.style is not None else "") or ""
        if style.lower().startswith(("heading", "kop", "title", "titel")):
            out.append(f"## {text}")
        elif style.lower().startswith(("list", "lijst")):
            out.append(f"- {text}")
        else:
            out.append(text)
    for table in doc.tables:
        for row in table.rows:
            cells = [" ".join(c.text.split()) for c in row.cells]
            if any(cells):
                out.append(" | ".join(dict.fromkeys(c for c in cells if c)))
    if not out:
        raise InputError(".docx holds no text")
    return "\n\n".join(out)


# ------------------------------------------------------------------ dispatch

def media_type_for(name: str, data: bytes) -> str:
    """The format: the bytes decide where they are unambiguous, else the file name."""
    lower = name.lower()
    head = data[:512].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    if is_docx(data):
        return DOCX
    if head.startswith((b"<!doctype html", b"<html")):
        return "text/html"
    if head.startswith(b"<?xml") and not lower.endswith((".html", ".htm")):
        return "application/xml"
    if lower.endswith(".pdf"):
        return "application/pdf"
    if lower.endswith((".html", ".htm")):
        return "text/html"
    if lower.endswith(".xml"):
        return "application/xml"
    if lower.endswith(".md"):
        return "text/markdown"
    return "text/plain"


def extract(data: bytes, name: str, max_bytes: int = DEFAULT_MAX_BYTES) -> Extracted:
    """Extract the text of one file. Raises InputError with a plain message."""
    _check_size(data, max_bytes)
    media = media_type_for(name, data)
    if media == "application/pdf":
        return Extracted(text=extract_pdf(data), flavour="plain", media_type=media)
    if media == DOCX:
        return Extracted(text=extract_docx(data), flavour="markdown", media_type=media)
    if data.startswith(b"PK\x03\x04") or name.lower().endswith((".docx", ".odt", ".doc")):
        raise InputError("unsupported document format: a ZIP/Office file that is not a Word .docx")
    if media == "application/xml":
        body, meta = extract_xml(data)
        return Extracted(text=body, flavour="markdown", media_type=media, meta=meta)
    text, warnings = decode_text(data)
    if not text.strip():
        raise InputError("empty file: no text to read")
    if media == "text/html":
        body, meta = extract_html(text)
        if not body.strip():
            raise InputError("HTML page holds no text")
        return Extracted(text=body, flavour="markdown", media_type=media, warnings=warnings, meta=meta)
    flavour = "markdown" if media == "text/markdown" or looks_like_markdown(text) else "plain"
    return Extracted(text=text, flavour=flavour, media_type=media, warnings=warnings)
