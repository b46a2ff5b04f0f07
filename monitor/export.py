"""The JSON export read by ``shared/eval/evaluate.py`` (format in its README).

One object: ``letters`` (with statements and their topics) and ``changes``.
Output is deterministic: the same database exports the same bytes.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from .store import queries


def build_export(session: Session, subject: tuple[str, ...] | None = None, with_rejected: bool = False
                 ) -> dict[str, Any]:
    """Everything a reader sees. ``subject``: the changes of one followed subject (its ``change.subject`` keys;
    None: every subject's); ``with_rejected`` adds the changes analysts rejected or merged (input to learn
    from), each with its verdict in ``review``."""
    from .store import analysis

    topics = analysis.current_topics(session)
    out_letters = []
    for letter in queries.letters(session):
        srcs = queries.sources(session, letter)
        out_letters.append({
            "id": letter.key,
            "title": letter.title,
            "date": letter.date.isoformat() if letter.date else None,
            "kind": letter.kind,
            "reference": letter.reference,
            "sender": letter.sender,
            "source": srcs[0].locator if srcs else "",
            "sources": [s.locator for s in srcs],
            "statements": [
                {"id": s.uid, "text": s.text, "topics": sorted(topics.get(s.id, ())), "kind": s.kind,
                 "section": s.section, "position": s.position}
                for s in queries.statements(session, letter)
            ],
        })
    from .store import changes as change_store

    from .store import review as review_store

    views = change_store.changes(session, change_store.Filters(subject=subject, hide_rejected=not with_rejected),
                                 newest_first=False)
    verdicts = review_store.statuses(session, {v.record.uid for v in views})
    out_changes = []
    for v in views:
        d = v.as_dict()
        st = verdicts.get(v.record.uid)
        d["review"] = st.as_dict() if st is not None else None
        out_changes.append(d)
    return {"letters": out_letters, "changes": out_changes}


def write_export(session: Session, path: str, subject: tuple[str, ...] | None = None,
                 with_rejected: bool = False) -> dict[str, Any]:
    data = build_export(session, subject, with_rejected)
    text = json.dumps(data, ensure_ascii=False, indent=1, sort_keys=False)
    if path == "-":
        print(text)
    else:
        Path(path).parent.mkdir(parents=True, exist_ok=True)  # `-o var/export.json` on a fresh clone
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(text + "\n")
    return data
