"""The "a text was not sent" repair: its fix flow sends the text again or discards it."""

from __future__ import annotations

from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.repairs import DOMAIN as REPAIRS_DOMAIN
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.sms_dk.const import DOMAIN
from tests.conftest import FAR, MOR
from tests.helpers import send_sms, tick
from tests.simulator import SmsDkSimulator

# How many texts not sent are kept for their repairs (the oldest goes first).
MAX_NOT_SENT = 20
TEXT = "Vandet er lukket i sommerhuset, husk at tænde for det igen på fredag"


async def refused_later(
    hass: HomeAssistant, simulator: SmsDkSimulator, freezer: FrozenDateTimeFactory
) -> ir.IssueEntry:
    """Keep a text through an outage; then SMS.dk refuses it (sender no longer approved)."""
    simulator.faults.page_status = 503
    await send_sms(hass, MOR, FAR, message=TEXT)
    simulator.faults.page_status = None
    simulator.sender_names.remove("SMSDKDemo")
    await tick(hass, freezer, 10)
    issues = [i for i in ir.async_get(hass).issues.values() if i.domain == DOMAIN]
    assert len(issues) == 1
    return issues[0]


async def start_fix(hass: HomeAssistant, client: Any, issue: ir.IssueEntry) -> dict[str, Any]:
    assert await async_setup_component(hass, REPAIRS_DOMAIN, {})
    response = await client.post(
        "/api/repairs/issues/fix", json={"handler": DOMAIN, "issue_id": issue.issue_id}
    )
    assert response.status == 200
    return dict(await response.json())


async def choose(client: Any, flow_id: str, option: str) -> dict[str, Any]:
    response = await client.post(
        f"/api/repairs/issues/fix/{flow_id}", json={"next_step_id": option}
    )
    assert response.status == 200
    return dict(await response.json())


async def test_the_repair_shows_the_text_and_sends_it_again(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    simulator: SmsDkSimulator,
    init_integration: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """The fix flow names the recipients and the text's first characters; "send again" sends
    it (with the sender fixed) and the repair is gone."""
    issue = await refused_later(hass, simulator, freezer)
    assert issue.is_fixable
    assert issue.translation_key == "text_failed"
    client = await hass_client()
    flow = await start_fix(hass, client, issue)
    assert flow["type"] == "menu"
    assert flow["menu_options"] == ["send_again", "discard"]
    placeholders = flow["description_placeholders"]
    assert placeholders["recipients"] == "Mor, Far"
    assert placeholders["text"] == TEXT[:40] + "…"
    assert "not a approved sender name" in placeholders["reason"]

    simulator.sender_names.insert(0, "SMSDKDemo")  # the user fixed it
    result = await choose(client, flow["flow_id"], "send_again")
    assert result["type"] == "create_entry"
    assert [(str(m.receiver), m.message) for m in simulator.messages] == [(MOR, TEXT), (FAR, TEXT)]
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue.issue_id) is None
    assert init_integration.runtime_data.outbox.not_sent.get(issue.data["text_id"]) is None


async def test_send_again_refused_again_keeps_the_repair(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    simulator: SmsDkSimulator,
    init_integration: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """If SMS.dk refuses it again, the flow says why and the text and repair stay."""
    issue = await refused_later(hass, simulator, freezer)
    client = await hass_client()
    flow = await start_fix(hass, client, issue)
    result = await choose(client, flow["flow_id"], "send_again")
    assert result["type"] == "abort"
    assert result["reason"] == "send_failed"
    assert "not a approved sender name" in result["description_placeholders"]["reason"]
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue.issue_id) is not None
    assert init_integration.runtime_data.outbox.not_sent.get(issue.data["text_id"]) is not None


@pytest.mark.usefixtures("init_integration")
async def test_send_again_during_an_outage_keeps_it_in_the_outbox(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    simulator: SmsDkSimulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Sent again while SMS.dk is away, the text joins the outbox like any other."""
    issue = await refused_later(hass, simulator, freezer)
    simulator.sender_names.insert(0, "SMSDKDemo")
    simulator.faults.page_status = 503
    client = await hass_client()
    flow = await start_fix(hass, client, issue)
    assert (await choose(client, flow["flow_id"], "send_again"))["type"] == "create_entry"
    assert hass.states.get("sensor.sms_dk_queued_texts").state == "2"
    simulator.faults.page_status = None
    await tick(hass, freezer, 10)
    assert len(simulator.messages) == 2


async def test_discard(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    simulator: SmsDkSimulator,
    init_integration: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Discard forgets the text and closes the repair; nothing is sent."""
    issue = await refused_later(hass, simulator, freezer)
    client = await hass_client()
    flow = await start_fix(hass, client, issue)
    assert (await choose(client, flow["flow_id"], "discard"))["type"] == "create_entry"
    assert simulator.messages == []
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue.issue_id) is None
    assert init_integration.runtime_data.outbox.not_sent.get(issue.data["text_id"]) is None


