"""The spend guard and the usage sensors: texts over a limit are refused, every text counts once."""

from __future__ import annotations

from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import issue_registry as ir
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_capture_events
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.sms_dk.const import CONF_MAX_PER_DAY, CONF_MAX_PER_HOUR, DOMAIN
from tests.conftest import FAR, MOR
from tests.helpers import journal_records, send_sms, tick
from tests.simulator import SmsDkSimulator

EVENT_SPEND_LIMIT = "sms_dk_spend_limit"  # the event automations listen for
TEXTS = "sensor.sms_dk_texts_sent"
SPENT = "sensor.sms_dk_credits_spent"


async def limits(hass: HomeAssistant, entry: MockConfigEntry, hour: int, day: int) -> None:
    """Set the limits as the options flow would (the entry reloads)."""
    hass.config_entries.async_update_entry(
        entry, options={**entry.options, CONF_MAX_PER_HOUR: hour, CONF_MAX_PER_DAY: day}
    )
    await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()


@pytest.mark.parametrize(("hour", "day", "window"), [(3, 100, "hour"), (100, 3, "day")])
async def test_the_text_over_a_limit_is_refused(
    hass: HomeAssistant,
    simulator: SmsDkSimulator,
    init_integration: MockConfigEntry,
    issue_registry: ir.IssueRegistry,
    hour: int,
    day: int,
    window: str,
) -> None:
    """Over a limit: not sent, an error naming the limit, a repair, an event; ignore_limit lets
    an emergency through, and the next text within the limits clears the repair."""
    await limits(hass, init_integration, hour, day)
    events = async_capture_events(hass, EVENT_SPEND_LIMIT)
    await send_sms(hass, MOR, FAR)
    with pytest.raises(HomeAssistantError) as err:
        await send_sms(hass, MOR, FAR)
    assert err.value.translation_key == f"spend_limit_{window}"
    expected = "24 hours" if window == "day" else "hour"
    assert isinstance(err.value, ServiceValidationError)
    assert str(err.value) == (
        f"2 texts were sent through SMS.dk in the last {expected}, and the limit is 3: this text"
        " to 2 recipient(s) was not sent. Raise the limit in the integration's options, or send"
        " with ignore_limit for an emergency"
    )
    assert len(simulator.sends) == 2
    issue = issue_registry.async_get_issue(DOMAIN, f"spend_limit_{init_integration.entry_id}")
    assert issue is not None
    assert issue.translation_key == "spend_limit"
    assert [e.data for e in events] == [
        {
            "entry_id": init_integration.entry_id,
            "limit": f"per_{window}",
            "max": 3,
            "sent": 2,
            "recipients": 2,
        }
    ]

    await send_sms(hass, MOR, FAR, ignore_limit=True)  # an emergency
    assert len(simulator.sends) == 4
    await hass.services.async_call(
        "notify",
        "sms_dk",
        {"message": "Brand", "target": [MOR], "data": {"ignore_limit": True}},
        blocking=True,
    )
    assert len(simulator.sends) == 5
    assert issue_registry.async_get_issue(DOMAIN, issue.issue_id) is None


async def test_the_hour_passes(
    hass: HomeAssistant,
    simulator: SmsDkSimulator,
    init_integration: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """The hour's count forgets texts older than an hour (counted per minute: at most a minute
    late); 0 turns a limit off."""
    await limits(hass, init_integration, 1, 0)
    await send_sms(hass, MOR)
    with pytest.raises(HomeAssistantError):
        await send_sms(hass, MOR)
    await tick(hass, freezer, 3600)
    with pytest.raises(HomeAssistantError):
        await send_sms(hass, MOR)
    await tick(hass, freezer, 61)
    await send_sms(hass, MOR)
    assert len(simulator.sends) == 2


async def test_many_texts_keep_the_counts_small(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    simulator: SmsDkSimulator,
    init_integration: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    hass_storage: dict[str, Any],
) -> None:
    """Texts in the same minute share one count: what is kept does not grow with every text."""
    await limits(hass, init_integration, 0, 0)
    simulator.credits = 1000
    for _ in range(30):
        await send_sms(hass, MOR)  # the clock stands still: all in one minute
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, init_integration)
    assert diagnostics["spend_guard"] == {"last_hour": 30, "last_day": 30}
    assert await hass.config_entries.async_unload(init_integration.entry_id)
    records = journal_records(hass, init_integration.entry_id)  # rewritten to what is alive
    # One count for the minute, not one per text.
    assert [r["n"] for r in records if r["k"] == "count"] == [30]


