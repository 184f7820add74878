"""The messages the delivery tracker follows, and how they are written down."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from .smsdk import DeliveryStatus


@dataclass(frozen=True, slots=True)
class TrackedMessage:
    """One text to one receiver, and what SMS.dk last said of it."""

    batch_id: str
    receiver: str
    status: DeliveryStatus
    raw_status: int | None
    sent: datetime
    parts: int | None
    credits: float | None
    reference: str | None

    @property
    def status_name(self) -> str:
        """The status as the sensors and events name it."""
        return self.status.name.lower()

    def as_dict(self) -> dict[str, Any]:
        """JSON-serialisable form (storage and diagnostics)."""
        data = asdict(self)
        data["status"] = self.status_name
        data["sent"] = self.sent.isoformat()
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrackedMessage | None:
        """Read a stored message; None if it is not one."""
        try:
            return cls(
                batch_id=str(data["batch_id"]),
                receiver=str(data["receiver"]),
                status=DeliveryStatus[str(data["status"]).upper()],
                raw_status=data.get("raw_status"),
                sent=datetime.fromisoformat(data["sent"]),
                parts=data.get("parts"),
                credits=data.get("credits"),
                reference=data.get("reference"),
            )
        except KeyError, TypeError, ValueError:
            return None