@pytest.mark.parametrize("gone", ["unloaded", "forgotten", "discard after unload"])
async def test_a_text_that_is_gone(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    simulator: SmsDkSimulator,
    init_integration: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    gone: str,
) -> None:
    """A repair whose text is no longer there (entry unloaded, text dropped) says so."""
    issue = await refused_later(hass, simulator, freezer)
    client = await hass_client()
    flow = await start_fix(hass, client, issue)
    if gone == "forgotten":
        init_integration.runtime_data.outbox.not_sent.forget(issue.data["text_id"])
    else:
        assert await hass.config_entries.async_unload(init_integration.entry_id)
    if gone == "discard after unload":
        result = await choose(client, flow["flow_id"], "discard")
        assert result["type"] == "create_entry"  # nothing left to forget: closed all the same
        return
    result = await choose(client, flow["flow_id"], "send_again")
    assert (result["type"], result["reason"]) == ("abort", "text_gone")
    result = await start_fix(hass, client, issue)
    assert (result["type"], result["reason"]) == ("abort", "text_gone")


async def test_not_sent_texts_survive_a_restart_and_are_bounded(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    simulator: SmsDkSimulator,
    init_integration: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """The texts behind the repairs are stored; past the bound of 20 the oldest goes, with its
    repair."""
    simulator.faults.page_status = 503
    for number in range(MAX_NOT_SENT + 1):
        await send_sms(hass, MOR, message=f"nr. {number}")
    simulator.faults.page_status = None
    simulator.sender_names.remove("SMSDKDemo")
    await tick(hass, freezer, 10)  # each refused for good: given up, with a repair
    registry = ir.async_get(hass)
    issues = {i.issue_id: i for i in registry.issues.values() if i.domain == DOMAIN}
    assert len(issues) == MAX_NOT_SENT
    await tick(hass, freezer, 5)  # written
    assert await hass.config_entries.async_reload(init_integration.entry_id)
    await hass.async_block_till_done()
    assert {i.issue_id for i in registry.issues.values() if i.domain == DOMAIN} == set(issues)
    client = await hass_client()
    texts = [
        (await start_fix(hass, client, issue))["description_placeholders"]["text"]
        for issue in issues.values()
    ]
    assert sorted(texts) == sorted(f"nr. {number}" for number in range(1, MAX_NOT_SENT + 1))


@pytest.mark.usefixtures("init_integration")
async def test_a_scheduled_text_sent_again_after_its_time_goes_now(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    simulator: SmsDkSimulator,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A scheduled text given up and sent again after its time goes at once, unscheduled."""
    from datetime import timedelta

    from homeassistant.util import dt as dt_util

    simulator.faults.page_status = 503
    when = dt_util.utcnow().replace(microsecond=0) + timedelta(minutes=20)
    await send_sms(hass, MOR, message="Husk mødet", scheduled=when.isoformat())
    simulator.faults.page_status = None
    simulator.sender_names.remove("SMSDKDemo")
    await tick(hass, freezer, 10)
    (issue,) = [i for i in ir.async_get(hass).issues.values() if i.domain == DOMAIN]
    freezer.tick(timedelta(minutes=15))  # less than 10 minutes before its time: too late
    simulator.sender_names.insert(0, "SMSDKDemo")
    client = await hass_client()
    flow = await start_fix(hass, client, issue)
    assert (await choose(client, flow["flow_id"], "send_again"))["type"] == "create_entry"
    assert "scheduled" not in simulator.sends[-1].json
    assert [m.message for m in simulator.messages] == ["Husk mødet"]


async def test_unreadable_not_sent_storage_is_ignored(
    hass: HomeAssistant, config_entry: MockConfigEntry, hass_storage: dict[str, Any]
) -> None:
    """A stored text that cannot be read is dropped, not fatal; forgetting an unknown id is
    harmless."""
    key = f"{DOMAIN}.{config_entry.entry_id}.not_sent"
    hass_storage[key] = {"version": 1, "key": key, "data": [{"id": "x"}]}
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    not_sent = config_entry.runtime_data.outbox.not_sent
    assert not_sent.get("x") is None
    not_sent.forget("x")
