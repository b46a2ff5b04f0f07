"""One reference scheme for a parliamentary document, whatever source it came from.

* A Kamerstuk is ``kst-<dossier>[-<toevoeging>]-<volgnummer>``, exactly as
  KOOP prints it: ``kst-27925-781``, ``kst-21501-02-2350`` (dossier 21 501,
  Toevoeging ``02``: the EU councils), ``kst-35000-VIII-10``, ``kst-35302-F``
  (an Eerste Kamer letter). The Toevoeging is part of the dossier: dropping it
  merges different letters (``kst-21501-02-2350`` and ``kst-21501-20-2350``).
* Answers to written questions (Kamervragen) are referenced by their ``Z``
  number (``2019Z05743``), which every source knows.
* Tweede Kamer document numbers (``2021D18503``), TK GUIDs, KOOP ids such as
  ``ah-tk-20202021-3235`` or ``kst-1027283`` are *aliases*: they identify the
  same letter but are never its reference.

Pure functions only; no I/O.
"""
from __future__ import annotations

import re
from typing import Any

# kst-<dossier>-[<toevoeging>-]<volgnummer>; a toevoeging is letters and digits (02, VIII, IXB).
_KST = re.compile(r"\bkst-(\d{4,6})-(?:([A-Z0-9]{1,5})-)?([A-Z0-9]{1,6})\b", re.I)
# "Kamerstuk 21 501-02, nr. 2350", "vergaderjaar 2020–2021, 27 925, nr. 781"
_CITED = re.compile(r"(\d{2}[\d ]{2,6}\d)\s*(?:-\s*([A-Z0-9]{1,5}))?\s*,?\s*(?:nr\.?|no\.?)\s*(\d+)\b", re.I)
ZAAK = re.compile(r"^\d{4}Z\d{5}$", re.I)
DOCUMENT_NUMBER = re.compile(r"^\d{4}D\d{5}$", re.I)
# Only the KOOP id of a Kamerstuk whose dossier is unknown: ``kst-1027283``.
_KOOP_INTERNAL = re.compile(r"^kst-\d{7,}$", re.I)


def _toevoeging(value: Any) -> str:
    """A dossier's Toevoeging as KOOP prints it, or "" when there is none.

    The Tweede Kamer also uses parenthesised Toevoegingen (``(R2054)``) that are
    not part of the printed number (openkamer/tkapi ``document_url`` skips them).
    """
    if not isinstance(value, str | int) or isinstance(value, bool):
        return ""
    text = str(value).strip()
    if not text or "(" in text or not re.fullmatch(r"[A-Za-z0-9]{1,5}", text):
        return ""
    return text.upper()


def _number(value: Any) -> str:
    """A positive whole number (int or digit string), else ""; ``-1`` means "none" at the TK."""
    if isinstance(value, bool):
        return ""
    if isinstance(value, int):
        return str(value) if value > 0 else ""
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        return str(int(value.strip())) if int(value.strip()) > 0 else ""
    return ""


def kamerstuk(dossier: Any, toevoeging: Any, volgnummer: Any) -> str:
    """``kst-21501-02-2350`` from its parts; "" when a part is missing or invalid (``Volgnummer: -1``)."""
    nummer = _number(dossier)
    volg = _number(volgnummer)
    if not volg and isinstance(volgnummer, str) and re.fullmatch(r"[A-Za-z]{1,2}", volgnummer.strip()):
        volg = volgnummer.strip().upper()  # Eerste Kamer letters: kst-35302-F
    if not nummer or not volg:
        return ""
    toe = _toevoeging(toevoeging)
    return f"kst-{nummer}-{toe}-{volg}" if toe else f"kst-{nummer}-{volg}"


def split_dossier(value: Any) -> tuple[str, str]:
    """KOOP's ``dossiernummer`` may carry the Toevoeging (``21501-02``): (number, toevoeging)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value), ""
    if not isinstance(value, str):
        return "", ""
    m = re.fullmatch(r"\s*(\d{4,6})(?:\s*-\s*([A-Za-z0-9]{1,5}))?\s*", value)
    return (m.group(1), _toevoeging(m.group(2) or "")) if m else ("", "")


def parse_kamerstuk(ref: str) -> tuple[str, str, str] | None:
    """(dossier, toevoeging, volgnummer) of a ``kst-…`` id, or None (also for ``kst-1027283``)."""
    m = _KST.fullmatch((ref or "").strip())
    if not m or _KOOP_INTERNAL.match(ref.strip()):
        return None
    return m.group(1), (m.group(2) or "").upper(), m.group(3).upper()


def normalise(ref: str) -> str:
    """Any way of writing a reference → the scheme; unknown forms are returned stripped.

    ``kst-21501-02-2350`` stays whole (the Toevoeging is kept); ``Kamerstuk 21 501-02,
    nr. 2350`` → ``kst-21501-02-2350``; ``2019z05743`` → ``2019Z05743``.
    """
    ref = (ref or "").strip()
    if ZAAK.match(ref):
        return ref.upper()
    m = _KST.search(ref)
    if m and not _KOOP_INTERNAL.match(m.group(0)):
        return kamerstuk(m.group(1), m.group(2) or "", m.group(3)) or ref
    m = _CITED.search(ref)
    if m:
        return kamerstuk(m.group(1).replace(" ", ""), m.group(2) or "", m.group(3)) or ref
    return ref


def is_reference(ref: str) -> bool:
    """Is this a reference of the scheme (a Kamerstuk or a Z number), not merely an alias?"""
    return bool(ref) and (ZAAK.match(ref) is not None or parse_kamerstuk(ref) is not None)


# TK document kinds (``Soort``) that are answers to written questions: referenced by Z number.
ANSWER_KINDS = frozenset({"antwoord schriftelijke vragen", "antwoord schriftelijke vragen (nader)"})


def kind_slug(service_kind: str) -> str:
    """The letter kind stored for a service's document type (TK ``Soort``, KOOP ``subrubriek``)."""
    low = " ".join((service_kind or "").lower().split())
    if low in ("brief regering", "brief"):
        return "brief"
    if low == "antwoord schriftelijke vragen" or low == "antwoord":
        return "antwoorden-kamervragen"
    if low == "antwoord schriftelijke vragen (nader)":
        return "antwoorden-kamervragen-nader"
    if low == "bijlage":
        return "bijlage"
    return re.sub(r"[^a-z0-9]+", "-", low).strip("-")
