"""Write translations/en.json from strings.json, resolving the [%key:...%] references.

Home Assistant core builds en.json this way; a custom integration ships it. Run by scripts/lint;
tests/test_translations.py checks that en.json is current and that every language has every key.
"""

from __future__ import annotations

import json
from pathlib import Path
import re
import sys
from typing import Any

INTEGRATION = Path(__file__).resolve().parent.parent / "custom_components" / "sms_dk"

# The English texts of the common keys used in strings.json: those of Home Assistant's strings.json
# (homeassistant/strings.json; tests/test_translations.py checks that they still are).
COMMON = {
    "common::config_flow::error::invalid_auth": "Invalid authentication",
    "common::config_flow::error::cannot_connect": "Failed to connect",
    "common::config_flow::error::unknown": "Unexpected error",
    "common::config_flow::abort::already_configured_account": "Account is already configured",
    "common::config_flow::abort::reauth_successful": "Re-authentication was successful",
    "common::config_flow::abort::reconfigure_successful": "Reconfiguration was successful",
}
_REF = re.compile(r"\[%key:([^%]+)%\]")


def resolve(node: Any, root: dict[str, Any]) -> Any:
    """Replace every reference in *node* by the text it names."""
    if isinstance(node, dict):
        return {key: resolve(value, root) for key, value in node.items()}

    def lookup(match: re.Match[str]) -> str:
        key = match.group(1)
        if key in COMMON:
            return COMMON[key]
        prefix = "component::sms_dk::"
        if not key.startswith(prefix):
            raise KeyError(f"unknown reference {key}")
        current: Any = root
        for part in key.removeprefix(prefix).split("::"):
            current = current[part]
        return str(resolve(current, root))

    return _REF.sub(lookup, node)


def english() -> str:
    """The content en.json must have."""
    strings = json.loads((INTEGRATION / "strings.json").read_text(encoding="utf-8"))
    return json.dumps(resolve(strings, strings), indent=2, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    target = INTEGRATION / "translations" / "en.json"
    target.write_text(english(), encoding="utf-8")
    sys.stdout.write(f"wrote {target.relative_to(INTEGRATION.parent.parent)}\n")
