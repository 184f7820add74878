"""manifest.json and hacs.json have what Home Assistant and HACS require, pinned and consistent."""

from __future__ import annotations

import json
from pathlib import Path
import re

from awesomeversion import AwesomeVersion
from homeassistant.const import __version__ as HA_VERSION  # noqa: N812
from packaging.requirements import Requirement
from packaging.version import Version

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


def test_requirements_are_ranges_that_admit_the_tested_pins() -> None:
    """Every requirement is a range from the tested version to below the next major one (so that
    other integrations can share the library), and both test environments pin a version in it."""
    for name in ("requirements_test.txt", "requirements_test_oldest.txt"):
        tested = {
            Requirement(line).name: Requirement(line)
            for line in (ROOT / name).read_text("utf-8").splitlines()
            if line and not line.startswith("#")
        }
        for text in MANIFEST["requirements"]:
            requirement = Requirement(text)
            pin = tested[requirement.name]
            (version,) = (spec.version for spec in pin.specifier if spec.operator == "==")
            assert version in requirement.specifier, (name, text)
            lower = {spec.version for spec in requirement.specifier if spec.operator == ">="}
            assert lower == {version}, "the minimum is the version the tests run with"
            upper = {spec.version for spec in requirement.specifier if spec.operator == "<"}
            assert upper == {str(Version(version).major + 1)}


def test_hacs() -> None:
    """HACS: Denmark only, and a minimum version no newer than the one tested."""
    assert HACS["name"] == "SMS.dk"
    assert HACS["country"] == "DK"
    assert AwesomeVersion(HACS["homeassistant"]) <= AwesomeVersion(HA_VERSION)
