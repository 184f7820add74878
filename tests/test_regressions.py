"""Regressions: behaviour that once had no test able to tell it from a broken one.

Each test here fails with a mutant of the code that the rest of the suite let pass.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any

import aiohttp
from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import CONF_WEBHOOK_ID
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_capture_events

from custom_components.sms_dk.smsdk import SmsDkClient
from custom_components.sms_dk.tracking import EVENT_DELIVERY_STATUS
from tests.conftest import MOR
from tests.helpers import send_sms, tick
from tests.simulator import DEMO_TOKEN, SmsDkSimulator, app as simulator_app

LAST = "sensor.sms_dk_last_delivery_status"
LISTLOG = "/v1/sms/listlog"
SEND = "/v1/sms/send"
TEXTS = "sensor.sms_dk_texts_sent"
SPENT = "sensor.sms_dk_credits_spent"


def log_reads(simulator: SmsDkSimulator, batch_id: str) -> int:
    """How many times the delivery log of *batch_id* was read."""
    return sum(
        r.path == LISTLOG and (r.json or {}).get("batchId") == batch_id for r in simulator.requests
    )


def sent(simulator: SmsDkSimulator, message: str) -> int:
    """How many send requests for *message* the simulator received (lost ones included)."""
    return sum(r.json.get("message") == message for r in simulator.sends)


def logged(simulator: SmsDkSimulator, message: str) -> int:
    """How many times SMS.dk took *message* (its delivery log)."""
    return sum(m.message == message for m in simulator.messages)


async def on_a_whole_second(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> datetime:
    """Move the clock on to the next whole second (the log shows times to the second)."""
    now = dt_util.utcnow().replace(microsecond=0) + timedelta(seconds=1)
    freezer.move_to(now)
    await tick(hass, freezer, 0)
    return now


async def settle(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> None:
    """Let the outbox find SMS.dk answering, wait for the log to settle, look, and send."""
    for _ in range(3):
        await tick(hass, freezer, 10)


async def test_reports_arriving_together_read_the_log_once(
    hass: HomeAssistant,
    simulator: SmsDkSimulator,
    init_integration: MockConfigEntry,
    reachable: Any,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Several delivery reports for one text at once (SMS.dk repeating a report) prompt one read
    of its log, not one each; a report after that read is done prompts a read again (at the end
    of the 0.5 s in which reports are read together, tests/test_log_reads.py)."""
    events = async_capture_events(hass, EVENT_DELIVERY_STATUS)
    batch_id = (await send_sms(hass, MOR))["batch_id"]
    url = f"/api/webhook/{init_integration.data[CONF_WEBHOOK_ID]}"
    report = {"batchId": batch_id, "dlrStatus": "1", "receiver": MOR}
    simulator.dlr_delay = 0
    # The log answers only when told: the reports all come while it is being read.
    simulator.faults.hold = asyncio.Event()
    simulator.faults.only_paths = {LISTLOG}

    # SMS.dk delivers the text and reports it, and two copies of the report come with it.
    _, *answers = await asyncio.gather(
        simulator.advance(), *(reachable.get(url, params=report) for _ in range(2))
    )
    assert [a.status for a in answers] == [200, 200]
    assert [status for _, status in simulator.dlr_calls] == [200]
    simulator.faults.hold.set()
    await hass.async_block_till_done(wait_background_tasks=True)
    assert log_reads(simulator, batch_id) == 1
    assert hass.states.get(LAST).state == "delivered"
    assert [e.data["status"] for e in events] == ["delivered"]

    assert (await reachable.get(url, params=report)).status == 200
    await tick(hass, freezer, 0.5)
    assert log_reads(simulator, batch_id) == 2
    assert len(events) == 1


@pytest.mark.usefixtures("init_integration")
async def test_an_older_text_of_the_same_reference_is_not_the_lost_one(
    hass: HomeAssistant,
    simulator: SmsDkSimulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """With the caller's own reference, reused: a record of the same text and reference from
    longer ago than the clock margin (5 minutes) before the lost request is an earlier text,
    not the lost one; the lost text did not arrive, so it is sent again, once."""
    await on_a_whole_second(hass, freezer)
    async with aiohttp.ClientSession() as session:
        other = SmsDkClient(session, DEMO_TOKEN, base_url=simulator.url)
        await other.send(receiver=MOR, sender="SMSDKDemo", message="Indbrud", reference="alarm")
    await tick(hass, freezer, 5 * 60 + 1)
    simulator.faults.drop_connection = True  # lost on its way: SMS.dk never got it
    simulator.faults.only_paths = {SEND}
    await send_sms(hass, MOR, message="Indbrud", reference="alarm")
    simulator.faults.drop_connection = False
    await settle(hass, freezer)
    await tick(hass, freezer, 600)
    assert logged(simulator, "Indbrud") == 2  # the earlier one, and the lost one sent again
    assert sent(simulator, "Indbrud") == 3  # the other system's, the lost request, the new one
    assert hass.states.get(TEXTS).state == "1"


@pytest.mark.parametrize("behind", [0, 4 * 60, 5 * 60])
@pytest.mark.usefixtures("init_integration")
async def test_the_lost_text_is_found_by_a_clock_up_to_5_minutes_behind(
    hass: HomeAssistant,
    simulator: SmsDkSimulator,
    freezer: FrozenDateTimeFactory,
    behind: int,
) -> None:
    """SMS.dk's clock may be behind ours: the lost text's own record, stamped up to 5 minutes
    (inclusive) before the lost request, is found, and the text is not sent twice."""
    await on_a_whole_second(hass, freezer)
    clock = simulator.now
    simulator.now = lambda: clock() - timedelta(seconds=behind)
    simulator.faults.lose_answers = 1  # SMS.dk took the text; its answer is lost
    await send_sms(hass, MOR, message="Indbrud", reference="alarm")
    await settle(hass, freezer)
    await tick(hass, freezer, 600)
    assert logged(simulator, "Indbrud") == 1
    assert sent(simulator, "Indbrud") == 1
    assert hass.states.get(TEXTS).state == "1"


@pytest.mark.parametrize(
    ("price", "texts", "spent"),
    [
        # 60 times 0.1 is 5.99999999999999 in floats, even as Home Assistant shows a float.
        (0.1, 60, "6"),
        (0.125, 1, "0.125"),
        (0.0125, 1, "0.0125"),
        (0.5, 2, "1"),
    ],
)
@pytest.mark.usefixtures("init_integration")
async def test_credits_spent_shows_fractional_prices_as_charged(
    hass: HomeAssistant,
    simulator: SmsDkSimulator,
    monkeypatch: pytest.MonkeyPatch,
    price: float,
    texts: int,
    spent: str,
) -> None:
    """Texts abroad may cost a fraction of a credit: the total spent is the sum as SMS.dk
    charged it, to the decimal, without the drift of adding fractions up, whole when it is."""
    monkeypatch.setattr(simulator_app, "CREDIT_PER_PART", price)  # the price of a text
    for _ in range(texts):
        await send_sms(hass, MOR, message="Brand")
    assert hass.states.get(TEXTS).state == str(texts)
    assert hass.states.get(SPENT).state == spent
