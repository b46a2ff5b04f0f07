"""Reading a language folder's files with errors that name the file and the key. Pure (reads files only).

What holds:

* a TOML file that is missing reads as empty (a small language leaves out what it does not need); one that
  is not valid UTF-8 TOML is an error naming the file;
* every value is checked for its type; a wrong type, an unknown key or a regular expression that does not
  compile is a :class:`LanguageError` that names the file and the dotted key (``function.toml:
  position[2].pattern: …``);
* a pattern is written as a string or a list of strings joined without separator (so a long rule can be
  split and commented piece by piece); ``{{name}}`` inserts the file's ``[fragments]`` entry ``name``
  (regular expressions never contain ``{{``); it is compiled once, here.
"""
from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")
NEVER = re.compile(r"(?!)")  # the pattern of a rule a language leaves out: it matches nothing
_FRAGMENT = re.compile(r"\{\{(\w+)\}\}")


class LanguageError(ValueError):
    """A language file is missing a piece, has an unknown key, a wrong type or a bad pattern."""


class Table:
    """One TOML table of a language file; every key read is ticked off so unknown keys can be reported."""

    def __init__(self, file: str, where: str, data: dict[str, Any], fragments: dict[str, str] | None = None):
        self.file, self.where, self.data = file, where, data
        self.fragments = fragments if fragments is not None else {}
        self._read: set[str] = set()

    def _name(self, key: str) -> str:
        return f"{self.file}: {self.where + '.' if self.where else ''}{key}"

    def error(self, key: str, message: str) -> LanguageError:
        return LanguageError(f"{self._name(key)}: {message}")

    def has(self, key: str) -> bool:
        return key in self.data

    def keys(self) -> list[str]:
        """The table's keys, in file order (for tables whose keys are names the analyst chooses)."""
        return list(self.data)

    def raw(self, key: str) -> Any:
        self._read.add(key)
        return self.data.get(key)

    def string(self, key: str, default: str | None = None) -> str:
        value = self.raw(key)
        if value is None and default is not None:
            return default
        if not isinstance(value, str):
            raise self.error(key, f"expected a string, got {_kind(value)}")
        return value

    def boolean(self, key: str, default: bool = False) -> bool:
        value = self.raw(key)
        if value is None:
            return default
        if not isinstance(value, bool):
            raise self.error(key, f"expected true or false, got {_kind(value)}")
        return value

    def number(self, key: str, default: float | None = None) -> float:
        value = self.raw(key)
        if value is None and default is not None:
            return default
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.error(key, f"expected a number, got {_kind(value)}")
        return float(value)

    def words(self, key: str) -> tuple[str, ...]:
        """A word list: a list of strings, or one string of words separated by white space."""
        value = self.raw(key)
        if value is None:
            return ()
        if isinstance(value, str):
            return tuple(value.split())
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return tuple(value)
        raise self.error(key, f"expected a list of words, got {_kind(value)}")

    def mapping(self, key: str) -> dict[str, str]:
        """A table of strings (``"€" = "euro"``)."""
        return self._values(key, lambda v: isinstance(v, str), "a string", str)

    def numbers(self, key: str) -> dict[str, float]:
        """A table of numbers (``miljoen = 1e6``)."""
        return self._values(key, lambda v: not isinstance(v, bool) and isinstance(v, int | float), "a number", float)

    def _values(self, key: str, ok: Callable[[Any], bool], what: str, convert: Callable[[Any], T]) -> dict[str, T]:
        """A table whose every value passes ``ok``; an error names the first key that does not."""
        value = self.raw(key)
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise self.error(key, f"expected a table, got {_kind(value)}")
        for k, v in value.items():
            if not ok(v):
                raise self.error(f"{key}.{k}", f"expected {what}, got {_kind(v)}")
        return {k: convert(v) for k, v in value.items()}

    def table(self, key: str) -> Table:
        value = self.raw(key)
        if value is None:
            value = {}
        if not isinstance(value, dict):
            raise self.error(key, f"expected a table, got {_kind(value)}")
        return Table(self.file, f"{self.where}.{key}" if self.where else key, value, self.fragments)

    def tables(self, key: str) -> Iterator[Table]:
        """An array of tables (``[[position]]``), each with its index in the key of its errors."""
        value = self.raw(key)
        if value is None:
            return
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            raise self.error(key, f"expected an array of tables ([[{key}]]), got {_kind(value)}")
        for i, item in enumerate(value):
            yield Table(self.file, f"{self.where + '.' if self.where else ''}{key}[{i}]", item, self.fragments)

    def source(self, key: str) -> str:
        """The text of a pattern: a string or a list of pieces, with ``{{fragment}}`` filled in."""
        value = self.raw(key)
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            value = "".join(value)
        if not isinstance(value, str):
            raise self.error(key, f"expected a pattern (a string or a list of strings), got {_kind(value)}")

        def fill(m: re.Match[str]) -> str:
            if m.group(1) not in self.fragments:
                raise self.error(key, f"unknown fragment {{{{{m.group(1)}}}}} (known: "
                                      f"{', '.join(sorted(self.fragments)) or 'none'})")
            return self.fragments[m.group(1)]
        return _FRAGMENT.sub(fill, value)

    def pattern(self, key: str, flags: int = 0) -> re.Pattern[str]:
        """A compiled pattern: the value is a pattern, or a table with ``pattern`` and ``ignore_case``.

        A missing key is a pattern that matches nothing.
        """
        if key not in self.data:
            self._read.add(key)
            return NEVER
        value = self.data[key]
        if isinstance(value, dict):
            sub = self.table(key)
            compiled = sub.pattern("pattern", flags | (re.IGNORECASE if sub.boolean("ignore_case") else 0))
            sub.done()
            return compiled
        return self.compile(key, self.source(key), flags)

    def compile(self, key: str, source: str, flags: int = 0) -> re.Pattern[str]:
        try:
            return re.compile(source, flags)
        except re.error as exc:
            raise self.error(key, f"not a valid regular expression: {exc}") from None

    def done(self) -> None:
        """Every key of the table was read: anything else is a typo the analyst should hear about."""
        unknown = sorted(set(self.data) - self._read)
        if unknown:
            raise self.error(unknown[0], f"unknown key (known here: {', '.join(sorted(self._read)) or 'none'})")