async def test_counts_survive_a_restart(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    hass_storage: dict[str, Any],
) -> None:
    """The counts of the last day are stored: a restart does not reset the guard or the totals."""
    await limits(hass, init_integration, 0, 2)
    await send_sms(hass, MOR, FAR)
    await tick(hass, freezer, 10)  # written
    assert await hass.config_entries.async_unload(init_integration.entry_id)
    counted = [
        r["n"] for r in journal_records(hass, init_integration.entry_id) if r["k"] == "count"
    ]
    assert sum(counted) == 2  # on disk, with the texts
    assert await hass.config_entries.async_setup(init_integration.entry_id)
    await hass.async_block_till_done()
    with pytest.raises(HomeAssistantError):
        await send_sms(hass, MOR)
    assert hass.states.get(TEXTS).state == "2"
    assert hass.states.get(SPENT).state == "2"


@pytest.mark.usefixtures("init_integration")
async def test_defaults_never_stop_a_household(
    hass: HomeAssistant, simulator: SmsDkSimulator
) -> None:
    """100 an hour and 500 a day by default."""
    simulator.credits = 1000
    for _ in range(50):
        await send_sms(hass, MOR, FAR)
    with pytest.raises(HomeAssistantError, match="the limit is 100"):
        await send_sms(hass, MOR)


@pytest.mark.usefixtures("init_integration")
async def test_usage_sensors_count_each_accepted_text_once(
    hass: HomeAssistant, simulator: SmsDkSimulator, freezer: FrozenDateTimeFactory
) -> None:
    """Texts sent and credits spent: totals that only grow, for statistics; outbox retries and
    lost answers count once; rejected recipients not at all."""
    state = hass.states.get(TEXTS)
    assert (state.state, state.attributes["state_class"]) == ("0", "total_increasing")
    assert state.attributes["unit_of_measurement"] == "texts"
    assert hass.states.get(SPENT).attributes["unit_of_measurement"] == "credits"
    await send_sms(hass, MOR, message="x" * 200)  # two parts
    assert (hass.states.get(TEXTS).state, hass.states.get(SPENT).state) == ("1", "2")
    simulator.invalid_receivers.add(FAR)
    await send_sms(hass, MOR, FAR)
    assert (hass.states.get(TEXTS).state, hass.states.get(SPENT).state) == ("2", "3")
    # Kept through an outage, then sent: once.
    simulator.faults.page_status = 503
    await send_sms(hass, MOR)
    simulator.faults.page_status = None
    await tick(hass, freezer, 10)
    # Lost answer: found in the log, not sent again: once.
    simulator.faults.lose_answers = 1
    await send_sms(hass, MOR)
    await tick(hass, freezer, 10)
    await tick(hass, freezer, 10)
    assert len(simulator.messages) == 4
    assert (hass.states.get(TEXTS).state, hass.states.get(SPENT).state) == ("4", "5")


async def test_unreadable_stored_counts_are_ignored(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    config_entry: MockConfigEntry,
    hass_storage: dict[str, Any],
) -> None:
    """Broken stored counts start from zero rather than failing the set-up."""
    entry_id = config_entry.entry_id
    hass_storage[f"{DOMAIN}.{entry_id}.spend"] = {
        "version": 1,
        "key": f"{DOMAIN}.{entry_id}.spend",
        "data": [["not a time", 1], [], ["2026-01-01T00:00:00+00:00", 3]],
    }
    hass_storage[f"{DOMAIN}.{entry_id}.usage"] = {
        "version": 1,
        "key": f"{DOMAIN}.{entry_id}.usage",
        "data": {"texts": "many"},
    }
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, config_entry)
    assert diagnostics["spend_guard"] == {"last_hour": 0, "last_day": 0}
    assert hass.states.get(TEXTS).state == "0"
