"""What the outbox keeps, and how it is written down (so that a restart keeps it)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any
from uuid import uuid4

from .models import Prepared
from .smsdk import MessageFormat, SmsDkError


@dataclass(frozen=True, slots=True)
class QueuedText:
    """A text (or what is left of it) waiting for SMS.dk.

    ``unverified`` maps receivers whose last request may have reached SMS.dk (its answer was
    lost) to when it was made: the delivery log is asked before they are sent the text again.
    """

    id: str
    prepared: Prepared
    queued: datetime
    attempts: int
    error: str
    unverified: dict[str, datetime] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """JSON-serialisable form (storage and diagnostics)."""
        prepared = asdict(self.prepared)
        prepared["format"] = self.prepared.format.value
        prepared["receivers"] = list(self.prepared.receivers)
        prepared["scheduled"] = (
            self.prepared.scheduled.isoformat() if self.prepared.scheduled else None
        )
        return {
            "id": self.id,
            "prepared": prepared,
            "queued": self.queued.isoformat(),
            "attempts": self.attempts,
            "error": self.error,
            "unverified": {r: when.isoformat() for r, when in self.unverified.items()},
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> QueuedText | None:
        """Read a stored text; None if it is not one (texts stored by 0.1 lack the new fields)."""
        try:
            prepared = data["prepared"]
            scheduled = prepared.get("scheduled")
            return cls(
                id=str(data["id"]),
                prepared=Prepared(
                    receivers=tuple(str(r) for r in prepared["receivers"]),
                    text=str(prepared["text"]),
                    format=MessageFormat(prepared["format"]),
                    parts=int(prepared["parts"]),
                    sender=str(prepared["sender"]),
                    scheduled=datetime.fromisoformat(scheduled) if scheduled else None,
                    reference=prepared.get("reference"),
                    send_id=str(prepared.get("send_id") or uuid4().hex[:16]),
                ),
                queued=datetime.fromisoformat(data["queued"]),
                attempts=int(data["attempts"]),
                error=str(data.get("error", "")),
                unverified={
                    str(r): datetime.fromisoformat(when)
                    for r, when in (data.get("unverified") or {}).items()
                },
            )
        except AttributeError, KeyError, TypeError, ValueError:
            return None


def reason(err: SmsDkError) -> str:
    """A short reason for logs, events and diagnostics (no token, no number, no text)."""
    return f"{type(err).__name__}: {err.message}"
