"""The one send path: every way of sending a text ends here.

Notify entities, the classic ``notify.<name>`` action, ``sms_dk.send_sms``, the test button and
the repair's "send again" all build a :class:`SendRequest` and call :meth:`SmsSender.async_send`,
which checks everything it can before the first request (request.py) into a :class:`Prepared`
text, counts it against the spend guard, and submits it to the outbox: the outbox tries it at
once (one request per receiver, a few at a time: SMS.dk's multi-receiver form is not documented),
or keeps it while SMS.dk is away or texts kept before it still wait. What an error means is the
retry policy's word (policy.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final
from uuid import uuid4

from homeassistant.const import CONF_SENDER
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError

from ..const import CONF_DEFAULT_SENDER, LOGGER, is_valid_sender_name
from ..errors import action_error, invalid
from ..models import Prepared, Rejected
from ..smsdk import SmsDkClient, SmsDkError, SmsDkValidationError
from .request import (
    SendOutcome,
    SendRequest,
    checked_receivers,
    checked_reference,
    checked_schedule,
    checked_text,
)

if TYPE_CHECKING:
    from homeassistant.config_entries import ConfigEntry
    from homeassistant.core import HomeAssistant

    from ..outbox import Outbox
    from .guard import SpendGuard

CODE_SENDER_NOT_APPROVED: Final = 1017


async def async_sender_names(
    hass: HomeAssistant, entry: ConfigEntry, client: SmsDkClient
) -> tuple[str, ...] | None:
    """Return the account's approved sender names; None when SMS.dk does not tell.

    The first one is remembered in the entry: it is the default sender, also when Home Assistant
    starts while SMS.dk cannot be reached.
    """
    names = await async_read_sender_names(client)
    _remember_default_sender(hass, entry, names)
    return names


async def async_read_sender_names(client: SmsDkClient) -> tuple[str, ...] | None:
    """The account's approved sender names, in SMS.dk's order; None when SMS.dk does not tell."""
    try:
        return tuple(await client.get_approved_sender_names())
    except SmsDkError as err:
        LOGGER.debug("Could not read the approved sender names: %s", err)
        return None


def _remember_default_sender(
    hass: HomeAssistant, entry: ConfigEntry, names: tuple[str, ...] | None
) -> None:
    if names and entry.data.get(CONF_DEFAULT_SENDER) != names[0]:
        hass.config_entries.async_update_entry(
            entry, data={**entry.data, CONF_DEFAULT_SENDER: names[0]}
        )


class SmsSender:
    """Sends texts for one SMS.dk entry."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: ConfigEntry,
        client: SmsDkClient,
        outbox: Outbox,
        *,
        guard: SpendGuard,
        sender_names: tuple[str, ...] | None,
    ) -> None:
        """Send through *outbox*, within *guard*'s limits; *sender_names*: None when unknown."""
        self._hass = hass
        self._entry = entry
        self._client = client
        self._outbox = outbox
        self._guard = guard
        self.sender_names = sender_names

    async def async_update_sender_names(self) -> None:
        """Read the approved sender names again, and remember the first as the default.

        When set-up could not read them, when a text finds none, and after a new token.
        """
        self.sender_names = await async_read_sender_names(self._client)
        # Known before the entry changes: its update listener reads them.
        _remember_default_sender(self._hass, self._entry, self.sender_names)

    async def async_send(self, request: SendRequest) -> SendOutcome:
        """Check *request*, send it to every receiver and return what happened.

        Raises ServiceValidationError for what the user can fix, HomeAssistantError when SMS.dk
        refuses the text as a whole (or the token) before any receiver was accepted. Receivers
        SMS.dk refuses are in the outcome's ``rejected``; those the outbox keeps (SMS.dk is away,
        or texts kept before this one still wait) are in ``queued``.
        """
        receivers = checked_receivers(request.receivers)
        analysis = checked_text(self._entry, request)
        prepared = Prepared(
            receivers=receivers,
            text=analysis.text,
            format=analysis.format,
            parts=analysis.parts,
            sender=await self._async_sender(request.sender),
            scheduled=checked_schedule(request.scheduled),
            reference=checked_reference(request.reference),
            send_id=uuid4().hex[:16],
        )
        # Only a text that could be sent counts against the limits (raises when over one); what
        # SMS.dk then refuses is given back.
        self._guard.check(len(prepared.receivers), ignore_limit=request.ignore_limit)
        try:
            tried = await self._outbox.async_submit(prepared)
        except BaseException:
            self._guard.refund(len(prepared.receivers))
            raise
        if tried is None:
            return SendOutcome(
                analysis=analysis,
                parts=analysis.parts,
                credits=0.0,
                scheduled=prepared.scheduled,
                queued=prepared.receivers,
            )
        queued: tuple[str, ...] = ()
        # Receivers that did not get the text, by the error that left them: a refusal for good,
        # or one the user must act on (a refused token, no credits: not kept for a new text).
        failed: list[tuple[tuple[str, ...], SmsDkError]] = []
        if (err := tried.error) is not None:
            if tried.verdict.temporary:
                queued = tried.unsent  # the outbox kept them
            else:
                failed.append((tried.unsent, err))
        if tried.refusal is not None:
            failed.append((tried.refused, tried.refusal))
        # What SMS.dk refused, or what was given up, cost nothing: it does not count.
        given_back = len(tried.rejected) + sum(len(receivers) for receivers, _ in failed)
        for receivers, err in failed:
            error = self._error(err, prepared.sender)  # also starts re-authentication
            if not tried.accepted and not queued:
                self._guard.refund(given_back)
                raise error from err
            # Others have the text, or will: report these as not sent.
            tried.rejected.extend(Rejected(r, err.code, err.message) for r in receivers)
        self._guard.refund(given_back)
        LOGGER.debug(
            "Sent a %s-part %s text: %d accepted, %d rejected, %d queued",
            tried.parts or analysis.parts,
            analysis.format.value,
            len(tried.accepted),
            len(tried.rejected),
            len(queued),
        )
        return SendOutcome(
            analysis=analysis,
            parts=tried.parts or analysis.parts,
            credits=tried.credits,
            scheduled=prepared.scheduled,
            accepted=tuple(tried.accepted),
            rejected=tuple(tried.rejected),
            queued=queued,
        )

    def _chosen_sender(self, requested: str | None) -> str | None:
        """The text's own sender name, else the options', else the account's default."""
        return (
            (requested or "").strip()
            or self._entry.options.get(CONF_SENDER)
            or (self.sender_names[0] if self.sender_names else None)
            or self._entry.data.get(CONF_DEFAULT_SENDER)
        )

    async def _async_sender(self, requested: str | None) -> str:
        sender = self._chosen_sender(requested)
        if not sender and self.sender_names is None:
            # SMS.dk did not tell the names at set-up, and none is saved: ask once more.
            await self.async_update_sender_names()
            sender = self._chosen_sender(requested)
        if not sender:
            raise invalid("no_sender")
        if not is_valid_sender_name(sender):
            raise invalid("invalid_sender", sender=sender)
        if self.sender_names is not None and sender not in self.sender_names:
            # Approved since the list was read? Ask SMS.dk once more before refusing.
            await self.async_update_sender_names()
            if self.sender_names is not None and sender not in self.sender_names:
                raise self._unapproved(sender)
        return str(sender)

    def _unapproved(self, sender: str) -> ServiceValidationError:
        return invalid(
            "unapproved_sender", sender=sender, approved=", ".join(self.sender_names or ()) or "-"
        )

    def _error(self, err: SmsDkError, sender: str) -> HomeAssistantError:
        """Return the user-facing error for a send SMS.dk refused as a whole."""
        if isinstance(err, SmsDkValidationError):
            if err.code == CODE_SENDER_NOT_APPROVED:
                return self._unapproved(sender)
            return invalid("api_rejected", code=str(err.code or "?"), message=err.message)
        return action_error(self._hass, self._entry, err)
