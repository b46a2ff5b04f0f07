"""Settings: loaded once from ``config.toml`` plus ``MONITOR_…`` environment overrides.

What holds after :func:`load_settings` returns:

* every key in the file is known (an unknown key raises :class:`ConfigError`
  naming it, e.g. ``database.urll``), every value has the right type and range;
* relative paths (SQLite files, inbox folders) are resolved against the folder
  of the config file, so the monitor behaves the same from any working dir;
* the result is a tree of frozen dataclasses: nothing downstream can mutate it.

Environment overrides: ``MONITOR_<SECTION>_<KEY>`` (``MONITOR_DATABASE_URL``,
``MONITOR_SERVER_PORT``, ``MONITOR_INBOX_MAX_FILE_MB``); the value is read as a
TOML value where it parses as one (numbers, booleans, arrays), else as a string.
"""
from __future__ import annotations

import dataclasses
import math
import os
import re
import tomllib
import unicodedata
from collections.abc import Mapping
from dataclasses import MISSING, dataclass, field, fields
from pathlib import Path
from typing import Any

from .limits import Limits
from .model import ChangeKind
from .sources import registry as source_registry
from .sources.base import SourceSpec
from .topics import TopicSpec

ENV_PREFIX = "MONITOR_"
DEFAULT_CONFIG_NAME = "config.toml"


class ConfigError(ValueError):
    """A bad config file or value; the message names the offending key."""


@dataclass(frozen=True)
class DatabaseSettings:
    url: str = "sqlite:///var/monitor.db"
    busy_timeout_seconds: float = 10.0  # how long SQLite waits for a lock held by another program


@dataclass(frozen=True)
class InboxSettings:
    folders: tuple[str, ...] = ("seeds",)
    max_file_mb: float = 20.0
    extensions: tuple[str, ...] = (".txt", ".md", ".pdf", ".html", ".htm", ".xml", ".docx")


@dataclass(frozen=True)
class SubjectSettings:
    """One subject the monitor follows (a country dossier, a theme). Statements about no followed subject are
    out of scope.

    ``terms`` are patterns as for topics (``afghan*``, ``kaboel``); a country of the language's country table
    needs none: its name brings its adjectives, demonyms, capital and cities. ``others`` adds names of other
    subjects to the built-in list of countries. An empty ``name`` follows everything (no statement is out of
    scope). The fields are the analysis fingerprint of the first subject: add none without a reason.
    """

    name: str = ""
    terms: tuple[str, ...] = ()
    others: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        """How the store keys this subject's changes: its name ("" for everything)."""
        return self.name

    @property
    def slug(self) -> str:
        """Its URL segment: ``/onderwerpen/<slug>.atom`` ("Syrië" → "syrie"; everything → "alles")."""
        return subject_slug(self.name)


def subject_slug(name: str) -> str:
    folded = unicodedata.normalize("NFKD", name)
    plain = "".join(ch for ch in folded if not unicodedata.combining(ch)).lower()
    return re.sub(r"[^a-z0-9]+", "-", plain).strip("-") or "alles"


@dataclass(frozen=True)
class AnalysisSettings:
    similarity_threshold: float = 0.12  # candidates for a pairing are at least this similar
    same_point: float = 0.3  # a pairing at least this similar is the same point even when nothing moved
    restatement: float = 0.45  # ... and a restatement even when it adds a stance to a description
    candidates: int = 20
    # Processes doing the per-letter work (parse; topics, function, scope) of an ingest or re-analysis beside
    # the one writer; 0: one per core. 1: all of it in the writer's process, no pool.
    workers: int = 0


@dataclass(frozen=True)
class FeedSettings:
    title: str = "Beleidsmonitor: gewijzigde standpunten"
    base_url: str = ""  # empty: http://HOST:PORT of the running server
    tag_authority: str = "policy-monitor.local,2026"
    author: str = "policy-monitor"
    page_size: int = 50


