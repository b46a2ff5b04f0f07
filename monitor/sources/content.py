"""Which format a downloaded file is: the bytes first, then the response's Content-Type, then the metadata's.

A service's metadata can be wrong (SyncFeed enclosures were all named
``.pdf``; an OData ``ContentType`` with "openxmlformats" was taken for XML),
so the bytes decide where they are unambiguous. A format we cannot read is a
clear error naming the content type, not a mis-parse.
"""
from __future__ import annotations

from ..parse import DOCX, is_docx

_BY_TYPE = (
    ("wordprocessingml", ".docx"),
    ("pdf", ".pdf"),
    ("html", ".html"),
    ("xml", ".xml"),
    ("text/plain", ".txt"),
    ("markdown", ".md"),
)
_UNREADABLE = ("image/", "audio/", "video/", "msword", "spreadsheet", "presentation", "ms-excel", "zip",
               "opendocument")


class UnsupportedContent(ValueError):
    """A file in a format the monitor cannot read (an image, a spreadsheet, legacy .doc)."""


def sniff(body: bytes) -> str:
    """The extension the bytes prove, or "" when they do not say."""
    head = body[:512].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if body.startswith(b"%PDF-"):
        return ".pdf"
    if is_docx(body):
        return ".docx"
    if head.startswith((b"<!doctype html", b"<html")):
        return ".html"
    if head.startswith(b"<?xml") or head.startswith(b"<"):
        return ".xml" if b"<html" not in head else ".html"
    return ""


def by_type(content_type: str) -> str:
    ct = (content_type or "").split(";")[0].strip().lower()
    if ct == DOCX:
        return ".docx"
    return next((ext for key, ext in _BY_TYPE if key in ct), "")


def file_name(stem: str, body: bytes, header_type: str, meta_type: str) -> str:
    """``stem`` plus the extension of the format the file is in; raises UnsupportedContent."""
    ext = sniff(body)
    if ext:
        return stem + ext
    for ct in (header_type, meta_type):
        low = (ct or "").lower()
        if any(bad in low for bad in _UNREADABLE):
            raise UnsupportedContent(f"unsupported content type {ct!r}: not a format letters can be read from")
    ext = by_type(header_type) or by_type(meta_type)
    if ext in (".pdf", ".docx"):  # claimed binary format, but the bytes are not that
        raise UnsupportedContent(f"content type {header_type or meta_type!r} but the bytes are not a "
                                 f"{ext[1:].upper()} file")
    return stem + (ext or ".txt")
