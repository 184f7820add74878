"""What differs between the Home Assistant releases this integration supports (2026.3 and later).

The workflow (.github/workflows/tests.yml) runs the tests on every minor release of them
(``scripts/test --ha``), and ``scripts/test --matrix`` on the oldest and the newest; coverage is
measured on the newest, so the branches for older releases are marked ``pragma: no cover``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import MAJOR_VERSION, MINOR_VERSION
from homeassistant.core import HomeAssistant
from homeassistant.helpers import service
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.util.json import JsonObjectType

if TYPE_CHECKING:
    from homeassistant.helpers.llm import ToolAnnotations, ToolResult

HA_VERSION = (MAJOR_VERSION, MINOR_VERSION)

# Home Assistant validates with probatio since 2026.9 and with voluptuous before. probatio is
# API-compatible with voluptuous, and schemas and `Invalid` must come from the library that Home
# Assistant's own config_validation, selectors and flow sections use, so the integration imports
# `probatio` from here and gets voluptuous under that name on the older releases.

if HA_VERSION >= (2026, 9):
    import probatio
else:  # pragma: no cover - runs only on 2026.3 to 2026.8; coverage is measured on the newest
    import voluptuous as probatio  # type: ignore[no-redef]


def via_device(device_id: str, identifier: tuple[str, str]) -> DeviceInfo:
    """The part of a DeviceInfo that puts a device under its parent device.

    Since 2026.8 Home Assistant names the parent by its device id (``via_device_id``) and
    deprecates ``via_device`` (the parent's identifier), which is all that older releases know.
    """
    if HA_VERSION >= (2026, 8):
        return DeviceInfo(via_device_id=device_id)
    return cast("DeviceInfo", {"via_device": identifier})  # pragma: no cover - older releases only


# Since 2026.5 a config flow can go on to a subentry flow once its entry exists: Home Assistant
# calls ``ConfigFlow.async_on_create_entry`` with the create-entry result, and the frontend opens
# the flow its ``next_flow`` names (``FlowType.CONFIG_SUBENTRIES_FLOW``, also new in 2026.5). The
# flow's override in config_flow.py needs no branch: older releases never call it, so there the
# flow creates the entry as before and the user adds recipients from the entry's page. The tests
# read this to know which to expect.
FIRST_RECIPIENT_STEP = HA_VERSION >= (2026, 5)


def async_get_config_entry(hass: HomeAssistant, domain: str, entry_id: str | None) -> ConfigEntry:
    """The loaded entry an action names, or the only one: ``service.async_get_config_entry``.

    Before 2026.7 that helper needs an id; there, the only entry of *domain* stands in for a
    missing one (with none or several, the helper refuses the missing id).
    """
    if entry_id is None and HA_VERSION < (2026, 7):  # pragma: no cover - older releases only
        entries = hass.config_entries.async_entries(
            domain, include_ignore=False, include_disabled=False
        )
        if len(entries) == 1:
            entry_id = entries[0].entry_id
    return service.async_get_config_entry(hass, domain, entry_id)


# Since 2026.8 an integration's llm.py gives LLM agents tools (llm.py here); since 2026.10 a tool
# answers with a ToolResult (its data and whether it failed) and describes itself with
# ToolAnnotations. Before, a tool answered with the plain JSON object. Home Assistant's LLM helper
# is imported only when a tool is made or answers: on the older releases importing it at the
# integration's load would import several other integrations with it.
LLM_TOOL_RESULT = (2026, 10)


def tool_result(data: JsonObjectType, *, error: bool = False) -> ToolResult:
    """A tool's answer: a ToolResult, or before 2026.10 its data (an error says so in it)."""
    if HA_VERSION >= LLM_TOOL_RESULT:
        from homeassistant.helpers.llm import ToolResult  # noqa: PLC0415 (see above)

        return ToolResult(data=data, error=error)
    return cast("ToolResult", data)  # pragma: no cover - 2026.8 and 2026.9 only


def tool_annotations(
    *, read_only: bool, destructive: bool, idempotent: bool, open_world: bool
) -> ToolAnnotations:
    """How a tool behaves, for the releases that ask (2026.10 and later; None before)."""
    if HA_VERSION >= LLM_TOOL_RESULT:
        from homeassistant.helpers.llm import ToolAnnotations  # noqa: PLC0415 (see above)

        return ToolAnnotations(
            read_only=read_only,
            destructive=destructive,
            idempotent=idempotent,
            open_world=open_world,
        )
    return cast("ToolAnnotations", None)  # pragma: no cover - 2026.8 and 2026.9 only


__all__ = [
    "FIRST_RECIPIENT_STEP",
    "async_get_config_entry",
    "probatio",
    "tool_annotations",
    "tool_result",
    "via_device",
]
