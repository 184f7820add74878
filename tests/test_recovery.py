"""Alarm texts under faults: kept texts leave soon after SMS.dk answers again, each exactly once.

Every test here talks real HTTP to the simulator with a fault switched on, and asserts what SMS.dk
received: each text once, in order per recipient, and when.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.sms_dk import data
from custom_components.sms_dk.smsdk import client
from tests.conftest import FAR, MOR
from tests.helpers import kept_on_disk, send_one_of_three_ways, send_sms, tick, ticking
from tests.simulator import SmsDkSimulator

QUEUED = "sensor.sms_dk_queued_texts"


@pytest.fixture
async def short_timeouts(
    hass: HomeAssistant, config_entry: MockConfigEntry, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The entry set up with requests that give up after a fraction of a second (15 s and 10 s
    in real use).

    A first start with the real timeouts comes before, as for any entry that ran before: it
    remembers the default sender. (On a loaded machine 0.3 s can time out the set-up's read of
    the sender names, and a text would then have no sender: seen once in 20 runs of the suite.)
    """
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    assert await hass.config_entries.async_unload(config_entry.entry_id)
    monkeypatch.setattr(client, "DEFAULT_TIMEOUT", 0.3)
    monkeypatch.setattr(data, "PROBE_TIMEOUT", 0.2)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()


def sent(simulator: SmsDkSimulator) -> list[tuple[str, str]]:
    """(receiver, text) of every message SMS.dk took, in the order it took them."""
    return [(str(m.receiver), m.message) for m in simulator.messages]


def start_outage(simulator: SmsDkSimulator, kind: str) -> None:
    if kind == "no connection":
        simulator.faults.drop_connection = True
    else:
        simulator.faults.page_status = 503


def end_outage(simulator: SmsDkSimulator) -> None:
    simulator.faults.drop_connection = False
    simulator.faults.page_status = None


async def wait_until_sent(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, simulator: SmsDkSimulator, count: int
) -> float:
    """Let time pass a second at a time until *count* texts were sent; return how long it took."""
    for elapsed in range(1, 121):
        await tick(hass, freezer, 1)
        if len(simulator.messages) >= count:
            return elapsed
    return float("inf")


@pytest.mark.parametrize(
    ("kind", "texts", "outage"),
    [("no connection", 200, 60), ("503 pages", 30, 20)],
)
async def test_kept_texts_leave_within_30_s_of_recovery(
    hass: HomeAssistant,
    simulator: SmsDkSimulator,
    init_integration: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    kind: str,
    texts: int,
    outage: int,
) -> None:
    """Texts sent three ways during an outage are all sent, once each and in order per
    recipient, within 30 s of SMS.dk answering again, with no further text to nudge them."""
    simulator.credits = 1000
    # 200 texts in a minute is what the spend guard exists to stop: off for this test.
    hass.config_entries.async_update_entry(
        init_integration, options={"max_per_hour": 0, "max_per_day": 0}
    )
    start_outage(simulator, kind)
    expected: dict[str, list[str]] = {MOR: [], FAR: []}
    per_step = texts // (outage // 3)
    for number in range(texts):
        receiver = await send_one_of_three_ways(hass, number)
        expected[receiver].append(f"Alarm {number:03d}")
        if number % per_step == per_step - 1:
            await tick(hass, freezer, 3)
    assert hass.states.get(QUEUED).state == str(texts)
    assert simulator.messages == []
    end_outage(simulator)
    took = await wait_until_sent(hass, freezer, simulator, texts)
    assert took <= 30
    await tick(hass, freezer, 120)  # and nothing more comes later
    received = sent(simulator)
    assert Counter(received).most_common(1)[0][1] == 1  # never twice
    assert len(received) == texts
    for receiver, messages in expected.items():
        assert [text for number, text in received if number == receiver] == messages
    assert hass.states.get(QUEUED).state == "0"


@pytest.mark.usefixtures("init_integration")
async def test_checks_slow_down_after_ten_minutes_but_stay_within_two(
    hass: HomeAssistant, simulator: SmsDkSimulator, freezer: FrozenDateTimeFactory
) -> None:
    """After 10 minutes of outage SMS.dk is asked once a minute: a text still leaves within 2."""
    simulator.faults.page_status = 502
    await send_sms(hass, MOR, message="Fryser")

    def checks() -> int:
        return len([r for r in simulator.requests if r.path == "/v1/user/getcreditvalue"])

    before = checks()
    for _ in range(60):
        await tick(hass, freezer, 5)  # the first 5 minutes: every 10 s
    assert 29 <= checks() - before <= 31
    for _ in range(120):
        await tick(hass, freezer, 5)  # 10 minutes more: every 10 s, then once a minute
    before = checks()
    for _ in range(60):
        await tick(hass, freezer, 5)
    assert 4 <= checks() - before <= 6  # once a minute, not every 10 s
    simulator.faults.page_status = None
    assert await wait_until_sent(hass, freezer, simulator, 1) <= 61


