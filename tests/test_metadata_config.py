from __future__ import annotations

import dataclasses
import datetime as dt
import re

import pytest

from monitor.config import ConfigError, load_settings
from monitor.metadata import MetadataError, normalise_reference, parse_dutch_date, parse_sidecar
from monitor.pipeline import parse_letter
from tests.conftest import ROOT


def test_metadata_from_text_alone():
    text = ("Nr. 12  BRIEF VAN DE MINISTER VAN BUITENLANDSE ZAKEN\n\nAan de Voorzitter van de Tweede Kamer\n\n"
            "Den Haag, 3 maart 2023\n\nHet kabinet steunt de missie. Dat blijft zo.\n\n"
            "kst-36180-12\nISSN 0921 - 7371\n’s-Gravenhage 2023 Tweede Kamer, vergaderjaar 2022–2023, 36 180, nr. 12 1\n\n"
            "De Minister van Buitenlandse Zaken,\nW.B. Hoekstra\n")
    meta = parse_letter(text.encode(), "brief.txt").meta
    assert meta.date == dt.date(2023, 3, 3)
    assert meta.reference == "kst-36180-12"
    assert meta.sender == "De Minister van Buitenlandse Zaken"
    assert meta.title == "Brief van de minister van buitenlandse zaken"


def test_dates_and_references():
    assert parse_dutch_date("Datum 10 juli 2026") == dt.date(2026, 7, 10)
    assert parse_dutch_date("geen datum") is None
    assert normalise_reference("Kamerstuk 28 676, nr. 361") == "kst-28676-361"
    assert normalise_reference("2026Z09763") == "2026Z09763"


def test_sidecar_errors_name_the_key():
    with pytest.raises(MetadataError, match="date"):
        parse_sidecar(b'date = "12-05-2021"', "x.meta.toml")
    with pytest.raises(MetadataError, match="titel"):
        parse_sidecar(b'titel = "x"', "x.meta.toml")
    assert parse_sidecar(b'date = 2021-05-12\nreference = "kst-27925-781"').date == dt.date(2021, 5, 12)


def test_config_unknown_key_and_bad_value_name_the_key(tmp_path):
    cfg = tmp_path / "config.toml"
    cfg.write_text('[database]\nurll = "x"\n')
    with pytest.raises(ConfigError, match=r"database\.urll"):
        load_settings(cfg, environ={})
    cfg.write_text('[server]\nport = "eighty"\n')
    with pytest.raises(ConfigError, match=r"server\.port"):
        load_settings(cfg, environ={})


def test_config_environment_overrides_and_paths(tmp_path):
    cfg = tmp_path / "config.toml"
    cfg.write_text('[database]\nurl = "sqlite:///var/m.db"\n[inbox]\nfolders = ["in"]\n')
    s = load_settings(cfg, environ={"MONITOR_SERVER_PORT": "9123", "MONITOR_INBOX_MAX_FILE_MB": "5"})
    assert s.server.port == 9123 and s.inbox.max_file_mb == 5.0
    assert s.database.url == f"sqlite:///{tmp_path / 'var' / 'm.db'}"
    assert s.inbox.folders == (str(tmp_path / "in"),)
    s2 = load_settings(cfg, environ={"MONITOR_DATABASE_URL": "sqlite:////tmp/other.db"})
    assert s2.database.url == "sqlite:////tmp/other.db"
    with pytest.raises(ConfigError, match="MONITOR_NOPE_X"):
        load_settings(cfg, environ={"MONITOR_NOPE_X": "1"})
    with pytest.raises(dataclasses_error()):
        s.server.port = 1  # type: ignore[misc]


def dataclasses_error():
    import dataclasses
    return dataclasses.FrozenInstanceError


@pytest.mark.parametrize(("section", "key", "value", "allowed"), [
    ("analysis", "same_point", "5.0", "[0, 1]"),
    ("analysis", "candidates", "0", "[1, 1000]"),
    ("schedule", "inbox_seconds", "0", "[1, 86400]"),
    ("schedule", "remote_seconds", "5", "[60, 604800]"),
    ("server", "port", "0", "[1, 65535]"),
    ("server", "port", "70000", "[1, 65535]"),
    ("feed", "page_size", "0", "[1, 1000]"),
    ("inbox", "max_file_mb", "0", "(0, 1024]"),
    ("database", "busy_timeout_seconds", "1e9", "[0, 3600]"),
    ("analysis", "similarity_threshold", "0", "(0, 1]"),
])
def test_a_numeric_value_out_of_range_names_the_key_and_the_range(tmp_path, section, key, value, allowed):
    environ = {f"MONITOR_{section.upper()}_{key.upper()}": value}
    with pytest.raises(ConfigError, match=re.escape(f"{section}.{key}: must be in {allowed}")):
        load_settings(ROOT / "config.toml", environ=environ)


def test_every_numeric_key_has_a_range():
    """A new numeric setting must say which values it allows (config.py _RANGES)."""
    from monitor import config

    numeric = {f"{section}.{f.name}" for section, cls in config._SECTIONS.items() for f in dataclasses.fields(cls)
               if f.type in ("int", "float")}
    numeric |= {f"sources.{f.name}" for f in dataclasses.fields(config.SourceSpec) if f.type in ("int", "float")}
    assert numeric and numeric <= set(config._RANGES), numeric - set(config._RANGES)


def test_a_source_value_out_of_range_names_the_source_and_key(tmp_path):
    cfg = tmp_path / "config.toml"
    cfg.write_text((ROOT / "config.toml").read_text(encoding="utf-8")
                   + '\n[[sources]]\nname = "tk"\nkind = "tk-odata"\nurl = "https://x.example/"\nrate_per_second = 0\n',
                   encoding="utf-8")
    with pytest.raises(ConfigError, match=re.escape("sources[0].rate_per_second: must be in (0, 100], got 0")):
        load_settings(cfg, environ={})
