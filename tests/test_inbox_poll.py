"""Polling the inbox by metadata: a file whose size, modification time and inode (and its sidecar's) did not
move is neither read nor written; one whose stat moved is read, and stored only when its bytes changed.

Real files in a temporary inbox, a real database, the daemon's own polling work (:class:`monitor.daemon.Monitor`).
"""
from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest

from monitor.config import load_settings
from monitor.daemon import Monitor
from monitor.sources.folder import discover
from tests.conftest import SEED_LETTERS, SEEDS, copy_seeds, query, scalar, write_config

LETTER = SEED_LETTERS[0]
SIDECAR = Path(LETTER).stem + ".meta.toml"
HOUR_AGO = time.time() - 3600


def _age(folder: Path, when: float = HOUR_AGO) -> None:
    """Files written a while ago (one just written is not trusted by its stat: it may change within the tick)."""
    for f in folder.iterdir():
        os.utime(f, (when, when))


def _monitor(tmp_path: Path, inbox: Path, db_url: str) -> Monitor:
    return Monitor(load_settings(write_config(tmp_path / "config.toml", inbox), database_url=db_url, environ={}))


def _writes(db_url: str) -> dict[str, object]:
    """What any write for a seen file would leave behind."""
    return {"source": query(db_url, "SELECT id, locator, raw_sha256, last_seen, stat FROM source ORDER BY id"),
            "log": scalar(db_url, "SELECT count(*) FROM ingest_log"),
            "version": query(db_url, "SELECT version, changed_at FROM data_version")}


@pytest.fixture()
def polled(tmp_path, db_url):
    """An inbox of two seed letters, stored by a first poll, and the daemon's polling work on it."""
    inbox = copy_seeds(tmp_path / "inbox", SEED_LETTERS[:2])
    _age(inbox)
    mon = _monitor(tmp_path, inbox, db_url)
    first = mon.poll_inbox()
    assert first.stored == 2
    yield mon, inbox
    mon.engine.dispose()


def test_an_unchanged_inbox_is_not_read_and_not_written(polled, db_url, tmp_path):
    mon, inbox = polled
    before = _writes(db_url)
    assert all(stat for *_, stat in before["source"])  # type: ignore[union-attr]
    assert mon.poll_inbox().changed == []
    assert _writes(db_url) == before
    # the same after a restart: what was read is known from the store, not from the process
    again = _monitor(tmp_path, inbox, db_url)
    try:
        assert again.poll_inbox().changed == []
    finally:
        again.engine.dispose()
    assert _writes(db_url) == before


def test_recognised_by_stat_alone_until_it_moves(polled, db_url):
    """Proof that an unchanged stat means unread: bytes changed in place behind the same size, time and inode
    go unseen; once the modification time moves, the file is read and stored as a new version."""
    mon, inbox = polled
    path = inbox / LETTER
    data = path.read_bytes()
    st = path.stat()
    with path.open("r+b") as f:  # same length, same inode
        f.write(data.replace(b"Afghanistan", b"Afghanistam", 1)[:len(data)])
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert mon.poll_inbox().changed == []
    os.utime(path, (HOUR_AGO + 60, HOUR_AGO + 60))
    result = mon.poll_inbox()
    assert result.stored == 1
    assert scalar(db_url, "SELECT count(*) FROM letter_version") == 3


def test_a_touched_file_is_read_once_and_stores_nothing(polled, db_url):
    mon, inbox = polled
    letters = query(db_url, "SELECT id, updated_at, current_version_id FROM letter ORDER BY id")
    log = scalar(db_url, "SELECT count(*) FROM ingest_log")
    os.utime(inbox / LETTER, (HOUR_AGO + 60, HOUR_AGO + 60))
    assert mon.poll_inbox().changed == []
    assert query(db_url, "SELECT id, updated_at, current_version_id FROM letter ORDER BY id") == letters
    assert scalar(db_url, "SELECT count(*) FROM ingest_log") == log
    touched = _writes(db_url)  # the new stat is recorded: the next poll does not read it again
    assert mon.poll_inbox().changed == []
    assert _writes(db_url) == touched


def test_a_sidecar_edit_is_seen_and_a_replaced_file_is_read(polled, db_url):
    mon, inbox = polled
    side = inbox / SIDECAR
    text = side.read_text(encoding="utf-8")
    assert "2021-04-14" in text
    side.write_text(text.replace("2021-04-14", "2021-04-15"), encoding="utf-8")  # same size
    _age(inbox, HOUR_AGO + 120)
    result = mon.poll_inbox()
    assert result.stored == 1
    assert str(scalar(db_url, f"SELECT date FROM letter WHERE id = {result.changed[0]}")).startswith("2021-04-15")
    # a file replaced by another with the same size and time (a new inode): read, and its new text stored
    path = inbox / LETTER
    data = path.read_bytes()
    st = path.stat()
    tmp = inbox / ".incoming"
    tmp.write_bytes(data.replace(b"Afghanistan", b"Afghanistam", 1))
    os.utime(tmp, ns=(st.st_atime_ns, st.st_mtime_ns))
    os.replace(tmp, path)
    assert mon.poll_inbox().stored == 1


def test_a_new_file_just_written_is_not_trusted_by_its_stat(tmp_path, db_url):
    """A file written within the clock tick may change again without its size or time moving: it is read
    again (and found unchanged) until it has been quiet for a while."""
    inbox = copy_seeds(tmp_path / "inbox", SEED_LETTERS[:1])
    mon = _monitor(tmp_path, inbox, db_url)
    mon.settle = None  # taken at once, as a one-off run takes it (settling is test_hostile_input's)
    try:
        _age(inbox, time.time() + 60)  # as good as just written, however long the start took
        assert mon.poll_inbox().stored == 1
        assert query(db_url, "SELECT stat FROM source") == [("",)]
        assert mon.poll_inbox().changed == []
        _age(inbox)
        assert mon.poll_inbox().changed == []  # read once more, and now its stat is recorded
        assert query(db_url, "SELECT stat FROM source")[0][0] != ""
    finally:
        mon.engine.dispose()


def test_listing_finds_what_rglob_finds(tmp_path):
    """The fast folder walk lists the files ``Path.rglob`` finds: nested folders, no hidden files or
    sidecars, a link to a file listed, a linked folder not entered, in path order."""
    root = tmp_path / "in"
    (root / "a" / "b").mkdir(parents=True)
    (root / "a-c").mkdir()
    for name in ("x.txt", "a/y.TXT", "a/b/z.md", "a-c/w.txt", ".hidden.txt", "a/y.meta.toml", "note.doc"):
        (root / name).write_text("tekst", encoding="utf-8")
    outside = tmp_path / "elders"
    outside.mkdir()
    shutil.copy(SEEDS / LETTER, outside / LETTER)
    (root / "link.txt").symlink_to(outside / LETTER)
    (root / "linked").symlink_to(outside, target_is_directory=True)
    extensions = (".txt", ".md")
    expected = [f for f in sorted(root.rglob("*"))
                if f.is_file() and not f.name.startswith(".") and not f.name.endswith(".meta.toml")
                and f.suffix.lower() in extensions]
    assert discover([root], extensions) == expected
    assert [p.relative_to(root).as_posix() for p in expected] == ["a/b/z.md", "a/y.TXT", "a-c/w.txt", "link.txt",
                                                                   "x.txt"]
