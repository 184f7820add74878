"""The messages the delivery tracker follows, and how they are written down."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any, Final

from homeassistant.core import HomeAssistant
from homeassistant.helpers.storage import Store

from .const import DOMAIN
from .smsdk import DeliveryStatus

STORAGE_VERSION: Final = 1


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


def delivery_store(hass: HomeAssistant, entry_id: str) -> Store[list[dict[str, Any]]]:
    """Where an entry's followed messages are written."""
    return Store(hass, STORAGE_VERSION, f"{DOMAIN}.{entry_id}.deliveries")


async def async_remove_deliveries(hass: HomeAssistant, entry_id: str) -> None:
    """Forget the stored messages of a removed entry."""
    await delivery_store(hass, entry_id).async_remove()
