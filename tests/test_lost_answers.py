"""How a text whose answer was lost is recognised in SMS.dk's delivery log."""

from __future__ import annotations

import aiohttp
from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
import pytest

from custom_components.sms_dk.outbox import lookup as dispatch
from custom_components.sms_dk.smsdk import SmsDkClient
from tests.conftest import FAR, MOR
from tests.helpers import send_sms, tick
from tests.simulator import DEMO_TOKEN, SmsDkSimulator


async def settle(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> None:
    """Let the outbox check that SMS.dk answers, wait for the log, and look."""
    await tick(hass, freezer, 10)
    await tick(hass, freezer, 10)


@pytest.mark.parametrize(("found", "expected"), [(True, 1), (False, 1)])
@pytest.mark.usefixtures("init_integration")
async def test_the_record_is_found_on_a_later_page(
    hass: HomeAssistant,
    simulator: SmsDkSimulator,
    freezer: FrozenDateTimeFactory,
    monkeypatch: pytest.MonkeyPatch,
    found: bool,
    expected: int,
) -> None:
    """The log is read page by page, newest first; other receivers' records are passed over,
    and after the last page allowed the text counts as not arrived."""
    monkeypatch.setattr(dispatch, "LOG_SEARCH_PAGE", 2)
    monkeypatch.setattr(dispatch, "LOG_SEARCH_PAGES", 2)
    simulator.credits = 100
    if found:
        simulator.faults.lose_answers = 1
    else:
        simulator.faults.drop_connection = True
        simulator.faults.only_paths = {"/v1/sms/send"}
    await send_sms(hass, MOR, message="Indbrud")
    simulator.faults.drop_connection = False
    # Newer records, sent by another system, push the lost text's record to the second page
    # (or, when it is not there, fill both pages).
    async with aiohttp.ClientSession() as session:
        other = SmsDkClient(session, DEMO_TOKEN, base_url=simulator.url)
        for number in range(3 if found else 5):
            await other.send(receiver=FAR, sender="SMSDKDemo", message=f"Andet {number}")
    await settle(hass, freezer)
    assert [m.message for m in simulator.messages].count("Indbrud") == expected
    logs = [
        r for r in simulator.requests if r.path == "/v1/sms/listlog" and "batchId" not in r.json
    ]
    assert [r.json["offset"] for r in logs] == [0, 2]


@pytest.mark.usefixtures("init_integration")
async def test_a_record_of_the_same_reference_from_elsewhere_is_not_it(
    hass: HomeAssistant, simulator: SmsDkSimulator, freezer: FrozenDateTimeFactory
) -> None:
    """A record with the caller's reference but another text (sent by another system) is not
    taken for the lost text: the text is sent."""
    async with aiohttp.ClientSession() as session:
        other = SmsDkClient(session, DEMO_TOKEN, base_url=simulator.url)
        await other.send(receiver=MOR, sender="SMSDKDemo", message="Test", reference="alarm")
    simulator.faults.drop_connection = True
    simulator.faults.only_paths = {"/v1/sms/send"}
    await send_sms(hass, MOR, message="Indbrud", reference="alarm")
    simulator.faults.drop_connection = False
    await settle(hass, freezer)
    assert [m.message for m in simulator.messages] == ["Test", "Indbrud"]


@pytest.mark.usefixtures("init_integration")
async def test_many_accepted_batches_are_remembered_up_to_a_bound(
    hass: HomeAssistant,
    simulator: SmsDkSimulator,
    freezer: FrozenDateTimeFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The batches remembered against mistaking a repeated text are bounded; one forgotten
    there is still known to the delivery tracker, so a repeat is not taken for the lost text."""
    monkeypatch.setattr(dispatch, "KNOWN_BATCHES", 1)
    await send_sms(hass, MOR, message="Røg", reference="røg")
    await send_sms(hass, FAR, message="Andet")
    simulator.faults.drop_connection = True
    simulator.faults.only_paths = {"/v1/sms/send"}
    await send_sms(hass, MOR, message="Røg", reference="røg")
    simulator.faults.drop_connection = False
    await settle(hass, freezer)
    assert [m.message for m in simulator.messages] == ["Røg", "Andet", "Røg"]
