"""A text to many recipients goes out a few requests at a time, in order, and stops at once."""

from __future__ import annotations

import asyncio

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
import pytest

from tests.helpers import send_sms, tick
from tests.simulator import SmsDkSimulator

# A text to several recipients goes out "four requests at a time" (the README).
FAN_OUT = 4
# Danish mobile numbers the simulator serves.
NUMBERS = [f"45401000{n:02d}" for n in range(20)]


async def turns(count: int = 200) -> None:
    """Let the loop turn *count* times (requests on their way arrive meanwhile)."""
    for _ in range(count):
        await asyncio.sleep(0)


async def until_sent(simulator: SmsDkSimulator, count: int) -> None:
    """Let the loop turn until SMS.dk has received *count* sends."""
    for _ in range(100_000):
        if len(simulator.sends) >= count:
            return
        await asyncio.sleep(0)
    raise AssertionError(f"{len(simulator.sends)} sends at once, not {count}")


@pytest.mark.usefixtures("init_integration")
async def test_twenty_recipients_go_in_five_round_trips(
    hass: HomeAssistant, simulator: SmsDkSimulator
) -> None:
    """20 recipients: five round trips of 4 requests at once, not 20 one after the other; never
    more than 4 requests at once."""
    simulator.faults.only_paths = {"/v1/sms/send"}
    simulator.faults.hold = hold = asyncio.Event()
    sending = hass.async_create_task(send_sms(hass, *NUMBERS))
    for trip in range(1, 6):
        # SMS.dk answers nothing yet: four requests are under way, and no fifth starts.
        await until_sent(simulator, FAN_OUT * trip)
        await turns()
        assert len(simulator.sends) == FAN_OUT * trip
        # SMS.dk answers these four (the next ones wait for the next round).
        simulator.faults.hold = asyncio.Event()
        hold.set()
        hold = simulator.faults.hold
    hold.set()
    response = await sending
    assert len(simulator.sends) == len(NUMBERS)
    assert [a["receiver"] for a in response["accepted"]] == NUMBERS  # in the recipients' order
    assert sorted(int(m.receiver) for m in simulator.messages) == [int(n) for n in NUMBERS]
    # Each round trip took the next four recipients, in their order.
    trips = [simulator.sends[start : start + FAN_OUT] for start in range(0, 20, FAN_OUT)]
    assert [sorted(str(r.json["receiver"]) for r in trip) for trip in trips] == [
        NUMBERS[start : start + FAN_OUT] for start in range(0, 20, FAN_OUT)
    ]


@pytest.mark.usefixtures("init_integration")
async def test_an_outage_midway_stops_the_rest_at_once(
    hass: HomeAssistant, simulator: SmsDkSimulator, freezer: FrozenDateTimeFactory
) -> None:
    """When SMS.dk fails midway, no further request starts; the unsent recipients are kept in
    their order and sent once each later. (SMS.dk's own failure, HTTP 500, says nothing of
    whether the two under way went out: they are looked up in the delivery log first, 15 s on.)"""
    simulator.faults.fail_sends_after = 2
    response = await send_sms(hass, *NUMBERS[:10])
    # The first four were under way; the two that succeeded may have freed their places before
    # the failures were heard, so at most two more started; none after the failures.
    assert FAN_OUT <= len(simulator.sends) <= FAN_OUT + 2
    assert [a["receiver"] for a in response["accepted"]] == NUMBERS[:2]
    assert response["queued"] == NUMBERS[2:10]
    simulator.faults.fail_sends_after = None
    await tick(hass, freezer, 10)
    assert len(simulator.messages) == 2  # the two whose fate is unknown are not sent blindly
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
