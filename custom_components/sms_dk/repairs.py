"""The fix flow of the "a text was not sent" repair: send it again, or discard it."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from homeassistant.components.repairs import RepairsFlow
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util

from .const import SCHEDULE_MIN_AHEAD
from .coordinator import SmsDkConfigEntry
from .models import recipient_names
from .outbox import KeptText, reason

if TYPE_CHECKING:
    # Only for typing: Home Assistant before 2026.x has no such name (the flow is the same).
    from homeassistant.components.repairs import RepairsFlowResult

# How much of the text the repair shows, so that the user knows which one it is.
SHOWN_CHARACTERS = 40


async def async_create_fix_flow(
    hass: HomeAssistant, issue_id: str, data: dict[str, Any] | None
) -> RepairsFlow:
    """The fix flow of a text that was not sent (the only fixable issue)."""
    data = data or {}
    return TextNotSentFlow(str(data.get("entry_id")), str(data.get("text_id")))


class TextNotSentFlow(RepairsFlow):
    """Shows the text's recipients and first words, and offers to send it again or discard it."""

    def __init__(self, entry_id: str, text_id: str) -> None:
        """Fix the text *text_id* of entry *entry_id*."""
        self._entry_id = entry_id
        self._text_id = text_id

    def _find(self) -> tuple[SmsDkConfigEntry, KeptText] | None:
        entry: SmsDkConfigEntry | None = self.hass.config_entries.async_get_entry(self._entry_id)
        if entry is None or entry.state is not ConfigEntryState.LOADED:
            return None
        item = entry.runtime_data.outbox.not_sent.get(self._text_id)
        return None if item is None else (entry, item)

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> RepairsFlowResult:
        """The text, and the choice."""
        if (found := self._find()) is None:
            return self.async_abort(reason="text_gone")
        entry, item = found
        names = recipient_names(entry)
        text = item.prepared.text
        return self.async_show_menu(
            step_id="init",
            menu_options=["send_again", "discard"],
            description_placeholders={
                "recipients": ", ".join(
                    names.get(number, f"+{number}") for number in item.prepared.receivers
                ),
                "text": text if len(text) <= SHOWN_CHARACTERS else f"{text[:SHOWN_CHARACTERS]}…",
                "reason": item.error,
            },
        )

    async def async_step_send_again(
        self, user_input: dict[str, Any] | None = None
    ) -> RepairsFlowResult:
        """Send it now, like a new text (kept by the outbox if SMS.dk is away)."""
        if (found := self._find()) is None:
            return self.async_abort(reason="text_gone")
        entry, item = found
        prepared = item.prepared
        if prepared.scheduled and prepared.scheduled - dt_util.utcnow() < SCHEDULE_MIN_AHEAD:
            prepared = replace(prepared, scheduled=None)  # its time has come: now
        outbox = entry.runtime_data.outbox
        tried = await outbox.async_submit(prepared)
        failed: tuple[str, ...] = ()
        err = None
        if tried is not None:
            if tried.error is not None and not tried.verdict.temporary:
                failed, err = tried.unsent, tried.error  # the user must act (token, credits)
            if tried.refusal is not None:
                failed, err = failed + tried.refused, err or tried.refusal
        if err is not None:
            # Refused again (the sender name, say): the receivers not reached stay, with their
            # repair, for another try (those an outage kept are the outbox's now).
            outbox.not_sent.keep(
                replace(
                    item,
                    prepared=replace(item.prepared, receivers=failed),
                    error=reason(err),
                )
            )
            return self.async_abort(
                reason="send_failed", description_placeholders={"reason": err.message}
            )
        # Sent, or kept by the outbox (which now tells of it like of any other text).
        outbox.not_sent.forget(self._text_id)
        return self.async_create_entry(data={})

    async def async_step_discard(
        self, user_input: dict[str, Any] | None = None
    ) -> RepairsFlowResult:
        """Forget it."""
        if (found := self._find()) is not None:
            found[0].runtime_data.outbox.not_sent.forget(self._text_id)
        return self.async_create_entry(data={})
