"""Small helpers the tests share."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from datetime import timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from pytest_homeassistant_custom_component.common import async_fire_time_changed

from custom_components.sms_dk.const import DOMAIN


async def send_sms_call(hass: HomeAssistant, **data: Any) -> dict[str, Any]:
    """Call sms_dk.send_sms with *data* as it is, and return its response."""
    response = await hass.services.async_call(
        DOMAIN, "send_sms", data, blocking=True, return_response=True
    )
    assert response is not None
    return dict(response)


async def send_sms(
    hass: HomeAssistant, *recipients: str, message: str = "Alarm i stuen", **data: Any
) -> dict[str, Any]:
    """Send *message* to *recipients* with sms_dk.send_sms and return its response."""
    return await send_sms_call(hass, recipients=list(recipients), message=message, **data)


async def tick(hass: HomeAssistant, freezer: FrozenDateTimeFactory, seconds: float) -> None:
    """Let *seconds* pass, and everything they trigger finish."""
    freezer.tick(timedelta(seconds=seconds))
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)


async def ticking[T](
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, awaitable: Awaitable[T], step: float = 0.1
) -> T:
    """Await *awaitable* while the frozen clock moves on in small steps.

    Under the frozen clock a timeout never fires by itself; this lets a request time out (or a
    late answer come) as it would in real time, without blocking on Home Assistant's tasks.
    """
    task = asyncio.ensure_future(awaitable)
    for _ in range(3000):
        for _ in range(20):
            if task.done():
                return task.result()
            await asyncio.sleep(0)
        freezer.tick(timedelta(seconds=step))
        async_fire_time_changed(hass)
    task.cancel()
    raise AssertionError("still waiting after 300 s")


def get_device(
    registry: dr.DeviceRegistry, identifier: tuple[str, str], config_entry_id: str
) -> dr.DeviceEntry | None:
    """The device of *config_entry_id* with *identifier*.

    ``async_get_device_by_identifier`` is new in Home Assistant 2026.8, which deprecates
    ``async_get_device`` for it; older releases (tested by ``scripts/test --matrix``) have only
    ``async_get_device``.
    """
    if hasattr(registry, "async_get_device_by_identifier"):
        return registry.async_get_device_by_identifier(identifier, config_entry_id)
    return registry.async_get_device(identifiers={identifier})