@dataclass(frozen=True)
class ServerSettings:
    host: str = "127.0.0.1"
    port: int = 8080
    # /healthz answers 503 once a remote source has failed every poll for this long (0: never)
    unhealthy_after_failing_seconds: int = 21600
    # worker processes that render pages and feeds (0: render on threads of the server process, which then
    # shares its GIL with them); the server process itself answers /healthz, /metrics and writes
    render_processes: int = 2
    # addresses of reverse proxies whose X-Forwarded-For/-Proto headers are believed (empty: none, so a client
    # cannot pick its own address and walk past the per-address login limit); "*" trusts every peer
    forwarded_allow_ips: tuple[str, ...] = ()
    # how often /healthz runs the store's integrity check (it reads the whole file: not at every probe)
    integrity_check_seconds: int = 300

    def proxy_options(self) -> dict[str, Any]:
        """uvicorn's proxy settings: its default believes X-Forwarded-For from 127.0.0.1, ours nobody."""
        return {"proxy_headers": bool(self.forwarded_allow_ips),
                "forwarded_allow_ips": list(self.forwarded_allow_ips) or None}


@dataclass(frozen=True)
class ScheduleSettings:
    inbox_seconds: int = 60
    remote_seconds: int = 3600
    notify_seconds: int = 60  # how often pending notifications are planned and sent (its own job)


@dataclass(frozen=True)
class AuthSettings:
    """The writing side of the web app (reviews). Accounts come from ``policy-monitor user add``.

    ``api_token``: scripts may write with ``Authorization: Bearer TOKEN`` (empty: no token accepted);
    ``secret_key``: signs cookies (empty: one is made once and kept in var/secret_key);
    ``secure_cookies``: mark cookies Secure (set it when served behind https).
    """

    api_token: str = ""
    secret_key: str = ""
    secure_cookies: bool = False
    session_hours: float = 12.0
    lockout_minutes: float = 15.0


@dataclass(frozen=True)
class NotifySettings:
    """How notifications go out: the SMTP relay for ``mailto:`` subscriptions, and retries with backoff."""

    smtp_host: str = "localhost"
    smtp_port: int = 25
    mail_from: str = "policy-monitor@localhost"
    attempts: int = 6  # then the delivery is recorded failed
    retry_seconds: float = 60.0  # first retry after this; doubled each time, at most an hour
    timeout_seconds: float = 10.0


@dataclass(frozen=True)
class SubscriptionSpec:
    """One rule: which change sets (topics, kinds, minimum significance) go where (``to``).

    ``to``: ``mailto:ADDRESS`` (sent through notify.smtp_host), ``smtp://HOST:PORT/?to=ADDRESS``, or an
    ``http(s)://`` webhook URL that receives JSON. Empty ``topics``/``kinds``: all.
    """

    name: str
    to: str
    topics: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    min_significance: float = 0.0
    subject: str = ""  # the mail subject; empty: the change set's headline
    # the followed subjects whose changes it sends (names as in [[subjects]]); empty: the first subject's
    subjects: tuple[str, ...] = ()


