"""The vocabulary the engines share: a text ready to go, what one try of it did, its steps.

One name per concept:

- :class:`Prepared`: a text checked and ready to go (what the outbox keeps and sends);
- :class:`TryResult`: what one try of a prepared text did, receiver by receiver;
- :class:`TextStep`: one step of a text to one receiver (queued, sent, delivered, ...), which the
  "Delivery" event entities fire;
- a *delivery status* is only ever what SMS.dk's delivery log says of a sent message
  (``tracking``).

A leaf module: it imports nothing of the integration but its constants, the retry policy and the
client's own types, so that ``sending``, ``outbox`` and ``tracking`` share it without importing
one another. Changes are pushed to the entities with Home Assistant's dispatcher, on the
signals :func:`signal` names.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Final

from .const import CONF_PHONE, DOMAIN, SUBENTRY_RECIPIENT
from .policy import Verdict
from .smsdk import MessageFormat, SmsDkError

if TYPE_CHECKING:
    from homeassistant.config_entries import ConfigEntry, ConfigSubentry

# A text the caller gave no reference is sent with this prefix and its send id as SMS.dk's
# userReference: after a lost answer, the delivery log then tells for certain whether it arrived.
AUTO_REFERENCE_PREFIX: Final = "ha-"


@dataclass(frozen=True, slots=True)
class Prepared:
    """A text checked and ready to go (what the outbox keeps).

    ``send_id`` is unique per text; ``reference`` is the caller's own (None when none was given).
    """

    receivers: tuple[str, ...]
    text: str
    format: MessageFormat
    parts: int
    sender: str
    scheduled: datetime | None
    reference: str | None
    send_id: str

    @property
    def wire_reference(self) -> str:
        """The userReference sent to SMS.dk: the caller's, else one made of the send id."""
        return self.reference or f"{AUTO_REFERENCE_PREFIX}{self.send_id}"


@dataclass(frozen=True, slots=True)
class Accepted:
    """A receiver SMS.dk took the message for."""

    receiver: str
    batch_id: str | None
    credits: float | None


@dataclass(frozen=True, slots=True)
class Rejected:
    """A receiver SMS.dk refused, with its code and reason."""

    receiver: str
    code: int | None
    message: str


@dataclass(slots=True)
class TryResult:
    """What one try of a text did, receiver by receiver.

    - ``accepted``: SMS.dk took the text for them; ``rejected``: SMS.dk refused these receivers
      (their own number, say);
    - ``unsent``: not sent yet, to be kept or told (``error`` is the first error that left them,
      ``verdict`` the retry policy's word on it, ``Verdict.SENT`` when there is none). Every
      caller decides from the verdict what becomes of them. ``unverified`` maps those whose last
      request may have reached SMS.dk (its answer was lost) to when that request was made: the
      delivery log is asked before they are sent the text again;
    - ``refused``: refused for good by ``refusal``, an error that is not the receiver's own (an
      unapproved sender name, say): trying again changes nothing.
    """

    accepted: list[Accepted] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    unsent: tuple[str, ...] = ()
    unverified: dict[str, datetime] = field(default_factory=dict)
    error: SmsDkError | None = None
    verdict: Verdict = Verdict.SENT
    refused: tuple[str, ...] = ()
    refusal: SmsDkError | None = None
    credits: float = 0.0
    parts: int | None = None


# The steps of a text that the event entities fire, in the order a text may take them.
STEP_QUEUED: Final = "queued"
STEP_SENT: Final = "sent"
STEP_REJECTED: Final = "rejected"
STEP_FAILED: Final = "failed"
STEPS: Final = (
    STEP_QUEUED,
    STEP_SENT,
    "delivered",
    STEP_REJECTED,
    "expired",
    "buffered",
    STEP_FAILED,
)


@dataclass(frozen=True, slots=True)
class TextStep:
    """One step of one text to one receiver, for the event entities.

    ``queued``: kept by the outbox; ``sent``: SMS.dk took it; ``delivered``, ``rejected``,
    ``expired``, ``buffered``: what SMS.dk's delivery log says; ``failed``: the outbox gave it up
    (after a day, or SMS.dk refused it later), with the ``reason``.
    """

    receiver: str
    step: str
    batch_id: str | None = None
    reference: str | None = None
    parts: int | None = None
    reason: str | None = None


# What changed, on an entry's dispatcher signals (see signal()).
TOPIC_STEP: Final = "step"  # a TextStep, for the event entities
TOPIC_OUTBOX: Final = "outbox"  # the kept texts
TOPIC_USAGE: Final = "usage"  # texts sent and credits spent
TOPIC_MESSAGE: Final = "message"  # a tracked message's status, keyed by receiver (or LAST)
# The key of whatever shows the last message (to anyone); others are keyed by receiver.
LAST: Final = "last"


def signal(entry_id: str, topic: str, key: str | None = None) -> str:
    """The dispatcher signal on which the entry's *topic* changes (for *key* only, if given).

    A key (a receiver's number) lets a text to one recipient update only that recipient's
    entities, not every entity of the account.
    """
    name = f"{DOMAIN}_{entry_id}_{topic}"
    return f"{name}_{key}" if key is not None else name


def saved_recipients(entry: ConfigEntry) -> list[ConfigSubentry]:
    """The entry's saved recipients (its recipient subentries), in the order they were added."""
    return [
        subentry
        for subentry in entry.subentries.values()
        if subentry.subentry_type == SUBENTRY_RECIPIENT
    ]


def recipient_names(entry: ConfigEntry) -> dict[str, str]:
    """The saved recipients' titles by their numbers."""
    return {subentry.data[CONF_PHONE]: subentry.title for subentry in saved_recipients(entry)}
