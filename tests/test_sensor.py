"""The credits sensor, the low-credit repair issue, and diagnostics."""

from __future__ import annotations

from datetime import timedelta
import json
import logging

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import STATE_UNAVAILABLE, EntityCategory, Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er, issue_registry as ir
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
from syrupy.assertion import SnapshotAssertion
from syrupy.filters import props

from custom_components.sms_dk.const import CONF_LOW_CREDITS, DOMAIN
from tests.conftest import FAR, MOR
from tests.helpers import snapshot_one_platform
from tests.simulator import DEMO_TOKEN, SmsDkSimulator

CREDITS = "sensor.sms_dk_credits"


async def test_all_entities(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
) -> None:
    """Every sensor of the account and of each recipient, as set up: names, units, classes,
    categories and states."""
    await snapshot_one_platform(hass, config_entry, Platform.SENSOR, entity_registry, snapshot)


async def test_credits_sensor(
    hass: HomeAssistant,
    simulator: SmsDkSimulator,
    init_integration: MockConfigEntry,
    entity_registry: er.EntityRegistry,
) -> None:
    """The balance in credits, as a measurement, refreshed right after a send; a whole balance
    shows without decimals, a fractional one with its own."""
    state = hass.states.get(CREDITS)
    assert state is not None
    assert state.state == "100"
    assert state.attributes["unit_of_measurement"] == "credits"
    assert state.attributes["state_class"] == "measurement"
    assert state.attributes["friendly_name"] == "SMS.dk Credits"
    entry = entity_registry.async_get(CREDITS)
    assert entry.unique_id == f"{init_integration.entry_id}_credits"

    await hass.services.async_call(
        DOMAIN, "send_sms", {"recipients": [MOR, FAR], "message": "Hej"}, blocking=True
    )
    await hass.async_block_till_done()
    assert hass.states.get(CREDITS).state == "98"
    simulator.credits = 12.5
    await init_integration.runtime_data.coordinator.async_refresh()
    assert hass.states.get(CREDITS).state == "12.5"


@pytest.mark.usefixtures("init_integration")
async def test_queued_texts_is_diagnostic(entity_registry: er.EntityRegistry) -> None:
    """How many texts wait is health information: a diagnostic entity."""
    entry = entity_registry.async_get("sensor.sms_dk_queued_texts")
    assert entry.entity_category is EntityCategory.DIAGNOSTIC
    for entity_id in (CREDITS, "sensor.sms_dk_last_delivery_status", "sensor.mor_delivery_status"):
        assert entity_registry.async_get(entity_id).entity_category is None


