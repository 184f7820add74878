"""What hassfest and the HACS action check, checked offline: manifest, hacs.json, services, icons.

Their rules are copied from home-assistant/core (script/hassfest), the HACS action and the
home-assistant/brands README, none of which is installed; what Home Assistant itself knows (its
components, manifest types, selectors, the registered actions) is asked of it.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from importlib.metadata import version as installed_version
import itertools
import json
from pathlib import Path
import re
import struct
from typing import Any, get_args, get_type_hints

from awesomeversion import AwesomeVersion, AwesomeVersionStrategy
import homeassistant.components
from homeassistant.const import Platform, __version__ as HA_VERSION  # noqa: N812
from homeassistant.core import HomeAssistant
from homeassistant.helpers.selector import validate_selector
from homeassistant.loader import Manifest
from packaging.requirements import Requirement
from packaging.version import Version
import pytest
import yaml

from custom_components.sms_dk.compat import probatio
from custom_components.sms_dk.const import DOMAIN

ROOT = Path(__file__).resolve().parent.parent
INTEGRATION = ROOT / "custom_components" / DOMAIN
MANIFEST: dict[str, Any] = json.loads((INTEGRATION / "manifest.json").read_text("utf-8"))
HACS: dict[str, Any] = json.loads((ROOT / "hacs.json").read_text("utf-8"))
STRINGS: dict[str, Any] = json.loads((INTEGRATION / "strings.json").read_text("utf-8"))
DANISH: dict[str, Any] = json.loads((INTEGRATION / "translations/da.json").read_text("utf-8"))
ICONS: dict[str, Any] = json.loads((INTEGRATION / "icons.json").read_text("utf-8"))
SERVICES: dict[str, Any] = yaml.safe_load((INTEGRATION / "services.yaml").read_text("utf-8"))

# hassfest, manifest.py: the keys of a custom integration's manifest, and the IoT classes.
MANIFEST_KEYS = {
    "domain",
    "name",
    "codeowners",
    "config_flow",
    "documentation",
    "integration_type",
    "iot_class",
    "issue_tracker",
    "requirements",
    "version",
}
IOT_CLASSES = {
    "assumed_state",
    "calculated",
    "cloud_polling",
    "cloud_push",
    "local_polling",
    "local_push",
}
# Of Home Assistant's integration types, those of an integration with code of its own ("entity"
# and "system" are core's, "hardware" is for boards, "virtual" has no code).
INTEGRATION_TYPES = {"device", "helper", "hub", "service"}
# The HACS action's hacs.json schema: any other key fails it.
HACS_KEYS = {
    "name",
    "content_in_root",
    "zip_release",
    "filename",
    "hide_default_branch",
    "country",
    "homeassistant",
    "persistent_directory",
    "render_readme",
    "hacs",
}
# hassfest, services.py: what a field of a custom integration's services.yaml may have.
FIELD_KEYS = {
    "name",
    "description",
    "example",
    "default",
    "required",
    "advanced",
    "selector",
    "filter",
}
RE_ICON = re.compile(r"mdi:[-a-z0-9]+")  # hassfest, icons.py
RE_OLDEST = re.compile(r"pins homeassistant==(\d+\.\d+\.\d+)")


def test_manifest_keys() -> None:
    """hassfest: every required key, in its order (domain, name, then alphabetically)."""
    keys = list(MANIFEST)
    assert set(keys) >= MANIFEST_KEYS
    assert keys[:2] == ["domain", "name"]
    assert keys[2:] == sorted(keys[2:])
    assert MANIFEST["domain"] == INTEGRATION.name
    assert MANIFEST["config_flow"] is (INTEGRATION / "config_flow.py").is_file()
    assert MANIFEST["codeowners"]
    assert all(re.fullmatch(r"@[\w-]+(/[\w-]+)?", owner) for owner in MANIFEST["codeowners"])
    for key in ("documentation", "issue_tracker"):
        assert MANIFEST[key].startswith("https://"), key


def test_manifest_values() -> None:
    """The IoT class, type and version Home Assistant accepts of a custom integration."""
    assert MANIFEST["iot_class"] in IOT_CLASSES
    known = set(get_args(get_type_hints(Manifest)["integration_type"]))
    assert known >= INTEGRATION_TYPES
    assert MANIFEST["integration_type"] in INTEGRATION_TYPES
    # As homeassistant.loader checks a custom integration's version before loading it.
    AwesomeVersion(
        MANIFEST["version"],
        ensure_strategy=[
            AwesomeVersionStrategy.CALVER,
            AwesomeVersionStrategy.SEMVER,
            AwesomeVersionStrategy.SIMPLEVER,
            AwesomeVersionStrategy.BUILDVER,
            AwesomeVersionStrategy.PEP440,
        ],
    )


def test_manifest_dependencies() -> None:
    """Dependencies are Home Assistant components, and cover the components the code imports.

    hassfest (dependencies.py) allows entity platforms, a component the integration has a
    platform file of (diagnostics.py, llm.py) and the core components that are always set up
    (homeassistant, whose exposed_entities llm.py asks) without a dependency.
    """
    components = Path(homeassistant.components.__file__).parent
    declared = set(MANIFEST.get("dependencies", [])) | set(MANIFEST.get("after_dependencies", []))
    for dependency in declared:
        assert (components / dependency / "manifest.json").is_file(), dependency
    imported = set()
    for path in INTEGRATION.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [f"{node.module}.{alias.name}" for alias in node.names]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                continue
            prefix = "homeassistant.components."
            imported |= {name.split(".")[2] for name in names if name.startswith(prefix)}
    assert "webhook" in imported
    allowed = declared | {str(platform) for platform in Platform}
    allowed |= {path.stem for path in INTEGRATION.glob("*.py")}
    allowed |= {"homeassistant"}
    assert imported <= allowed


def test_manifest_requirements() -> None:
    """Each requirement is a well-formed specifier that the tested version satisfies."""
    for line in MANIFEST["requirements"]:
        requirement = Requirement(line)
        assert requirement.url is None, line
        assert requirement.marker is None, line
        assert requirement.specifier, f"{line}: no version"
        assert requirement.specifier.contains(installed_version(requirement.name)), line


def test_hacs_json() -> None:
    """Only keys HACS knows; a name, a country code and a Home Assistant version."""
    assert set(HACS) <= HACS_KEYS
    assert HACS["name"] == MANIFEST["name"]
    countries = HACS.get("country", [])
    for code in [countries] if isinstance(countries, str) else countries:
        assert re.fullmatch(r"[A-Z]{2}", code), code  # ISO 3166-1 alpha-2
    assert AwesomeVersion(HACS["homeassistant"]).strategy is AwesomeVersionStrategy.CALVER
    assert AwesomeVersion(HACS["homeassistant"]) <= AwesomeVersion(HA_VERSION)


def test_oldest_release_is_named_alike() -> None:
    """hacs.json's minimum is the release tested as the oldest, and the one README names.

    requirements_test_oldest.txt names the Home Assistant its test plugin pins; run in that venv
    (scripts/test --matrix), Home Assistant is that release.
    """
    oldest = (ROOT / "requirements_test_oldest.txt").read_text("utf-8")
    match = RE_OLDEST.search(oldest)
    assert match, "requirements_test_oldest.txt names no 'pins homeassistant==X'"
    minimum = HACS["homeassistant"]
    assert match.group(1) == minimum
    plugin = re.search(r"pytest-homeassistant-custom-component==(\S+)", oldest)
    assert plugin
    if installed_version("pytest-homeassistant-custom-component") == plugin.group(1):
        assert minimum == HA_VERSION
    readme = (ROOT / "README.md").read_text("utf-8")
    named = re.findall(r"From \*\*(\S+)\*\* \(`hacs\.json`\)", readme)
    named += re.findall(r"Requires Home Assistant (\d[\d.]*\d) or newer", readme)
    for release in named:
        assert minimum == release or minimum.startswith(f"{release}."), f"README: {release}"


def _pins(path: Path) -> dict[str, str]:
    """A requirement file's pins: name to version."""
    pins = {}
    for line in path.read_text("utf-8").splitlines():
        if line and not line.startswith("#"):
            requirement = Requirement(line)
            (version,) = (spec.version for spec in requirement.specifier if spec.operator == "==")
            pins[requirement.name] = version
    return pins