def _kind(value: object) -> str:
    return "nothing" if value is None else type(value).__name__


def lowered(source: str) -> str:
    """``source`` for lower-cased text: every literal lower-cased; escapes (``\\S``, ``\\W``, ``\\B``,
    ``\\N{...}``) and group names kept. Compiled case-sensitive and run on ``text.lower()`` it finds what
    ``source`` compiled with ``re.IGNORECASE`` finds in ``text`` (where lowering keeps the length), at about
    half the cost: an ignoring-case match tries both cases of every character."""
    out: list[str] = []
    i, n = 0, len(source)
    while i < n:
        c = source[i]
        if c == "\\" and i + 1 < n:
            end = source.find("}", i) + 1 if source.startswith("N{", i + 1) else i + 2
            out.append(source[i:end or n])
            i = end or n
        elif source.startswith("(?P<", i) or source.startswith("(?P=", i):
            end = source.find(">" if source[i + 3] == "<" else ")", i) + 1
            out.append(source[i:end or n])
            i = end or n
        else:
            out.append(c.lower())
            i += 1
    return "".join(out)


def read_toml(folder: Path, name: str) -> Table:
    """The top table of ``folder/name`` (empty when the file is missing), with its ``[fragments]`` read."""
    path = folder / name
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise LanguageError(f"{name}: not valid UTF-8 TOML: {exc}") from None
    top = Table(name, "", data)
    fragments = top.mapping("fragments")
    top.fragments.update(fragments)
    return top


def read_lines(folder: Path, name: str) -> list[tuple[int, str]]:
    """The non-blank lines of a plain word-list file with their line numbers; ``#`` starts a comment."""
    path = folder / name
    if not path.is_file():
        return []
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise LanguageError(f"{name}: not valid UTF-8: {exc}") from None
    out = []
    for number, line in enumerate(text.splitlines(), 1):
        line = line.split("#", 1)[0].strip()
        if line:
            out.append((number, line))
    return out
