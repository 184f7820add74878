"""The types that travel between the send path, the outbox and the actions.

A leaf module: it imports nothing of the integration but its constants and the client's own types,
so that the sender, the dispatcher and the outbox can share these types without importing one
another.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final

from homeassistant.exceptions import HomeAssistantError

from .const import DOMAIN
from .smsdk import (
    MessageFormat,
    SmsDkConnectionError,
    SmsDkError,
    SmsDkRateLimitError,
    SmsDkServerError,
)
from .smsdk.gsm import Encoding, TextAnalysis

# A text the caller gave no reference is sent with this prefix and its send id as SMS.dk's
# userReference: after a lost answer, the delivery log then tells for certain whether it arrived.
AUTO_REFERENCE_PREFIX: Final = "ha-"


@dataclass(frozen=True, slots=True)
class SendRequest:
    """What a user asked to send."""

    receivers: tuple[str, ...]
    message: str
    title: str | None = None
    sender: str | None = None
    encoding: Encoding = Encoding.AUTO
    replace_characters: bool | None = None  # None: the entry's option
    scheduled: datetime | None = None
    reference: str | None = None
    ignore_limit: bool = False  # an emergency: past the spend guard's limits


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
class Delivery:
    """What one delivery attempt did; ``error`` stopped it before ``unsent`` were tried.

    ``unverified`` maps those of ``unsent`` whose last request may have reached SMS.dk (its
    answer was lost) to when that request was made: before sending them again, the delivery log
    must be asked whether the text arrived.
    """

    accepted: list[Accepted] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    unsent: tuple[str, ...] = ()
    unverified: dict[str, datetime] = field(default_factory=dict)
    error: SmsDkError | None = None
    credits: float = 0.0
    parts: int | None = None


def is_temporary(err: SmsDkError) -> bool:
    """Whether trying again later may work: an outage, a failing server, a cool-down."""
    return isinstance(err, SmsDkConnectionError | SmsDkServerError | SmsDkRateLimitError)


@dataclass(frozen=True, slots=True)
class SendOutcome:
    """What happened to one send request."""

    analysis: TextAnalysis
    parts: int
    credits: float
    scheduled: datetime | None
    accepted: tuple[Accepted, ...] = field(default=())
    rejected: tuple[Rejected, ...] = field(default=())
    queued: tuple[str, ...] = field(default=())

    @property
    def batch_ids(self) -> list[str]:
        """The batch ids of the accepted messages, each once."""
        return list(dict.fromkeys(a.batch_id for a in self.accepted if a.batch_id))

    def as_response(self) -> dict[str, Any]:
        """The outcome as action response data (JSON-serialisable)."""
        batch_ids = self.batch_ids
        return {
            "batch_id": batch_ids[0] if batch_ids else None,
            "batch_ids": batch_ids,
            "encoding": self.analysis.format.value,
            "parts": self.parts,
            "credits": self.credits,
            "scheduled": self.scheduled.isoformat() if self.scheduled else None,
            "accepted": [
                {"receiver": a.receiver, "batch_id": a.batch_id, "credits": a.credits}
                for a in self.accepted
            ],
            "rejected": [
                {"receiver": r.receiver, "code": r.code, "message": r.message}
                for r in self.rejected
            ],
            "queued": list(self.queued),
            "replaced": [
                {"character": original, "replacement": replacement}
                for original, replacement in self.analysis.replaced
            ],
        }

    def raise_for_rejections(self) -> None:
        """Raise, naming each rejected receiver, if any was rejected (for the notify actions)."""
        if not self.rejected:
            return
        raise HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="rejected_receivers",
            translation_placeholders={
                "sent": str(len(self.accepted)),
                "total": str(len(self.accepted) + len(self.rejected)),
                "rejected": "; ".join(
                    f"{r.receiver}: {r.message} ({r.code})" for r in self.rejected
                ),
            },
        )


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
class DeliveryStep:
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


def delivery_signal(entry_id: str) -> str:
    """The dispatcher signal on which an entry's delivery steps are sent."""
    return f"{DOMAIN}_{entry_id}_delivery_step"