@dataclass(frozen=True)
class Settings:
    database: DatabaseSettings = field(default_factory=DatabaseSettings)
    inbox: InboxSettings = field(default_factory=InboxSettings)
    topics: tuple[TopicSpec, ...] = ()
    # the followed subjects, the first one first (its feeds keep the plain URLs: /feed.atom, /topics/T.atom);
    # none: everything is followed
    subjects: tuple[SubjectSettings, ...] = ()
    analysis: AnalysisSettings = field(default_factory=AnalysisSettings)
    feed: FeedSettings = field(default_factory=FeedSettings)
    server: ServerSettings = field(default_factory=ServerSettings)
    schedule: ScheduleSettings = field(default_factory=ScheduleSettings)
    sources: tuple[SourceSpec, ...] = ()
    auth: AuthSettings = field(default_factory=AuthSettings)
    notify: NotifySettings = field(default_factory=NotifySettings)
    subscriptions: tuple[SubscriptionSpec, ...] = ()
    limits: Limits = field(default_factory=Limits)
    root: Path = Path(".")

    @property
    def topic_names(self) -> tuple[str, ...]:
        return tuple(t.name for t in self.topics)

    @property
    def subject(self) -> SubjectSettings:
        """The first followed subject (everything when none is configured)."""
        return self.subjects[0] if self.subjects else SubjectSettings()

    @property
    def followed(self) -> tuple[SubjectSettings, ...]:
        """Every followed subject, the first one first (at least one: everything)."""
        return self.subjects or (SubjectSettings(),)

    def is_first(self, subject: SubjectSettings) -> bool:
        return subject.key == self.subject.key

    def subject_keys(self, subject: SubjectSettings | None = None) -> tuple[str, ...]:
        """The ``change.subject`` values of a subject's rows (default: the first's). The first subject also owns
        rows without a subject (stored before several could be followed; claimed by the next analysis)."""
        subject = subject or self.subject
        if self.is_first(subject) and subject.key and all(s.key for s in self.followed):
            return (subject.key, "")
        return (subject.key,)

    def subject_by(self, name_or_slug: str) -> SubjectSettings | None:
        """The followed subject of that name or URL slug (case-insensitive), or None."""
        want = name_or_slug.casefold()
        return next((s for s in self.followed if want in (s.name.casefold(), s.slug)), None)

    def serving(self, host: str, port: int) -> "Settings":
        """These settings with the feed base URL filled in for a server on host:port (if not configured)."""
        if self.feed.base_url:
            return self
        shown = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
        return dataclasses.replace(self, feed=dataclasses.replace(self.feed, base_url=f"http://{shown}:{port}"))



_SECTIONS: dict[str, type] = {
    "database": DatabaseSettings,
    "inbox": InboxSettings,
    "subject": SubjectSettings,
    "analysis": AnalysisSettings,
    "feed": FeedSettings,
    "server": ServerSettings,
    "schedule": ScheduleSettings,
    "auth": AuthSettings,
    "notify": NotifySettings,
    "limits": Limits,
}
# A subscription is sent published changes only, so only the kinds that can be published make sense there.
_CHANGE_KINDS = ChangeKind.published()


@dataclass(frozen=True)
class _Range:
    """The values a numeric key allows; ``open_low``: the lower bound itself is not allowed."""

    low: float
    high: float
    open_low: bool = False

    def allows(self, value: float) -> bool:
        return (self.low < value if self.open_low else self.low <= value) and value <= self.high

    def __str__(self) -> str:
        return f"{'(' if self.open_low else '['}{self.low:g}, {self.high:g}]"