@pytest.mark.usefixtures("init_integration")
async def test_new_texts_never_push_the_next_check_later(
    hass: HomeAssistant, simulator: SmsDkSimulator, freezer: FrozenDateTimeFactory
) -> None:
    """A text every second during an outage does not delay the checks (every 10 s: the balance
    can be read, so each check tries the first kept text once): all go within 10 s of SMS.dk
    taking texts again, in order."""
    simulator.faults.page_status = 503
    simulator.faults.only_paths = {"/v1/sms/send"}
    for number in range(25):
        await send_sms(hass, MOR, message=f"nr. {number}")
        await tick(hass, freezer, 1)
    paths = [r.path for r in simulator.requests]
    first = paths.index("/v1/sms/send")
    tries = [i for i, path in enumerate(paths) if path == "/v1/sms/send" and i > first]
    # Only the checks try the kept texts (each try right after its check), never a new text.
    assert 2 <= len(tries) <= 3
    assert all(paths[i - 1] == "/v1/user/getcreditvalue" for i in tries)
    simulator.faults.page_status = None
    assert await wait_until_sent(hass, freezer, simulator, 25) <= 10
    assert [m.message for m in simulator.messages] == [f"nr. {n}" for n in range(25)]


async def test_restart_in_the_middle_of_an_outage(
    hass: HomeAssistant,
    simulator: SmsDkSimulator,
    init_integration: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    hass_storage: dict[str, Any],
) -> None:
    """Texts kept before a restart are stored as soon as the action returns (so a hard kill keeps
    them too), and after the restart they leave within 30 s of SMS.dk answering, once each."""
    simulator.faults.drop_connection = True
    for number in range(20):
        await send_one_of_three_ways(hass, number)
    stored = kept_on_disk(hass, init_integration.entry_id)
    assert len(stored) == 20  # written before the actions returned: a hard kill loses nothing
    assert await hass.config_entries.async_unload(init_integration.entry_id)
    assert await hass.config_entries.async_setup(init_integration.entry_id)
    await hass.async_block_till_done()
    await tick(hass, freezer, 60)  # still down after the restart
    assert simulator.messages == []
    simulator.faults.drop_connection = False
    assert await wait_until_sent(hass, freezer, simulator, 20) <= 30
    await tick(hass, freezer, 120)
    assert len(sent(simulator)) == len(set(sent(simulator))) == 20


@pytest.mark.parametrize("reference", [None, "alarm"])
@pytest.mark.usefixtures("init_integration")
async def test_lost_answer_after_sms_dk_took_the_text_sends_it_once(
    hass: HomeAssistant,
    simulator: SmsDkSimulator,
    freezer: FrozenDateTimeFactory,
    reference: str | None,
) -> None:
    """SMS.dk takes the text, then the connection is cut: the log says it arrived, so it is not
    sent again, and its batch is followed for delivery status."""
    simulator.faults.lose_answers = 1
    data = {"reference": reference} if reference else {}
    response = await send_sms(hass, MOR, message="Indbrud", **data)
    assert response["queued"] == [MOR]  # not known yet whether it arrived
    assert len(simulator.messages) == 1
    wire_reference = simulator.sends[0].json["userReference"]
    assert wire_reference == reference or wire_reference.startswith("ha-")
    for _ in range(20):
        await tick(hass, freezer, 1)
    assert len(simulator.sends) == 1
    assert len(simulator.messages) == 1
    assert any(r.path == "/v1/sms/listlog" for r in simulator.requests)
    assert hass.states.get(QUEUED).state == "0"
    status = hass.states.get("sensor.mor_delivery_status")
    assert status.attributes["batch_id"] == simulator.messages[0].batch_id
    assert status.attributes["reference"] == reference


