"""A text to many recipients goes out a few requests at a time, in order, and stops at once."""

from __future__ import annotations

import asyncio
import time

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
import pytest

from custom_components.sms_dk.dispatch import FAN_OUT
from tests.helpers import send_sms, tick
from tests.simulator import SmsDkSimulator

# Danish mobile numbers the simulator serves.
NUMBERS = [f"45401000{n:02d}" for n in range(20)]


@pytest.mark.usefixtures("init_integration")
async def test_twenty_recipients_at_100_ms_go_in_about_five_round_trips(
    hass: HomeAssistant, simulator: SmsDkSimulator
) -> None:
    """20 recipients, SMS.dk answering after 100 ms: about 5 round trips (0.5 s), not 20 (2 s);
    never more than FAN_OUT requests at once."""
    assert FAN_OUT == 4
    in_flight = 0
    most = 0
    answer = simulator._answer

    async def counting(request, body):  # type: ignore[no-untyped-def]
        nonlocal in_flight, most
        in_flight += 1
        most = max(most, in_flight)
        try:
            return await answer(request, body)
        finally:
            in_flight -= 1

    simulator._answer = counting  # type: ignore[method-assign]
    simulator.faults.delay = 0.1
    simulator.faults.only_paths = {"/v1/sms/send"}
    started = time.perf_counter()
    response = await send_sms(hass, *NUMBERS)
    took = time.perf_counter() - started
    assert [a["receiver"] for a in response["accepted"]] == NUMBERS  # in the recipients' order
    assert most == FAN_OUT
    assert took < 1.2  # 0.5 s plus the machine's own time; one after the other would be 2 s
    assert sorted(int(m.receiver) for m in simulator.messages) == [int(n) for n in NUMBERS]


@pytest.mark.usefixtures("init_integration")
async def test_an_outage_midway_stops_the_rest_at_once(
    hass: HomeAssistant, simulator: SmsDkSimulator, freezer: FrozenDateTimeFactory
) -> None:
    """When SMS.dk fails midway, no further request starts; the unsent recipients are kept in
    their order and sent once each later."""
    simulator.faults.fail_sends_after = 2
    response = await send_sms(hass, *NUMBERS[:10])
    assert len(simulator.sends) == FAN_OUT  # the first four were under way; nothing after them
    assert [a["receiver"] for a in response["accepted"]] == NUMBERS[:2]
    assert response["queued"] == NUMBERS[2:10]
    simulator.faults.fail_sends_after = None
    await tick(hass, freezer, 10)
    assert sorted(str(m.receiver) for m in simulator.messages) == NUMBERS[:10]


@pytest.mark.usefixtures("init_integration")
async def test_a_cool_down_stops_the_rest_at_once(
    hass: HomeAssistant, simulator: SmsDkSimulator, freezer: FrozenDateTimeFactory
) -> None:
    """A cool-down: no request beyond those already under way, and it is waited out exactly."""
    simulator.faults.cooldown = 30
    simulator.faults.only_paths = {"/v1/sms/send"}
    response = await send_sms(hass, *NUMBERS[:10])
    assert len(simulator.sends) == FAN_OUT
    assert response["queued"] == NUMBERS[:10]
    simulator.faults.cooldown = None
    await tick(hass, freezer, 29)
    assert simulator.messages == []
    await tick(hass, freezer, 2)
    assert sorted(str(m.receiver) for m in simulator.messages) == NUMBERS[:10]


@pytest.mark.usefixtures("init_integration")
async def test_order_per_recipient_across_texts(
    hass: HomeAssistant, simulator: SmsDkSimulator
) -> None:
    """Texts sent at the same time reach each recipient in the order they were sent."""
    simulator.faults.delay = 0.02
    simulator.faults.only_paths = {"/v1/sms/send"}
    await asyncio.gather(*(send_sms(hass, *NUMBERS[:6], message=f"nr. {n}") for n in range(3)))
    for number in NUMBERS[:6]:
        received = [m.message for m in simulator.messages if str(m.receiver) == number]
        assert received == ["nr. 0", "nr. 1", "nr. 2"]