# Every numeric key and the values that make sense for it: a value out of range is an error naming the
# key and the range, never a monitor that polls in a busy loop, refuses every file or listens nowhere.
# Keys of [[sources]] are under "sources".
_RANGES: dict[str, _Range] = {
    "database.busy_timeout_seconds": _Range(0, 3600),
    "inbox.max_file_mb": _Range(0, 1024, open_low=True),
    "analysis.similarity_threshold": _Range(0, 1, open_low=True),
    "analysis.same_point": _Range(0, 1),
    "analysis.restatement": _Range(0, 1),
    "analysis.candidates": _Range(1, 1000),
    "analysis.workers": _Range(0, 64),
    "feed.page_size": _Range(1, 1000),
    "server.port": _Range(1, 65535),
    "server.render_processes": _Range(0, 64),
    "schedule.inbox_seconds": _Range(1, 86400),
    "schedule.remote_seconds": _Range(60, 7 * 86400),  # a government service is not polled more than once a minute
    "sources.page_size": _Range(1, 10000),
    "sources.rate_per_second": _Range(0, 100, open_low=True),
    "sources.timeout_seconds": _Range(0, 3600, open_low=True),
    "sources.deadline_seconds": _Range(0, 86400, open_low=True),
    "sources.max_bytes": _Range(1, 2**31),
    "sources.retries_per_document": _Range(1, 100),
    "sources.start_skiptoken": _Range(0, 2**53),
    "auth.session_hours": _Range(0, 24 * 90, open_low=True),
    "auth.lockout_minutes": _Range(0, 24 * 60),
    "notify.smtp_port": _Range(1, 65535),
    "notify.attempts": _Range(1, 100),
    "notify.retry_seconds": _Range(0, 86400),
    "notify.timeout_seconds": _Range(0, 600, open_low=True),
    "schedule.notify_seconds": _Range(1, 86400),
    "server.unhealthy_after_failing_seconds": _Range(0, 365 * 86400, open_low=True),
    "subscriptions.min_significance": _Range(0, 1),
    "server.integrity_check_seconds": _Range(1, 7 * 86400),
    "sources.max_pages": _Range(1, 100000),
    "sources.poll_seconds": _Range(0, 7 * 86400, open_low=True),
    "sources.max_retry_after_seconds": _Range(0, 86400),
    # how much one letter may cost (monitor/limits.py; docs/operations.md lists them with their defaults)
    "limits.statements_per_letter": _Range(1, 1_000_000),
    "limits.statement_chars": _Range(100, 10_000_000),
    "limits.paragraphs_per_document": _Range(1, 10_000_000),
    "limits.parse_seconds": _Range(0, 3600, open_low=True),
    "limits.title_chars": _Range(10, 100_000),
    "limits.field_chars": _Range(10, 100_000),
    "limits.url_chars": _Range(20, 100_000),
    "limits.letter_page_statements": _Range(10, 100_000),
}


def _check_range(key: str, value: float) -> None:
    """``key`` as the user wrote it ("sources[2].page_size"); its range is looked up without the index."""
    allowed = _RANGES.get(re.sub(r"\[\d+\]", "", key))
    if allowed is not None and not allowed.allows(value):
        raise ConfigError(f"{key}: must be in {allowed}, got {value:g}")


def _coerce(key: str, value: Any, default: Any) -> Any:
    """Check ``value`` against the type of ``default``; raise naming ``key``."""
    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise ConfigError(f"{key}: expected true or false, got {value!r}")
        return value
    if isinstance(default, int):
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"{key}: expected a whole number, got {value!r}")
        if value < 0:
            raise ConfigError(f"{key}: must not be negative, got {value}")
        _check_range(key, value)
        return value
    if isinstance(default, float):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(f"{key}: expected a number, got {value!r}")
        if not math.isfinite(value):
            raise ConfigError(f"{key}: expected a finite number, got {value!r}")
        if value < 0:
            raise ConfigError(f"{key}: must not be negative, got {value}")
        _check_range(key, value)
        return float(value)
    if isinstance(default, str):
        if not isinstance(value, str):
            raise ConfigError(f"{key}: expected a string, got {value!r}")
        return value
    if isinstance(default, tuple):
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f"{key}: expected a list of strings, got {value!r}")
        return tuple(value)
    raise ConfigError(f"{key}: unsupported value {value!r}")  # pragma: no cover


def _build(cls: type, prefix: str, data: Mapping[str, Any], **fixed: Any) -> Any:
    if not isinstance(data, Mapping):
        raise ConfigError(f"{prefix}: expected a table, got {data!r}")
    known = {f.name: f for f in fields(cls) if f.name not in fixed}
    kwargs: dict[str, Any] = dict(fixed)
    for key, value in data.items():
        if key not in known:
            raise ConfigError(f"{prefix}.{key}: unknown key (known: {', '.join(sorted(known))})")
        f = known[key]
        if f.default is not MISSING:
            default = f.default
        elif f.default_factory is not MISSING:
            default = f.default_factory()
        else:
            default = ""  # required fields without a default are strings (e.g. a topic's label)
        kwargs[key] = _coerce(f"{prefix}.{key}", value, default)
    return cls(**kwargs)


def _env_value(raw: str) -> Any:
    try:
        return tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError:
        return raw


