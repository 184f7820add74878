"""Nothing lost at any instant: a hard kill, a reload, an options change, an unclear answer.

A hard kill is played in the test's own Home Assistant: at the instant of the kill the journal is
copied as it is on disk, SMS.dk stops hearing from the dead process (what it already took, it
keeps), the entry is unloaded, and the journal put back as the kill left it before the entry is
set up again, as the next start would find it. scripts/killtest does the same with a real Home
Assistant process and SIGKILL.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import timedelta
import json
import time
from typing import Any
from unittest.mock import patch

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import CONF_API_TOKEN, CONF_URL
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import issue_registry as ir
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.sms_dk.const import CONF_MAX_PER_DAY, CONF_MAX_PER_HOUR, DOMAIN
from custom_components.sms_dk.storage import journal_path
from tests.conftest import FAR, MOR
from tests.helpers import (
    ENTITIES,
    kept_on_disk,
    send_one_of_three_ways,
    send_sms,
    tick,
    ticking,
)
from tests.simulator import DEMO_TOKEN, SmsDkSimulator

TEXTS_SENT = "sensor.sms_dk_texts_sent"


def arrived(simulator: SmsDkSimulator) -> Counter[str]:
    """How often SMS.dk took each text."""
    return Counter(m.message for m in simulator.messages)


async def until(condition: Any, tries: int = 10_000) -> None:
    """Spin the loop until *condition()* holds (requests on loopback are answered meanwhile)."""
    for _ in range(tries):
        if condition():
            return
        await asyncio.sleep(0)
    raise AssertionError("never happened")


async def restart_as_killed(
    hass: HomeAssistant, entry: MockConfigEntry, simulator: SmsDkSimulator, on_disk: bytes
) -> None:
    """Start again from *on_disk*, the journal a kill left; SMS.dk heard nothing after the kill."""
    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    journal_path(hass, entry.entry_id).write_bytes(on_disk)
    simulator.faults.drop_connection = False
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()


@pytest.mark.parametrize(
    "instant",
    ["the first at SMS.dk, taken", "the first at SMS.dk, not taken", "the second at SMS.dk"],
)
async def test_a_hard_kill_at_any_instant_loses_nothing_and_sends_nothing_twice(
    hass: HomeAssistant,
    simulator: SmsDkSimulator,
    init_integration: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    instant: str,
) -> None:
    """Six texts, the three ways of sending, killed while one is at SMS.dk (which takes it, or
    not) and the rest wait their turn: after the start each arrives exactly once; the one that
    may have gone is looked up in the delivery log first."""
    hold = simulator.faults.hold = asyncio.Event()
    simulator.faults.only_paths = {"/v1/sms/send"}
    sends = [hass.async_create_task(send_one_of_three_ways(hass, n)) for n in range(6)]
    entry_id = init_integration.entry_id
    await until(lambda: len(simulator.sends) == 1 and len(kept_on_disk(hass, entry_id)) == 6)
    at_sms_dk = 0
    if instant == "the second at SMS.dk":
        simulator.faults.hold = asyncio.Event()
        hold.set()  # the first is taken and answered; the second is held
        hold = simulator.faults.hold
        await until(lambda: len(simulator.sends) == 2)
        at_sms_dk = 1
    # The kill: what is on disk now is all the next start has.
    on_disk = journal_path(hass, entry_id).read_bytes()
    stored = kept_on_disk(hass, entry_id)
    # The one at SMS.dk is marked as possibly sent; those behind it are on disk, not tried.
    marked = [text["prepared"]["text"] for text in stored if text["unverified"]]
    assert marked == [f"Alarm {at_sms_dk:03d}"]
    assert len(stored) >= 6 - at_sms_dk
    if instant.endswith("not taken"):
        simulator.faults.drop_connection = True  # the held request never reaches SMS.dk
        hold.set()
    else:
        simulator.faults.hold = later = asyncio.Event()
        hold.set()  # SMS.dk takes the held request...
        await until(lambda: len(simulator.messages) == at_sms_dk + 1)
        simulator.faults.drop_connection = True  # ...and hears nothing more from the dead
        later.set()
    for task in sends:
        task.cancel()
    await asyncio.gather(*sends, return_exceptions=True)
    simulator.faults.hold = None
    simulator.faults.only_paths = None
    await restart_as_killed(hass, init_integration, simulator, on_disk)
    for _ in range(4):
        await tick(hass, freezer, 10)  # past the 15 s a lost answer is given to settle
    assert arrived(simulator) == Counter(f"Alarm {n:03d}" for n in range(6))


async def test_a_text_is_on_disk_before_its_request_leaves(
    hass: HomeAssistant, simulator: SmsDkSimulator, init_integration: MockConfigEntry
) -> None:
    """While SMS.dk holds the request, the journal on disk has the text, its receiver marked as
    possibly sent; once SMS.dk answered, it is taken off."""
    simulator.faults.hold = asyncio.Event()
    sending = hass.async_create_task(send_sms(hass, MOR, message="Indbrud"))
    await until(lambda: bool(simulator.sends))
    [text] = kept_on_disk(hass, init_integration.entry_id)
    assert text["prepared"]["text"] == "Indbrud"
    assert set(text["unverified"]) == {MOR}
    simulator.faults.hold.set()
    assert (await sending)["accepted"]
    assert len(kept_on_disk(hass, init_integration.entry_id)) == 1  # nothing waits for the rest
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=1))
    await hass.async_block_till_done(wait_background_tasks=True)
    assert kept_on_disk(hass, init_integration.entry_id) == []  # off the disk a second later


async def test_a_reload_right_after_sending_keeps_every_count(
    hass: HomeAssistant,
    simulator: SmsDkSimulator,
    init_integration: MockConfigEntry,
) -> None:
    """Four texts, then three more and a reload at once: 7 texts sent, and the spend guard still
    refuses the text over its hourly limit of 7."""
    hass.config_entries.async_update_entry(
        init_integration, options={CONF_MAX_PER_HOUR: 7, CONF_MAX_PER_DAY: 0}
    )
    for _ in range(4):
        await send_sms(hass, MOR)
    await hass.config_entries.async_reload(init_integration.entry_id)
    await hass.async_block_till_done()
    for _ in range(3):
        await send_sms(hass, FAR)
    assert await hass.config_entries.async_reload(init_integration.entry_id)
    await hass.async_block_till_done()
    assert hass.states.get(TEXTS_SENT).state == "7"
    with pytest.raises(ServiceValidationError, match="the limit is 7"):
        await send_sms(hass, MOR)
    assert len(simulator.messages) == 7


async def test_the_users_reload_makes_no_text_fail_or_vanish(
    hass: HomeAssistant, simulator: SmsDkSimulator, init_integration: MockConfigEntry
) -> None:
    """sms_dk.send_sms and the classic action called while the user's Reload runs wait for the
    entry and send: once each."""
    reload = hass.async_create_task(hass.config_entries.async_reload(init_integration.entry_id))
    await until(lambda: init_integration.state is not ConfigEntryState.LOADED)
    during = [
        hass.async_create_task(send_sms(hass, MOR, message="under genindlæsning")),
        hass.async_create_task(
            hass.services.async_call(
                "notify", "sms_dk", {"message": "klassisk", "target": [FAR]}, blocking=True
            )
        ),
    ]
    assert await reload
    await asyncio.gather(*during)
    assert arrived(simulator) == Counter(["under genindlæsning", "klassisk"])


async def test_options_reauth_and_reconfigure_take_effect_without_a_reload(
    hass: HomeAssistant, simulator: SmsDkSimulator, init_integration: MockConfigEntry
) -> None:
    """Texts go out through an options change, a re-authentication and a reconfiguration, the
    three ways of sending, each exactly once; the entities never become unavailable."""
    unavailable: list[str] = []
    hass.bus.async_listen(
        "state_changed",
        lambda event: (
            unavailable.append(event.data["entity_id"])
            if event.data["new_state"] is not None
            and event.data["new_state"].state == "unavailable"
            else None
        ),
    )
    number = 0

    async def burst() -> None:
        nonlocal number
        await asyncio.gather(*(send_one_of_three_ways(hass, number + n) for n in range(6)))
        number += 6

    simulator.faults.delay = 0.05
    simulator.faults.only_paths = {"/v1/sms/send"}
    sending = hass.async_create_task(burst())
    result = await hass.config_entries.options.async_init(init_integration.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {"replace_characters": True, "low_credits": 5, "max_per_hour": 0, "max_per_day": 0},
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await sending
    await burst()  # right after the options change

    result = await init_integration.start_reauth_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_API_TOKEN: DEMO_TOKEN}
    )
    assert result["reason"] == "reauth_successful"
    await burst()  # right after the re-authentication

    result = await init_integration.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_API_TOKEN: DEMO_TOKEN, "advanced": {CONF_URL: simulator.url}}
    )
    assert result["reason"] == "reconfigure_successful"
    await burst()  # right after the reconfiguration
    await hass.async_block_till_done()
    assert init_integration.state is ConfigEntryState.LOADED
    assert unavailable == []
    assert arrived(simulator) == Counter(f"Alarm {n:03d}" for n in range(number))


async def test_a_new_token_is_used_at_once(
    hass: HomeAssistant, simulator: SmsDkSimulator, init_integration: MockConfigEntry
) -> None:
    """SMS.dk refuses the token; the user gives a new one: the next text uses it, no reload."""
    simulator.token = "ny-token-1234"
    with pytest.raises(HomeAssistantError, match="refused the API token"):
        await send_sms(hass, MOR, message="gammel")
    result = await init_integration.start_reauth_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_API_TOKEN: "ny-token-1234"}
    )
    assert result["reason"] == "reauth_successful"
    assert (await send_sms(hass, MOR, message="ny"))["accepted"]
    assert simulator.requests[-1].headers["Authorization"] == "Bearer ny-token-1234"
    assert init_integration.state is ConfigEntryState.LOADED


async def test_set_up_waits_for_a_slow_sms_dk_one_request_at_most(
    hass: HomeAssistant, simulator: SmsDkSimulator, config_entry: MockConfigEntry
) -> None:
    """With SMS.dk answering its account requests after 2 s, set-up takes about 2 s, not 2 s
    per request: the balance and the sender names are read side by side."""
    simulator.faults.delay = 2.0
    simulator.faults.only_paths = {"/v1/user/getcreditvalue", "/v1/sendername/list"}
    config_entry.add_to_hass(hass)
    started = time.monotonic()
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    took = time.monotonic() - started
    # One delay; two in a row would take 4 s at least, however slow the machine is otherwise.
    assert 2.0 <= took < 4.0
    assert {r.path for r in simulator.requests} >= simulator.faults.only_paths


@pytest.mark.parametrize("answer", ["error", "garbled"])
async def test_an_unclear_answer_after_sms_dk_took_the_text_sends_it_once(
    hass: HomeAssistant,
    simulator: SmsDkSimulator,
    init_integration: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    answer: str,
) -> None:
    """SMS.dk takes the text, then answers its own 500 "Something went wrong" (or a 200 that
    cannot be read): the text is kept, looked up in the log, and found there: exactly one text,
    counted once."""
    simulator.faults.lose_answers = 1
    simulator.faults.lose_answer_mode = answer  # type: ignore[assignment]
    response = await send_sms(hass, MOR, message="Brand")
    assert response["queued"] == [MOR]
    for _ in range(4):
        await tick(hass, freezer, 10)
    assert arrived(simulator) == Counter(["Brand"])
    assert hass.states.get(TEXTS_SENT).state == "1"
    assert kept_on_disk(hass, init_integration.entry_id) == []


@pytest.mark.usefixtures("init_integration")
async def test_an_unclear_answer_before_sms_dk_took_the_text_sends_it_once(
    hass: HomeAssistant, simulator: SmsDkSimulator, freezer: FrozenDateTimeFactory
) -> None:
    """A 200 that cannot be read, for a text SMS.dk never took: not in the log, so sent again,
    once."""
    simulator.faults.malformed_json = True
    simulator.faults.only_paths = {"/v1/sms/send"}
    assert (await send_sms(hass, MOR, message="Vand"))["queued"] == [MOR]
    simulator.faults.malformed_json = False
    for _ in range(4):
        await tick(hass, freezer, 10)
    assert arrived(simulator) == Counter(["Vand"])


@pytest.mark.usefixtures("init_integration")
async def test_each_receivers_fate_is_its_own(
    hass: HomeAssistant, simulator: SmsDkSimulator, freezer: FrozenDateTimeFactory
) -> None:
    """One receiver's answer is lost while SMS.dk refuses the text to the other for good: the
    first is kept (and sent once, after a look in the log), the second reported refused."""
    simulator.faults.error_code = 1017  # the sender name is not approved
    simulator.faults.only_paths = {"/v1/sms/send"}
    simulator.faults.lose_answers = 1  # the first request's answer is lost on its way back
    response = await send_sms(hass, MOR, FAR, message="Blandet")
    assert len(response["queued"]) == len(response["rejected"]) == 1
    assert response["rejected"][0]["code"] == 1017
    simulator.faults.error_code = None
    for _ in range(4):
        await tick(hass, freezer, 10)
    assert [str(m.receiver) for m in simulator.messages] == response["queued"]


def kept_line(text: str) -> str:
    """A journal line that keeps *text* for MOR, as the outbox writes it."""
    prepared = {
        "receivers": [MOR],
        "text": text,
        "format": "gsm",
        "parts": 1,
        "sender": "SMSDKDemo",
        "scheduled": None,
        "reference": None,
        "send_id": "0123456789abcdef",
    }
    kept = {
        "id": "a",
        "prepared": prepared,
        "queued": "2026-12-01T08:00:00+00:00",
        "attempts": 0,
        "error": "",
        "unverified": {},
    }
    return json.dumps({"k": "text", "put": kept}) + "\n"


async def test_a_kept_text_that_cannot_be_read_back_raises_a_repair(
    hass: HomeAssistant,
    simulator: SmsDkSimulator,
    config_entry: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A damaged journal line, a record that is not a text and one that neither keeps nor drops
    a text are not dropped in silence: a repair says how many, and the log names neither a
    number nor a text; the rest is sent."""
    path = journal_path(hass, config_entry.entry_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    good = kept_line("Hej")
    path.write_text(
        '{"k":"text","put":{"id":"b","prepared":{"receivers":["4540506070"],"text":"Skj\n'
        '{"k":"text","put":{"id":"c"}}\n{"k":"text","neither":"put nor del"}\n' + good,
        encoding="utf-8",
    )
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    issue = ir.async_get(hass).async_get_issue(DOMAIN, f"unreadable_texts_{config_entry.entry_id}")
    assert issue is not None
    assert issue.translation_placeholders == {"title": "SMS.dk", "count": "3"}
    assert FAR not in caplog.text
    assert "Skj" not in caplog.text
    assert arrived(simulator) == Counter(["Hej"])


async def test_a_line_a_kill_cut_short_is_no_loss(
    hass: HomeAssistant,
    simulator: SmsDkSimulator,
    config_entry: MockConfigEntry,
) -> None:
    """A last line without its end (the kill came during the write, so its request never left)
    is passed over without a repair; the texts before it are sent."""
    path = journal_path(hass, config_entry.entry_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(kept_line("Hej") + '{"k":"text","put":{"id":"b","prepa', encoding="utf-8")
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert (
        ir.async_get(hass).async_get_issue(DOMAIN, f"unreadable_texts_{config_entry.entry_id}")
        is None
    )
    assert arrived(simulator) == Counter(["Hej"])


async def test_a_journal_that_cannot_be_written_does_not_stop_a_text(
    hass: HomeAssistant,
    simulator: SmsDkSimulator,
    config_entry: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A failing disk (here a folder where the journal belongs) is said once in the log; the
    entry sets up and texts still go out (only a kill could now lose one)."""
    journal_path(hass, config_entry.entry_id).mkdir(parents=True)
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    assert (await send_sms(hass, MOR, message="første"))["accepted"]
    assert (await send_sms(hass, MOR, message="anden"))["accepted"]
    assert arrived(simulator) == Counter(["første", "anden"])
    assert caplog.text.count("cannot be read") == 1
    assert caplog.text.count("cannot be written") == 1
    assert await hass.config_entries.async_unload(config_entry.entry_id)


async def test_a_new_token_for_an_entry_that_could_not_set_up_sets_it_up(
    hass: HomeAssistant, simulator: SmsDkSimulator, config_entry: MockConfigEntry
) -> None:
    """SMS.dk refused the token at set-up (the entry is not loaded): the new token from the
    re-authentication sets it up, and texts go."""
    simulator.token = "ny-token-5678"
    config_entry.add_to_hass(hass)
    assert not await hass.config_entries.async_setup(config_entry.entry_id)
    assert config_entry.state is ConfigEntryState.SETUP_ERROR
    result = await config_entry.start_reauth_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_API_TOKEN: "ny-token-5678"}
    )
    assert result["reason"] == "reauth_successful"
    await hass.async_block_till_done()
    assert config_entry.state is ConfigEntryState.LOADED
    assert (await send_sms(hass, MOR, message="endelig"))["accepted"]


async def test_an_unload_that_fails_leaves_the_entry_sending(
    hass: HomeAssistant, simulator: SmsDkSimulator, init_integration: MockConfigEntry
) -> None:
    """If the platforms do not unload, the entry stays as it is: its outbox is not closed, and
    its notify entities still send."""
    with patch.object(hass.config_entries, "async_unload_platforms", return_value=False):
        assert not await hass.config_entries.async_unload(init_integration.entry_id)
    await hass.services.async_call(
        "notify",
        "send_message",
        {"entity_id": ENTITIES[MOR], "message": "stadig her"},
        blocking=True,
    )
    assert arrived(simulator) == Counter(["stadig her"])
    # What a later successful unload would stop (the entry is left half unloaded here), in its
    # order: the runtime data first (__init__.py), whose last try may still set the balance and
    # so schedule the credit poll again, then the coordinator (its unload callback).
    await init_integration.runtime_data.async_shutdown()
    await init_integration.runtime_data.coordinator.async_shutdown()


async def test_an_action_waits_for_the_entry_30_seconds_at_most(
    hass: HomeAssistant,
    simulator: SmsDkSimulator,
    init_integration: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """sms_dk.send_sms waits for an entry under its set-up lock for 30 s; then it is refused as
    any entry that is not loaded, and nothing is sent."""
    assert await hass.config_entries.async_unload(init_integration.entry_id)
    # A set-up that does not end (the test holds the lock a set-up holds).
    async with init_integration.setup_lock:
        started = dt_util.utcnow()
        with pytest.raises(ServiceValidationError) as refused:
            await ticking(hass, freezer, send_sms(hass, MOR, message="for sent"), 1)
        waited = (dt_util.utcnow() - started).total_seconds()
    assert refused.value.translation_key == "service_config_entry_not_loaded"
    assert 30 <= waited < 35
    assert simulator.sends == []


async def test_a_text_that_meets_the_entry_unloading_is_sent_once_it_is_back(
    hass: HomeAssistant, simulator: SmsDkSimulator, init_integration: MockConfigEntry
) -> None:
    """A text whose new sender name is being checked with SMS.dk when the user's Reload shuts
    the outbox is sent by the entry the reload brings back: once, with that sender."""
    simulator.sender_names.append("Sommerhus")  # approved since the entry read the list
    simulator.faults.hold = asyncio.Event()
    simulator.faults.only_paths = {"/v1/sendername/list"}
    sending = hass.async_create_task(send_sms(hass, MOR, message="ny afsender", sender="Sommerhus"))
    await until(
        lambda: len(simulator.requests) > 0 and simulator.requests[-1].path.endswith("list")
    )
    reload = hass.async_create_task(hass.config_entries.async_reload(init_integration.entry_id))
    # The old entry is unloaded (its outbox shut) once the new set-up runs.
    await until(lambda: init_integration.state is ConfigEntryState.SETUP_IN_PROGRESS)
    simulator.faults.hold.set()
    assert await reload
    response = await sending
    assert [a["receiver"] for a in response["accepted"]] == [MOR]
    assert [(m.message, m.sender) for m in simulator.messages] == [("ny afsender", "Sommerhus")]