@pytest.mark.usefixtures("init_integration")
async def test_credits_unavailable_and_back(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    simulator: SmsDkSimulator,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """An outage makes the sensor unavailable, logged once; recovery is logged once."""
    caplog.set_level(logging.INFO)
    simulator.faults.page_status = 503
    for _ in range(3):
        freezer.tick(timedelta(minutes=31))
        async_fire_time_changed(hass)
        await hass.async_block_till_done(wait_background_tasks=True)
        assert hass.states.get(CREDITS).state == STATE_UNAVAILABLE
    failures = [r for r in caplog.records if "Error fetching sms_dk data" in r.getMessage()]
    assert len(failures) == 1
    assert "SMS.dk has a problem on its side (HTTP 503)" in failures[0].getMessage()

    simulator.faults.page_status = None
    simulator.credits = 55
    for _ in range(2):
        freezer.tick(timedelta(minutes=31))
        async_fire_time_changed(hass)
        await hass.async_block_till_done(wait_background_tasks=True)
    assert float(hass.states.get(CREDITS).state) == 55.0
    assert len([r for r in caplog.records if "recovered" in r.getMessage()]) == 1


async def test_low_credit_repair(
    hass: HomeAssistant,
    simulator: SmsDkSimulator,
    config_entry: MockConfigEntry,
    issue_registry: ir.IssueRegistry,
) -> None:
    """Below the threshold a repair issue warns; it clears itself when topped up."""
    simulator.credits = 30
    config_entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(config_entry, options={CONF_LOW_CREDITS: 50})
    await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    issue = issue_registry.async_get_issue(DOMAIN, f"low_credits_{config_entry.entry_id}")
    assert issue is not None
    assert issue.severity is ir.IssueSeverity.WARNING
    assert issue.translation_key == "low_credits"
    assert issue.translation_placeholders == {"title": "SMS.dk", "credits": "30", "threshold": "50"}

    simulator.credits = 500
    await config_entry.runtime_data.coordinator.async_refresh()
    assert issue_registry.async_get_issue(DOMAIN, f"low_credits_{config_entry.entry_id}") is None


async def test_low_credit_default_and_off(
    hass: HomeAssistant,
    simulator: SmsDkSimulator,
    config_entry: MockConfigEntry,
    issue_registry: ir.IssueRegistry,
) -> None:
    """The default warns below 20 credits; 0 turns the warning off."""
    simulator.credits = 19
    config_entry.add_to_hass(hass)
    await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    issue_id = f"low_credits_{config_entry.entry_id}"
    assert issue_registry.async_get_issue(DOMAIN, issue_id) is not None

    hass.config_entries.async_update_entry(config_entry, options={CONF_LOW_CREDITS: 0})
    await config_entry.runtime_data.coordinator.async_refresh()
    assert issue_registry.async_get_issue(DOMAIN, issue_id) is None


async def test_removing_the_entry_cleans_up(
    hass: HomeAssistant,
    simulator: SmsDkSimulator,
    config_entry: MockConfigEntry,
    issue_registry: ir.IssueRegistry,
    hass_storage: dict[str, object],
) -> None:
    """Removing the account removes its repair issue and stored deliveries."""
    simulator.credits = 1
    config_entry.add_to_hass(hass)
    await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    await hass.services.async_call(
        DOMAIN, "send_sms", {"recipients": [MOR], "message": "Hej"}, blocking=True
    )
    await hass.config_entries.async_unload(config_entry.entry_id)
    key = f"{DOMAIN}.{config_entry.entry_id}.deliveries"
    assert key in hass_storage
    ir.async_create_issue(
        hass,
        DOMAIN,
        "low_credits_another_entry",
        is_fixable=False,
        severity=ir.IssueSeverity.WARNING,
        translation_key="low_credits",
    )
    await hass.config_entries.async_remove(config_entry.entry_id)
    await hass.async_block_till_done()
    assert key not in hass_storage
    assert issue_registry.async_get_issue(DOMAIN, f"low_credits_{config_entry.entry_id}") is None
    assert issue_registry.async_get_issue(DOMAIN, "low_credits_another_entry") is not None


async def test_diagnostics(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    simulator: SmsDkSimulator,
    init_integration: MockConfigEntry,
    snapshot: SnapshotAssertion,
) -> None:
    """Diagnostics hold configuration and state; no token, number, name or text."""
    await hass.services.async_call(
        DOMAIN,
        "send_sms",
        {"recipients": [MOR], "message": "Hemmelig besked", "reference": "privat"},
        blocking=True,
    )
    simulator.faults.fail_sends_after = 1  # the next text meets an outage and is kept
    await hass.services.async_call(
        DOMAIN,
        "send_sms",
        {"recipients": [FAR], "message": "Hemmelig igen", "reference": "privat"},
        blocking=True,
    )
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, init_integration)
    assert len(diagnostics["outbox"]["texts"]) == 1
    text = json.dumps(diagnostics)
    for secret in (DEMO_TOKEN, MOR, MOR[2:], FAR, "Hemmelig", "privat", "Mor", "Far"):
        assert secret not in text
    assert diagnostics == snapshot(
        exclude=props("batch_id", "sent", "url", "id", "queued", "send_id")
    )