# the config file itself; fault injection (monitor.faults)
_NOT_SETTINGS = {"MONITOR_CONFIG", "MONITOR_FAULT", "MONITOR_FAULT_RELEASE"}


def _apply_env(data: dict[str, Any], environ: Mapping[str, str]) -> None:
    for name, raw in environ.items():
        if not name.startswith(ENV_PREFIX) or name in _NOT_SETTINGS:
            continue
        rest = name[len(ENV_PREFIX):].lower()
        section = next((s for s in _SECTIONS if rest.startswith(s + "_")), None)
        if section is None:
            raise ConfigError(f"environment {name}: no such setting (expected MONITOR_<SECTION>_<KEY>)")
        key = rest[len(section) + 1:]
        data.setdefault(section, {})[key] = _env_value(raw)


def _resolve_sqlite(url: str, root: Path) -> str:
    prefix = "sqlite:///"
    if url.startswith(prefix) and not url.startswith("sqlite:////") and url != "sqlite:///:memory:":
        return prefix + str((root / url[len(prefix):]).resolve())
    return url


def _validate_topic(name: str, body: Any) -> TopicSpec:
    if not isinstance(body, Mapping):
        raise ConfigError(f"topics.{name}: expected a table")
    spec = _build(TopicSpec, f"topics.{name}", body, name=name)
    if not spec.label:
        raise ConfigError(f"topics.{name}.label: must not be empty")
    if not spec.terms and not spec.headings:
        raise ConfigError(f"topics.{name}.terms: a topic needs at least one term")
    return spec


def _validate_source(i: int, body: Any) -> SourceSpec:
    if not isinstance(body, Mapping):
        raise ConfigError(f"sources[{i}]: expected a table")
    for required in ("name", "kind", "url"):
        if required not in body:
            raise ConfigError(f"sources[{i}].{required}: required")
    spec = _build(SourceSpec, f"sources[{i}]", body)
    if spec.kind not in source_registry.SOURCES:  # read at each load: a kind registered later is accepted too
        raise ConfigError(f"sources[{i}].kind: {spec.kind!r} is not one of {', '.join(source_registry.kinds())}")
    if not spec.url.startswith(("http://", "https://")):
        raise ConfigError(f"sources[{i}].url: must be an http(s) URL, got {spec.url!r}")
    for host in spec.allowed_hosts:
        if not re.fullmatch(r"[A-Za-z0-9.-]+(?::\d{1,5})?", host):
            raise ConfigError(f"sources[{i}].allowed_hosts: {host!r} is not a host name (write host or host:port, "
                              "without scheme or path)")
    for kind in spec.document_types:
        if not kind.strip():
            raise ConfigError(f"sources[{i}].document_types: empty type name")
    if spec.timeout_seconds <= 0 or spec.deadline_seconds < spec.timeout_seconds:
        raise ConfigError(f"sources[{i}].deadline_seconds: must be at least timeout_seconds "
                          f"({spec.timeout_seconds:g}), got {spec.deadline_seconds:g}")
    return spec


