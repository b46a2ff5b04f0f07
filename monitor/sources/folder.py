"""The folder source: letter files in inbox folders, with optional sidecars.

A sidecar ``NAME.meta.toml`` (or ``NAME.EXT.meta.toml``) beside ``NAME.EXT``
gives title, date, kind, reference, url. Files are read only after their size
is checked, so a huge file costs a stat, not memory.

Every file is listed with its **stat key** (size, modification time and inode
of the file and of its sidecar): a poll compares keys with the ones stored at
the last sight and reads and hashes only the files whose key moved, so an
unchanged inbox costs one ``stat`` a file, not a read and a hash.
"""
from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from ..metadata import MetadataError, parse_sidecar
from ..parse import too_large
from .base import Candidate

SIDECAR_SUFFIX = ".meta.toml"
# A file modified this recently may change again within the same clock tick without its size moving: its key
# is not trusted (recorded empty, so it is hashed again next time), as git does with "racily clean" entries.
RACY_SECONDS = 2.0


@dataclass(frozen=True)
class Listed:
    """A letter file found in a folder: ``locator`` as a candidate for it would have it (empty for a symbolic
    link, resolved only when read), ``stat`` its stat key ("" when unknown: a link)."""

    where: str
    locator: str = ""
    stat: str = ""

    @property
    def path(self) -> Path:
        return Path(self.where)


def _suffix(name: str) -> str:
    """``Path(name).suffix``, without building a path."""
    i = name.rfind(".")
    return name[i:] if 0 < i < len(name) - 1 else ""


def _sidecar_names(name: str) -> tuple[str, str]:
    suffix = _suffix(name)
    stem = name[:-len(suffix)] if suffix else name
    return stem + SIDECAR_SUFFIX, name + SIDECAR_SUFFIX


def stat_key(st: os.stat_result, side: str = "", side_st: os.stat_result | None = None) -> str:
    """What a poll compares: the file's size, mtime and inode, and its sidecar's (with the sidecar's name)."""
    key = f"{st.st_size}.{st.st_mtime_ns}.{st.st_ino}"
    if side and side_st is not None:
        key += f"+{side}:{side_st.st_size}.{side_st.st_mtime_ns}.{side_st.st_ino}"
    return key


def shown_path(path: Path | str) -> str:
    """A path as text that can be stored and printed: a name that is not valid UTF-8 (a byte Linux allows)
    keeps its bad bytes as ``\\xe9`` escapes instead of making the database driver fail."""
    return os.fsencode(str(path)).decode("utf-8", "backslashreplace")


def name_problem(path: Path) -> str:
    """Why a file cannot be taken by its name, or "" (the name is fine)."""
    try:
        os.fsencode(str(path)).decode("utf-8")
    except UnicodeDecodeError as exc:
        return f"file name is not valid UTF-8 (byte 0x{exc.object[exc.start]:02x}): rename the file; not read"
    return ""


def sidecar_for(path: Path) -> Path | None:
    for candidate in (path.with_name(name) for name in _sidecar_names(path.name)):
        try:
            if candidate.is_file():
                return candidate
        except OSError:  # a name too long to have a sidecar (a 250-character letter name): it has none
            continue
    return None


def candidate_for(path: Path, max_bytes: int) -> Candidate:
    problem = name_problem(path)
    if problem:
        return Candidate("folder", shown_path(path.absolute()), shown_path(path.name), error=problem)
    locator = str(path.resolve())
    try:
        st = path.stat()
        if st.st_size > max_bytes:
            return Candidate("folder", locator, path.name,
                             error=f"{too_large(st.st_size, max_bytes)} (inbox.max_file_mb)")
        data = path.read_bytes()
    except OSError as exc:
        return Candidate("folder", locator, path.name, error=f"cannot read file: {exc.strerror or exc}")
    side = sidecar_for(path)
    override = None
    side_bytes = b""
    side_st = None
    if side is not None:
        try:
            side_st = side.stat()
            side_bytes = side.read_bytes()
            override = parse_sidecar(side_bytes, side.name)
        except (OSError, MetadataError) as exc:
            return Candidate("folder", locator, path.name, error=f"bad sidecar {side.name}: {exc}")
    racy = time.time() - RACY_SECONDS <= max(st.st_mtime, side_st.st_mtime if side_st else 0.0)
    stat = "" if racy or path.is_symlink() else stat_key(st, side.name if side else "", side_st)
    return Candidate("folder", locator, path.name, data=data, override=override, extra=side_bytes, stat=stat)