@pytest.mark.parametrize("kind", ["cut", "late", "gateway"])
@pytest.mark.usefixtures("short_timeouts")
async def test_lost_answers_never_send_twice(
    hass: HomeAssistant, simulator: SmsDkSimulator, freezer: FrozenDateTimeFactory, kind: str
) -> None:
    """Two lost answers in a row (the connection cut, the answer after the timeout, or a gateway's
    504 while SMS.dk went on): each text arrives exactly once."""
    simulator.faults.lose_answers = 2
    if kind == "late":
        simulator.faults.lose_answer_mode = "late"
        simulator.faults.late_answer_delay = 0.5
    elif kind == "gateway":
        simulator.faults.lose_answer_mode = "gateway"
    for text in ("første", "anden"):
        response = await ticking(hass, freezer, send_sms(hass, MOR, message=text))
        assert response["queued"] == [MOR]
        await ticking(hass, freezer, asyncio.sleep(0.6))  # a late answer comes, to nobody
        for _ in range(20):
            await tick(hass, freezer, 1)
    assert simulator.faults.lose_answers == 0
    assert [m.message for m in simulator.messages] == ["første", "anden"]
    assert hass.states.get(QUEUED).state == "0"


@pytest.mark.usefixtures("init_integration")
async def test_lost_answer_before_sms_dk_took_the_text_sends_it_once(
    hass: HomeAssistant, simulator: SmsDkSimulator, freezer: FrozenDateTimeFactory
) -> None:
    """The connection is cut before SMS.dk took the text: the log does not have it, so it is
    sent again, once."""
    simulator.faults.drop_connection = True
    simulator.faults.only_paths = {"/v1/sms/send"}
    await send_sms(hass, MOR, message="Indbrud", reference="alarm")
    simulator.faults.drop_connection = False
    await tick(hass, freezer, 10)
    assert len(simulator.sends) == 1  # not before the log had time to show it
    await tick(hass, freezer, 10)
    assert [m.message for m in simulator.messages] == ["Indbrud"]
    assert len(simulator.sends) == 2


@pytest.mark.usefixtures("init_integration")
async def test_a_repeated_text_is_not_mistaken_for_the_lost_one(
    hass: HomeAssistant, simulator: SmsDkSimulator, freezer: FrozenDateTimeFactory
) -> None:
    """The same text with the same reference, sent a minute before, is not taken for the one
    whose answer was lost: both arrive."""
    await send_sms(hass, MOR, message="Røg i køkkenet", reference="røg")
    await tick(hass, freezer, 60)
    simulator.faults.drop_connection = True
    simulator.faults.only_paths = {"/v1/sms/send"}
    await send_sms(hass, MOR, message="Røg i køkkenet", reference="røg")
    simulator.faults.drop_connection = False
    await tick(hass, freezer, 10)
    await tick(hass, freezer, 10)
    assert [m.message for m in simulator.messages] == ["Røg i køkkenet"] * 2


