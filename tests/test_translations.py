"""Every user-facing string is translated, and en.json is what strings.json says."""

from __future__ import annotations

import json
from pathlib import Path
import re
import string
from typing import Any

import pytest

from scripts.translations import INTEGRATION, english

TRANSLATIONS = sorted((INTEGRATION / "translations").glob("*.json"))


def _flatten(node: Any, prefix: str = "") -> dict[str, str]:
    if isinstance(node, dict):
        flat: dict[str, str] = {}
        for key, value in node.items():
            flat.update(_flatten(value, f"{prefix}{key}."))
        return flat
    return {prefix.rstrip("."): node}


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_english_is_generated_from_strings() -> None:
    """translations/en.json is current (scripts/lint rewrites it)."""
    assert (INTEGRATION / "translations" / "en.json").read_text(encoding="utf-8") == english()


@pytest.mark.parametrize("path", TRANSLATIONS, ids=lambda path: path.stem)
def test_every_language_has_every_string(path: Path) -> None:
    """Each language has exactly the English keys, with the same placeholders."""
    reference = _flatten(json.loads(english()))
    translated = _flatten(json.loads(path.read_text(encoding="utf-8")))
    assert set(translated) == set(reference)
    for key, text in reference.items():
        assert _placeholders(translated[key]) == _placeholders(text), key
        assert translated[key].strip(), key


def test_every_translation_key_in_code_exists() -> None:
    """Each translation_key the code raises (or files a repair issue) with has a message."""
    strings = json.loads((INTEGRATION / "strings.json").read_text(encoding="utf-8"))
    exceptions = set(strings["exceptions"]) | set(strings["issues"])
    exceptions |= {key for platform in strings["entity"].values() for key in platform}
    source = "\n".join(p.read_text(encoding="utf-8") for p in INTEGRATION.rglob("*.py"))
    used = set(re.findall(r'translation_key="([a-z_]+)"', source))
    used |= set(re.findall(r'return "([a-z_]+)", \{', source))
    used |= set(re.findall(r'_invalid\(\s*"([a-z_]+)"', source))
    used |= {f"text_{status}" for status in ("expired", "failed")}  # outbox.py: f"text_{status}"
    assert {"invalid_number", "no_sender", "text_failed", "auth_failed"} <= used
    assert used <= exceptions