def _pins_of(requirements: list[str]) -> dict[str, str]:
    """Requirements as a manifest lists them ("name==version"): name to version."""
    return dict(requirement.split("==", 1) for requirement in requirements)


# What Home Assistant's conversation integration requires (Assist; its tests here need it).
CONVERSATION = frozenset({"gazetteer-matcher", "hassil", "home-assistant-intents"})


def _minor(version: str) -> tuple[int, int]:
    year, month = version.split(".")[:2]
    return int(year), int(month)


def test_the_workflow_tests_every_minor_release() -> None:
    """.github/workflows/tests.yml runs pytest on every minor release from hacs.json's minimum to
    the newest, requirements_test.txt's, with no gap: one job per minor, each installing its own
    requirements/ha-<minor>.txt, whose test plugin pins the last release of that minor."""
    workflow = yaml.safe_load((ROOT / ".github/workflows/tests.yml").read_text("utf-8"))
    job = workflow["jobs"]["releases"]
    matrix = job["strategy"]["matrix"]["ha"]
    # Quoted: unquoted, YAML reads 2026.10 as the number 2026.1.
    assert all(isinstance(release, str) for release in matrix), matrix
    assert job["steps"][-1]["run"] == "scripts/test --ha ${{ matrix.ha }}"
    minors = [_minor(release) for release in matrix]
    files = {
        _minor(path.stem.removeprefix("ha-")): path
        for path in (ROOT / "requirements").glob("ha-*.txt")
    }
    assert sorted(files) == minors, "a requirements/ha-<minor>.txt per job, and a job per file"
    plugin = "pytest-homeassistant-custom-component"
    oldest = _pins(ROOT / "requirements_test_oldest.txt")
    newest = _pins(ROOT / "requirements_test.txt")
    # Conversation's requirements differ from release to release: each file pins its own.
    per_release = {plugin, *CONVERSATION}
    others = {name: version for name, version in oldest.items() if name not in per_release}
    pinned: list[str] = []
    conversation: list[dict[str, str]] = []
    for release, path in zip(matrix, (files[minor] for minor in minors), strict=True):
        text = path.read_text("utf-8")
        named = RE_OLDEST.search(text)
        assert named, f"{path.name} names no 'pins homeassistant==X'"
        assert _minor(named.group(1)) == _minor(release), path.name
        pins = _pins(path)
        assert {n: v for n, v in pins.items() if n not in per_release} == others, path.name
        pinned.append(pins[plugin])
        conversation.append({n: v for n, v in pins.items() if n in CONVERSATION})
        if installed_version(plugin) == pins[plugin]:
            assert named.group(1) == HA_VERSION, f"{path.name}: the plugin pins {HA_VERSION}"
            # What Home Assistant would install with conversation in this release.
            components = Path(homeassistant.components.__file__).parent
            manifest = json.loads((components / "conversation/manifest.json").read_text("utf-8"))
            assert conversation[-1] == _pins_of(manifest["requirements"]), path.name
    assert conversation[0] == {n: v for n, v in oldest.items() if n in CONVERSATION}
    assert conversation[-1] == {n: v for n, v in newest.items() if n in CONVERSATION}
    assert pinned == sorted(pinned, key=Version), "each later minor by a later test plugin"
    assert len(set(pinned)) == len(pinned)
    # From the oldest supported to the newest tested, each the next month's minor.
    assert minors[0] == _minor(HACS["homeassistant"])
    assert pinned[0] == oldest[plugin], "the oldest job is requirements_test_oldest.txt's plugin"
    assert pinned[-1] == newest[plugin], "the newest job is requirements_test.txt's plugin"
    for (year, month), following in itertools.pairwise(minors):
        assert following == ((year, month + 1) if month < 12 else (year + 1, 1)), following


