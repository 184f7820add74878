"""The first recipient, asked for right after the account is added (issue 15).

The flows are driven over Home Assistant's HTTP API, as the frontend drives them: it opens the
flow named by the create-entry result's ``next_flow``, and deletes a flow whose dialog is closed.
Since 2026.5 (compat.FIRST_RECIPIENT_STEP) the account's flow goes on to "Add recipient"; before,
it creates the entry as it always did, and the user adds recipients from the entry's page.
"""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import CONF_API_TOKEN, CONF_NAME
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.sms_dk import PLATFORMS
from custom_components.sms_dk.compat import FIRST_RECIPIENT_STEP
from custom_components.sms_dk.const import CONF_PHONE, DOMAIN, ENV_API_URL, SUBENTRY_RECIPIENT
from tests.simulator import DEMO_TOKEN, SmsDkSimulator

FLOWS = "/api/config/config_entries/flow"
SUBENTRY_FLOWS = "/api/config/config_entries/subentries/flow"


@pytest.fixture
async def client(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    simulator: SmsDkSimulator,
    monkeypatch: pytest.MonkeyPatch,
) -> TestClient:
    """The frontend's side of the flows: Home Assistant's config API, new entries at the simulator.

    The integration and its platforms' domains are set up first, with their dependencies (webhook,
    repairs): their views cannot be added once the test client has started the HTTP server.
    """
    monkeypatch.setenv(ENV_API_URL, simulator.url)
    for domain in ("config", DOMAIN, *PLATFORMS):
        assert await async_setup_component(hass, domain, {})
    return await hass_client()


async def post(client: TestClient, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = await client.post(path, json=body)
    assert response.status == 200, await response.text()
    result: dict[str, Any] = await response.json()
    return result


async def add_account(hass: HomeAssistant, client: TestClient) -> dict[str, Any]:
    """Add the account through the user flow; return the create-entry step the frontend gets."""
    form = await post(client, FLOWS, {"handler": DOMAIN})
    assert (form["type"], form["step_id"]) == ("form", "user")
    done = await post(client, f"{FLOWS}/{form['flow_id']}", {CONF_API_TOKEN: DEMO_TOKEN})
    assert done["type"] == "create_entry"
    assert done["title"] == "SMS.dk"
    await hass.async_block_till_done()
    return done


def recipient_flows(hass: HomeAssistant) -> list[Any]:
    return list(hass.config_entries.subentries.async_progress())


def recipient_entities(hass: HomeAssistant, entry_id: str) -> list[er.RegistryEntry]:
    registry = er.async_get(hass)
    return [
        entity
        for entity in er.async_entries_for_config_entry(registry, entry_id)
        if entity.config_subentry_id is not None
    ]


async def test_adding_the_account_goes_on_to_add_recipient(
    hass: HomeAssistant, client: TestClient
) -> None:
    """The account is saved and loaded; its result names the recipient flow, which the frontend
    opens at the "Add recipient" form (2026.5 and later). Before 2026.5, only the entry."""
    done = await add_account(hass, client)
    entry = hass.config_entries.async_get_entry(done["result"]["entry_id"])
    assert entry is not None
    assert entry.state is ConfigEntryState.LOADED
    if not FIRST_RECIPIENT_STEP:  # 2026.3 and 2026.4: the entry, as before
        assert "next_flow" not in done
        assert recipient_flows(hass) == []
        return
    flow_type, flow_id = done["next_flow"]
    assert flow_type == "config_subentries_flow"
    (progress,) = recipient_flows(hass)
    assert progress["flow_id"] == flow_id
    assert progress["handler"] == (entry.entry_id, SUBENTRY_RECIPIENT)
    response = await client.get(f"{SUBENTRY_FLOWS}/{flow_id}")
    assert response.status == 200
    form = await response.json()
    assert (form["type"], form["step_id"], form["errors"]) == ("form", "user", {})
    assert [field["name"] for field in form["data_schema"]] == [CONF_NAME, CONF_PHONE]


async def first_recipient_flow(hass: HomeAssistant, client: TestClient) -> tuple[str, str]:
    """Add the account; return its entry id and the "Add recipient" flow that follows.

    Before 2026.5 the user opens that flow from the entry's page ("Add recipient"), as here.
    """
    done = await add_account(hass, client)
    entry_id: str = done["result"]["entry_id"]
    if FIRST_RECIPIENT_STEP:
        flow_id: str = done["next_flow"][1]
        return entry_id, flow_id
    form = await post(client, SUBENTRY_FLOWS, {"handler": [entry_id, SUBENTRY_RECIPIENT]})
    return entry_id, form["flow_id"]


async def test_the_first_recipient_gets_its_notify_entity(
    hass: HomeAssistant, client: TestClient, simulator: SmsDkSimulator
) -> None:
    """Continuing the flow saves the recipient; its notify entity appears and sends to it."""
    entry_id, flow_id = await first_recipient_flow(hass, client)
    done = await post(
        client, f"{SUBENTRY_FLOWS}/{flow_id}", {CONF_NAME: "Mor", CONF_PHONE: "22 11 33 44"}
    )
    assert (done["type"], done["title"]) == ("create_entry", "Mor")
    await hass.async_block_till_done()
    entry = hass.config_entries.async_get_entry(entry_id)
    assert entry is not None
    assert entry.state is ConfigEntryState.LOADED
    (subentry,) = entry.subentries.values()
    assert (subentry.title, subentry.data) == ("Mor", {CONF_PHONE: "4522113344"})
    entities = recipient_entities(hass, entry_id)
    assert "notify.mor_sms" in {entity.entity_id for entity in entities}
    assert {entity.config_subentry_id for entity in entities} == {subentry.subentry_id}
    state = hass.states.get("notify.mor_sms")
    assert state is not None
    assert state.attributes["friendly_name"] == "Mor SMS"
    await hass.services.async_call(
        "notify", "send_message", {"entity_id": "notify.mor_sms", "message": "Hej"}, blocking=True
    )
    assert simulator.sends[-1].json["receiver"] == 4522113344
    assert recipient_flows(hass) == []


async def test_closing_the_recipient_form_skips_it(
    hass: HomeAssistant, client: TestClient, simulator: SmsDkSimulator
) -> None:
    """Closed without a recipient (the frontend deletes the flow), the account stays loaded with
    none; it still works, and "Add recipient" still adds one later."""
    entry_id, flow_id = await first_recipient_flow(hass, client)
    response = await client.delete(f"{SUBENTRY_FLOWS}/{flow_id}")
    assert response.status == 200
    await hass.async_block_till_done()
    entry = hass.config_entries.async_get_entry(entry_id)
    assert entry is not None
    assert entry.state is ConfigEntryState.LOADED
    assert entry.subentries == {}
    assert recipient_flows(hass) == []
    assert recipient_entities(hass, entry_id) == []
    assert hass.states.async_entity_ids("notify") == []
    # The account's own entities are there (its credit balance, read from the simulator).
    account = er.async_entries_for_config_entry(er.async_get(hass), entry_id)
    assert account
    assert all(hass.states.get(entity.entity_id) is not None for entity in account)

    form = await post(client, SUBENTRY_FLOWS, {"handler": [entry_id, SUBENTRY_RECIPIENT]})
    done = await post(
        client, f"{SUBENTRY_FLOWS}/{form['flow_id']}", {CONF_NAME: "Far", CONF_PHONE: "40506070"}
    )
    assert done["type"] == "create_entry"
    await hass.async_block_till_done()
    assert hass.states.get("notify.far_sms") is not None
