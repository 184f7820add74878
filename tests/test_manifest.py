"""manifest.json and hacs.json have what Home Assistant and HACS require, pinned and consistent."""

from __future__ import annotations

import json
from pathlib import Path
import re

from awesomeversion import AwesomeVersion
from homeassistant.const import __version__ as HA_VERSION  # noqa: N812

ROOT = Path(__file__).resolve().parent.parent
MANIFEST = json.loads((ROOT / "custom_components/sms_dk/manifest.json").read_text("utf-8"))
HACS = json.loads((ROOT / "hacs.json").read_text("utf-8"))


def test_manifest_keys() -> None:
    """The keys hassfest and HACS ask of a custom integration."""
    assert list(MANIFEST)[:2] == ["domain", "name"]
    assert list(MANIFEST)[2:] == sorted(list(MANIFEST)[2:])
    assert MANIFEST["domain"] == "sms_dk"
    assert MANIFEST["name"] == "SMS.dk"
    assert MANIFEST["config_flow"] is True
    assert MANIFEST["iot_class"] == "cloud_polling"
    assert MANIFEST["integration_type"] == "service"
    assert re.fullmatch(r"\d+\.\d+\.\d+", MANIFEST["version"])
    for key in ("documentation", "issue_tracker", "codeowners"):
        assert MANIFEST[key]


def test_requirements_are_pinned_and_tested() -> None:
    """Every requirement is pinned, and the tests run with exactly that pin."""
    tested = (ROOT / "requirements_test.txt").read_text("utf-8").split()
    for requirement in MANIFEST["requirements"]:
        assert re.fullmatch(r"[A-Za-z0-9_.-]+==[0-9][0-9A-Za-z.]*", requirement)
        assert requirement in tested


def test_hacs() -> None:
    """HACS: Denmark only, and a minimum version no newer than the one tested."""
    assert HACS["name"] == "SMS.dk"
    assert HACS["country"] == "DK"
    assert AwesomeVersion(HACS["homeassistant"]) <= AwesomeVersion(HA_VERSION)