def _walk(folder: str, resolved: str, extensions: tuple[str, ...], out: list[Listed]) -> None:
    """Letter files under ``folder`` as ``sorted(Path.rglob("*"))`` finds them: in path order, folders that are
    links not entered, hidden files and sidecars left out, a link to a file listed (without a key). Paths are
    plain strings here: an unchanged inbox of thousands of files is walked on every poll."""
    try:
        with os.scandir(folder) as it:
            entries = {e.name: e for e in it}
    except OSError:  # unreadable or gone: as rglob, nothing from it
        return
    prefix = folder if folder.endswith(os.sep) else folder + os.sep
    real = resolved if resolved.endswith(os.sep) else resolved + os.sep
    for name in sorted(entries):  # a folder's files at its place: the order of sorted paths
        e = entries[name]
        try:
            if e.is_dir(follow_symlinks=False):
                _walk(prefix + name, real + name, extensions, out)
                continue
            if (name.startswith(".") or name.endswith(SIDECAR_SUFFIX) or _suffix(name).lower() not in extensions
                    or not e.is_file()):
                continue
            if e.is_symlink():
                out.append(Listed(prefix + name))
                continue
            side = next((entries[s] for s in _sidecar_names(name) if s in entries and entries[s].is_file()), None)
            key = stat_key(e.stat(follow_symlinks=False), side.name if side else "", side.stat() if side else None)
            out.append(Listed(prefix + name, real + name, key))
        except OSError:  # gone or unreadable meanwhile: listed without a key, reading it says what is wrong
            out.append(Listed(prefix + name))


def listing(paths: Iterable[str | os.PathLike[str]], extensions: tuple[str, ...]) -> list[Listed]:
    """Letter files under the given paths with their stat keys: folders are walked (in path order), files taken
    as given (without a key)."""
    out: list[Listed] = []
    for p in map(Path, paths):
        if p.is_dir():
            _walk(str(p), str(p.resolve()), extensions, out)
        else:
            out.append(Listed(str(p)))
    return out


class Settle:
    """Which inbox files have stopped changing: a file is taken once its size and modification time were the
    same at the previous poll, or it has not been touched for ``quiet_seconds`` (a poll interval) anyway.

    Why: a file still being copied in was stored as a version of its letter, half. The daemon keeps one of
    these between its inbox polls; ``ingest`` and ``run --once`` name their files and take them as they are.
    """

    def __init__(self, quiet_seconds: float, clock: Callable[[], float] = time.time):
        self.quiet, self.clock = quiet_seconds, clock
        self.seen: dict[str, tuple[int, int]] = {}
        self.now_seen: dict[str, tuple[int, int]] = {}

    def ready(self, path: Path) -> bool:
        st = path.stat()
        key, sig = os.fsencode(path).hex(), (st.st_size, st.st_mtime_ns)
        self.now_seen[key] = sig
        return self.seen.get(key) == sig or self.clock() - st.st_mtime >= self.quiet

    def finish(self) -> None:
        """End of a poll: what was seen now is what the next poll compares with (gone files are forgotten)."""
        self.seen, self.now_seen = self.now_seen, {}


def discover(paths: Iterable[str | os.PathLike[str]], extensions: tuple[str, ...]) -> list[Path]:
    """Letter files under the given paths: folders are walked, files taken as given."""
    return [listed.path for listed in listing(paths, extensions)]


def scan(paths: Iterable[str | os.PathLike[str]], extensions: tuple[str, ...], max_bytes: int) -> Iterator[Candidate]:
    for path in discover(paths, extensions):
        if not path.exists():
            yield Candidate("folder", str(path), path.name, error="no such file or folder")
            continue
        yield candidate_for(path, max_bytes)