@pytest.mark.usefixtures("init_integration")
async def test_unreadable_log_waits_then_sends_blindly(
    hass: HomeAssistant,
    simulator: SmsDkSimulator,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """While the log cannot be read, a text whose answer was lost waits; after 10 minutes it is
    sent again without knowing (a duplicate is better than a lost alarm), and the log says so."""
    simulator.faults.lose_answers = 1
    await send_sms(hass, MOR, message="Vand i kælderen")
    simulator.faults.page_status = 503
    simulator.faults.only_paths = {"/v1/sms/listlog"}
    for _ in range(9):
        await tick(hass, freezer, 60)
    assert len(simulator.sends) == 1
    await tick(hass, freezer, 120)
    assert len(simulator.sends) == 2
    assert [m.message for m in simulator.messages] == ["Vand i kælderen"] * 2
    assert "sent again without knowing whether it arrived" in caplog.text


@pytest.mark.parametrize(
    ("header", "wait"), [(None, None), ("42", 42), ("Wed, 21 Oct 2015 07:28:00 GMT", None)]
)
@pytest.mark.usefixtures("init_integration")
async def test_a_plain_text_429_keeps_the_text(
    hass: HomeAssistant,
    simulator: SmsDkSimulator,
    freezer: FrozenDateTimeFactory,
    header: str | None,
    wait: int | None,
) -> None:
    """A rate limiter's 429 that is not SMS.dk's JSON is a cool-down: the text is kept, and a
    Retry-After in seconds is waited out exactly."""
    simulator.faults.page_status = 429
    simulator.faults.page_text_plain = True
    simulator.faults.retry_after_header = header
    simulator.faults.only_paths = {"/v1/sms/send"}
    response = await send_sms(hass, MOR, message="Dørklokken")
    assert response["queued"] == [MOR]
    simulator.faults.page_status = None
    if wait is not None:
        await tick(hass, freezer, wait - 1)
        assert simulator.messages == []
        await tick(hass, freezer, 2)
    else:
        await tick(hass, freezer, 30)
    assert [m.message for m in simulator.messages] == ["Dørklokken"]


@pytest.mark.usefixtures("init_integration")
async def test_a_send_during_recovery_waits_its_turn(
    hass: HomeAssistant, simulator: SmsDkSimulator, freezer: FrozenDateTimeFactory
) -> None:
    """Texts sent while the kept ones are going out queue behind them and go right after."""
    simulator.faults.page_status = 503
    simulator.faults.only_paths = {"/v1/sms/send"}
    await send_sms(hass, MOR, message="første")
    simulator.faults.page_status = None
    simulator.faults.hold = asyncio.Event()
    freezer.tick(timedelta(seconds=10))
    async_fire_time_changed(hass)
    while len(simulator.sends) < 2:  # "første" is being sent again
        await asyncio.sleep(0)
    second = await send_sms(hass, MOR, message="anden")
    third = await send_sms(hass, FAR, message="tredje")
    assert (second["queued"], third["queued"]) == ([MOR], [FAR])
    simulator.faults.hold.set()
    await hass.async_block_till_done(wait_background_tasks=True)
    await tick(hass, freezer, 1)
    assert [m.message for m in simulator.messages] == ["første", "anden", "tredje"]


@pytest.mark.usefixtures("init_integration")
async def test_a_text_racing_a_failing_one_is_kept_without_a_try(
    hass: HomeAssistant, simulator: SmsDkSimulator
) -> None:
    """A text that waited for the try before it, which then failed, is kept without a try."""
    simulator.faults.page_status = 503
    simulator.faults.only_paths = {"/v1/sms/send"}
    simulator.faults.hold = asyncio.Event()
    first = hass.async_create_task(send_sms(hass, MOR, message="første"))
    while not simulator.sends:
        await asyncio.sleep(0)
    second = hass.async_create_task(send_sms(hass, FAR, message="anden"))
    for _ in range(10):
        await asyncio.sleep(0)
    simulator.faults.hold.set()
    assert ((await first)["queued"], (await second)["queued"]) == ([MOR], [FAR])
    assert len(simulator.sends) == 1


async def test_reload_during_a_failing_send_keeps_the_text(
    hass: HomeAssistant,
    simulator: SmsDkSimulator,
    init_integration: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A reload while a send is under way waits for it; the text it keeps goes to the new
    entry's outbox (written before the old one closed) and is sent once."""
    simulator.faults.page_status = 503
    simulator.faults.only_paths = {"/v1/sms/send"}
    simulator.faults.hold = asyncio.Event()
    sending = hass.async_create_task(send_sms(hass, MOR, message="Alarm"))
    while not simulator.sends:
        await asyncio.sleep(0)
    reload = hass.async_create_task(hass.config_entries.async_reload(init_integration.entry_id))
    for _ in range(20):
        await asyncio.sleep(0)
    assert not reload.done()
    simulator.faults.hold.set()
    assert (await sending)["queued"] == [MOR]
    assert await reload
    simulator.faults.page_status = None
    await tick(hass, freezer, 1)
    await tick(hass, freezer, 1)
    assert [m.message for m in simulator.messages] == ["Alarm"]


async def test_unload_during_a_check_sends_nothing_more(
    hass: HomeAssistant,
    simulator: SmsDkSimulator,
    init_integration: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """An unload while the outbox asks whether SMS.dk answers: the old outbox sends nothing."""
    simulator.faults.page_status = 503
    await send_sms(hass, MOR, message="Alarm")
    simulator.faults.page_status = None
    simulator.faults.hold = asyncio.Event()
    simulator.faults.only_paths = {"/v1/user/getcreditvalue"}
    freezer.tick(timedelta(seconds=10))
    async_fire_time_changed(hass)
    checks = len([r for r in simulator.requests if r.path == "/v1/user/getcreditvalue"])
    while len([r for r in simulator.requests if r.path == "/v1/user/getcreditvalue"]) == checks:
        await asyncio.sleep(0)
    assert await hass.config_entries.async_unload(init_integration.entry_id)
    simulator.faults.hold.set()
    await hass.async_block_till_done(wait_background_tasks=True)
    assert simulator.messages == []