@pytest.mark.usefixtures("init_integration")
async def test_services_yaml_is_what_is_registered(hass: HomeAssistant) -> None:
    """services.yaml documents exactly the registered actions and the fields of their schemas."""
    registered = hass.services.async_services_for_domain(DOMAIN)
    assert set(registered) == set(SERVICES)
    for name, service in registered.items():
        assert service.schema is not None, name
        schema = service.schema.schema
        markers = {str(marker): marker for marker in schema}
        fields: dict[str, Any] = SERVICES[name].get("fields") or {}
        assert set(fields) == set(markers), name
        for field, spec in fields.items():
            marker = markers[field]
            where = f"{name}.{field}"
            assert set(spec) <= FIELD_KEYS, where
            assert spec.get("required", False) is isinstance(marker, probatio.Required), where
            has_default = marker.default is not probatio.UNDEFINED
            assert ("default" in spec) is has_default, where
            if has_default:
                assert spec["default"] == marker.default(), where
            selector = validate_selector(spec["selector"])
            if "select" in selector and isinstance(schema[marker], probatio.In):
                assert selector["select"]["options"] == list(schema[marker].container), where


def test_services_are_translated() -> None:
    """hassfest: a name and a description for each action and field, in English and Danish."""
    for language in (STRINGS, DANISH):
        assert set(language["services"]) == set(SERVICES)
        for name, service in SERVICES.items():
            texts = language["services"][name]
            assert texts["name"], name
            assert texts["description"], name
            assert set(texts.get("fields", {})) == set(service.get("fields") or {}), name
            for field, text in texts.get("fields", {}).items():
                assert text["name"], f"{name}.{field}"
                assert text["description"], f"{name}.{field}"
            for field, spec in (service.get("fields") or {}).items():
                select = (spec.get("selector") or {}).get("select") or {}
                if "translation_key" in select:
                    options = language["selector"][select["translation_key"]]["options"]
                    assert set(options) == set(select["options"]), f"{name}.{field}"