def settings_from_mapping(data: Mapping[str, Any], root: Path,
                          environ: Mapping[str, str] | None = None) -> Settings:
    """Validate an already-parsed config mapping (plus environment overrides)."""
    data = {k: (dict(v) if isinstance(v, Mapping) else v) for k, v in data.items()}
    if "subject" in data and "subjects" in data:
        raise ConfigError("subject: write either [subject] (one subject) or [[subjects]] (a list), not both")
    _apply_env(data, os.environ if environ is None else environ)
    allowed = set(_SECTIONS) | {"topics", "sources", "subscriptions", "subjects"}
    for key in data:
        if key not in allowed:
            raise ConfigError(f"{key}: unknown section (known: {', '.join(sorted(allowed))})")
    built = {s: _build(cls, s, data.get(s, {})) for s, cls in _SECTIONS.items()}
    db = built["database"]
    built["database"] = dataclasses.replace(db, url=_resolve_sqlite(db.url, root))
    inbox = built["inbox"]
    built["inbox"] = InboxSettings(
        folders=tuple(str((root / f).resolve()) for f in inbox.folders),
        max_file_mb=inbox.max_file_mb,
        extensions=tuple(e.lower() if e.startswith(".") else "." + e.lower() for e in inbox.extensions),
    )
    analysis = built["analysis"]
    if not analysis.similarity_threshold <= analysis.same_point <= analysis.restatement <= 1:
        raise ConfigError("analysis.same_point, analysis.restatement: need similarity_threshold ≤ same_point ≤ "
                          f"restatement ≤ 1, got {analysis.same_point} and {analysis.restatement}")
    subjects = _validate_subjects(data, built.pop("subject"))
    topics_raw = data.get("topics", {})
    if not isinstance(topics_raw, Mapping):
        raise ConfigError("topics: expected a table of topics")
    topics = tuple(_validate_topic(n, b) for n, b in topics_raw.items())
    names = {t.name for t in topics}
    for t in topics:
        if t.sense_against_topic and t.sense_against_topic not in names:
            raise ConfigError(f"topics.{t.name}.sense_against_topic: no topic named {t.sense_against_topic!r}")
    sources_raw = data.get("sources", [])
    if not isinstance(sources_raw, list):
        raise ConfigError("sources: expected an array of tables ([[sources]])")
    sources = tuple(_validate_source(i, b) for i, b in enumerate(sources_raw))
    source_names = [s.name for s in sources]
    if len(set(source_names)) != len(source_names):
        raise ConfigError("sources: names must be unique")
    subs_raw = data.get("subscriptions", [])
    if not isinstance(subs_raw, list):
        raise ConfigError("subscriptions: expected an array of tables ([[subscriptions]])")
    subscriptions = tuple(_validate_subscription(i, b, {t.name for t in topics}, subjects)
                          for i, b in enumerate(subs_raw))
    sub_names = [s.name for s in subscriptions]
    if len(set(sub_names)) != len(sub_names):
        raise ConfigError("subscriptions: names must be unique")
    return Settings(topics=topics, sources=sources, subscriptions=subscriptions, subjects=subjects, root=root,
                    **built)


def _known_country(name: str) -> bool:
    from .gazetteer import COUNTRIES  # the Dutch country table: a country needs only its name

    return any(name.casefold() == country.casefold() for country in COUNTRIES)


def _validate_subjects(data: Mapping[str, Any], legacy: SubjectSettings) -> tuple[SubjectSettings, ...]:
    """``[[subjects]]``, or the older single ``[subject]`` read as the first of the list.

    ``MONITOR_SUBJECT_<KEY>`` overrides the first subject's key (how eval/corpus.py sets a dossier's subject).
    """
    raw = data.get("subjects")
    if raw is None:
        listed: list[SubjectSettings] = [legacy] if "subject" in data else []
    else:
        if not isinstance(raw, list):
            raise ConfigError("subjects: expected an array of tables ([[subjects]])")
        listed = []
        for i, body in enumerate(raw):
            if not isinstance(body, Mapping):
                raise ConfigError(f"subjects[{i}]: expected a table")
            if i == 0 and "subject" in data:  # environment overrides of the first subject
                body = {**body, **data["subject"]}
            listed.append(_build(SubjectSettings, f"subjects[{i}]", body))
    seen: set[str] = set()
    for i, s in enumerate(listed):
        where = "subject" if raw is None else f"subjects[{i}]"
        if s.name and not s.terms and not _known_country(s.name):
            raise ConfigError(f"{where}.terms: {s.name!r} is no country of the country table "
                              "(monitor/lang/nl/countries.txt): give it at least one term")
        if not s.name and (s.terms or s.others):
            raise ConfigError(f"{where}.name: a subject with terms needs a name (an empty name follows everything)")
        if s.name.casefold() in seen or (s.slug in {subject_slug(n) for n in seen}):
            raise ConfigError(f"{where}.name: {s.name!r} is followed twice (names and their URL forms must differ)")
        seen.add(s.name.casefold())
    if len(listed) == 1 and not listed[0].name and not listed[0].terms:
        return ()  # one subject that is everything: as no subject at all
    return tuple(listed)


