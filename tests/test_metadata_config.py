from __future__ import annotations

import datetime as dt

import pytest

from monitor.config import ConfigError, load_settings
from monitor.metadata import MetadataError, normalise_reference, parse_dutch_date, parse_sidecar
from monitor.pipeline import parse_letter


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
