"""What a loaded entry holds, and the typed ConfigEntry alias of the integration.

Only the modules at the top (set-up, platforms, actions, diagnostics) import this one; the parts
it holds take a plain ConfigEntry, so that none of them imports back up.
"""

from __future__ import annotations

from dataclasses import dataclass

from homeassistant.config_entries import ConfigEntry

from .coordinator import SmsDkCreditsCoordinator
from .delivery import DeliveryTracker
from .guard import SpendGuard
from .outbox import Outbox
from .sender import SmsSender
from .smsdk import SmsDkClient
from .usage import Usage

type SmsDkConfigEntry = ConfigEntry[SmsDkRuntimeData]


@dataclass(slots=True)
class SmsDkRuntimeData:
    """What a loaded entry holds."""

    client: SmsDkClient
    coordinator: SmsDkCreditsCoordinator
    sender: SmsSender
    tracker: DeliveryTracker
    outbox: Outbox
    usage: Usage
    guard: SpendGuard
    account_device_id: str