def _validate_subscription(i: int, body: Any, topics: set[str],
                           subjects: tuple[SubjectSettings, ...] = ()) -> SubscriptionSpec:
    if not isinstance(body, Mapping):
        raise ConfigError(f"subscriptions[{i}]: expected a table")
    for required in ("name", "to"):
        if not body.get(required):
            raise ConfigError(f"subscriptions[{i}].{required}: required")
    if "topic" in body:  # one topic may be written as topic = "x"
        body = {**{k: v for k, v in body.items() if k != "topic"}, "topics": body["topic"]}
    spec = _build(SubscriptionSpec, f"subscriptions[{i}]", body)
    if len(spec.name) > 100:
        raise ConfigError(f"subscriptions[{i}].name: at most 100 characters")
    for t in spec.topics:
        if t not in topics:
            raise ConfigError(f"subscriptions[{i}].topics: no topic named {t!r}")
    followed = {s.name.casefold() for s in subjects or (SubjectSettings(),)}
    for name in spec.subjects:
        if name.casefold() not in followed:
            raise ConfigError(f"subscriptions[{i}].subjects: {name!r} is not followed (followed: "
                              f"{', '.join(repr(s.name) for s in subjects or (SubjectSettings(),))})")
    for k in spec.kinds:
        if k not in _CHANGE_KINDS:
            raise ConfigError(f"subscriptions[{i}].kinds: {k!r} is not one of {', '.join(_CHANGE_KINDS)}")
    if not spec.to.startswith(("mailto:", "smtp://", "http://", "https://")):
        raise ConfigError(f"subscriptions[{i}].to: {spec.to!r} is not a mailto:, smtp:// or http(s):// URL")
    if spec.to.startswith("smtp://") and "to=" not in spec.to:
        raise ConfigError(f"subscriptions[{i}].to: an smtp:// URL needs ?to=ADDRESS")
    if spec.min_significance > 1:
        raise ConfigError(f"subscriptions[{i}].min_significance: between 0 and 1, got {spec.min_significance}")
    return spec


def find_config(explicit: str | os.PathLike[str] | None = None) -> Path | None:
    """The config file to use: explicit, ``$MONITOR_CONFIG``, or ./config.toml."""
    if explicit:
        return Path(explicit)
    env = os.environ.get("MONITOR_CONFIG")
    if env:
        return Path(env)
    here = Path.cwd() / DEFAULT_CONFIG_NAME
    return here if here.exists() else None


def load_settings(path: str | os.PathLike[str] | None = None,
                  environ: Mapping[str, str] | None = None,
                  database_url: str | None = None) -> Settings:
    """Load settings once; ``database_url`` (the ``--database`` flag) wins over all.

    No config file found is a :class:`ConfigError`, never a silent run on built-in defaults.
    """
    cfg = find_config(path)
    if cfg is None:
        # Built-in defaults hold no topics: analysing with them would wipe every topic and change.
        raise ConfigError(f"no config file: no --config FILE, no MONITOR_CONFIG and no {DEFAULT_CONFIG_NAME} in "
                          f"{Path.cwd()}; run from the project folder or pass --config")
    try:
        with open(cfg, "rb") as fh:
            data: dict[str, Any] = tomllib.load(fh)
    except FileNotFoundError:
        raise ConfigError(f"{cfg}: config file not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{cfg}: not valid TOML: {exc}") from None
    root = cfg.resolve().parent
    if database_url:
        # a relative SQLite path on the command line is relative to where the user stands
        database_url = _resolve_sqlite(database_url, Path.cwd())
        data.setdefault("database", {})
        data["database"] = {**data["database"], "url": database_url}
        environ = {k: v for k, v in (os.environ if environ is None else environ).items()
                   if k != "MONITOR_DATABASE_URL"}
    return settings_from_mapping(data, root, environ)
