"""The folder source: letter files in inbox folders, with optional sidecars.

A sidecar ``NAME.meta.toml`` (or ``NAME.EXT.meta.toml``) beside ``NAME.EXT``
gives title, date, kind, reference, url. Files are read only after their size
is checked, so a huge file costs a stat, not memory.
"""
from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path

from ..metadata import MetadataError, parse_sidecar
from .base import Candidate

SIDECAR_SUFFIX = ".meta.toml"


def sidecar_for(path: Path) -> Path | None:
    for candidate in (path.with_name(path.stem + SIDECAR_SUFFIX), path.with_name(path.name + SIDECAR_SUFFIX)):
        if candidate.is_file():
            return candidate
    return None


def candidate_for(path: Path, max_bytes: int) -> Candidate:
    locator = str(path.resolve())
    try:
        size = path.stat().st_size
        if size > max_bytes:
            return Candidate("folder", locator, path.name, error=(
                f"file too large: {size / 1e6:.1f} MB exceeds the limit of {max_bytes / 1e6:.1f} MB "
                "(inbox.max_file_mb)"))
        data = path.read_bytes()
    except OSError as exc:
        return Candidate("folder", locator, path.name, error=f"cannot read file: {exc.strerror or exc}")
    side = sidecar_for(path)
    override = None
    side_bytes = b""
    if side is not None:
        try:
            side_bytes = side.read_bytes()
            override = parse_sidecar(side_bytes, side.name)
        except (OSError, MetadataError) as exc:
            return Candidate("folder", locator, path.name, error=f"bad sidecar {side.name}: {exc}")
    return Candidate("folder", locator, path.name, data=data, override=override, extra=side_bytes)


def discover(paths: Iterable[str | os.PathLike[str]], extensions: tuple[str, ...]) -> list[Path]:
    """Letter files under the given paths: folders are walked, files taken as given."""
    found: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            for f in sorted(p.rglob("*")):
                if (f.is_file() and not f.name.startswith(".") and not f.name.endswith(SIDECAR_SUFFIX)
                        and f.suffix.lower() in extensions):
                    found.append(f)
        else:
            found.append(p)
    return found


def scan(paths: Iterable[str | os.PathLike[str]], extensions: tuple[str, ...], max_bytes: int) -> Iterator[Candidate]:
    for path in discover(paths, extensions):
        if not path.exists():
            yield Candidate("folder", str(path), path.name, error="no such file or folder")
            continue
        yield candidate_for(path, max_bytes)