def test_icons() -> None:
    """Each action has an icon; each entity icon belongs to a translated entity and its states."""
    assert set(ICONS) <= {"entity", "services"}
    assert set(ICONS["services"]) == set(SERVICES)
    assert all(set(icons) == {"service"} for icons in ICONS["services"].values())
    for platform, entities in ICONS.get("entity", {}).items():
        for key, icons in entities.items():
            assert key in STRINGS["entity"].get(platform, {}), f"{platform}.{key}"
            assert set(icons) <= {"default", "state", "state_attributes", "range"}
            texts = STRINGS["entity"][platform][key]
            if "state" in texts:  # an enum: its icons are for states it can have
                assert set(icons.get("state", {})) <= set(texts["state"]), f"{platform}.{key}"
            for attribute, by_state in icons.get("state_attributes", {}).items():
                named = texts.get("state_attributes", {}).get(attribute, {})
                assert set(by_state.get("state", {})) <= set(named.get("state", {})), attribute
    icons = list(_leaves(ICONS))
    assert icons
    assert all(RE_ICON.fullmatch(icon) for icon in icons), icons


def _leaves(node: Any) -> Iterator[Any]:
    if isinstance(node, dict):
        for value in node.values():
            yield from _leaves(value)
    else:
        yield node


# home-assistant/brands: an icon is square, 256 px (512 px at @2x); a logo's shortest side is 128
# to 256 px (256 to 512 at @2x). dark_ variants follow the same rules.
BRAND_SIDES = {"icon": (256, 256), "icon@2x": (512, 512), "logo": (128, 256), "logo@2x": (256, 512)}


def _png_size(path: Path) -> tuple[int, int]:
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n", f"{path.name} is not a PNG"
    assert header[12:16] == b"IHDR", path.name
    width, height = struct.unpack(">II", header[16:24])
    return width, height


def test_brand_images() -> None:
    """brand/ has icon.png and icon@2x.png, and only images of the sizes the brands rules allow."""
    brand = INTEGRATION / "brand"
    names = {path.name for path in brand.iterdir()}
    assert {"icon.png", "icon@2x.png"} <= names
    allowed = {f"{dark}{kind}.png" for dark in ("", "dark_") for kind in BRAND_SIDES}
    assert names <= allowed
    for path in sorted(brand.iterdir()):
        width, height = _png_size(path)
        least, most = BRAND_SIDES[path.stem.removeprefix("dark_")]
        if path.stem.removeprefix("dark_").startswith("icon"):
            assert width == height == most, path.name
        else:
            assert least <= min(width, height) <= most, path.name
