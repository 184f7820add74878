"""The blueprint "Alarm by SMS with confirmation": valid for Home Assistant, and it does its job.

It is loaded with Home Assistant's blueprint machinery and schema, then used the way a user
does: an automation made from it, in a config folder of the test's own, raised by an event; the
texts go to the simulator, whose delivery reports decide whether the escalation runs.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.automation import EVENT_AUTOMATION_TRIGGERED
from homeassistant.components.automation.config import AUTOMATION_BLUEPRINT_SCHEMA
from homeassistant.core import HomeAssistant
from homeassistant.helpers import config_validation as cv, selector
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
    async_fire_time_changed,
)

from tests.conftest import FAR, MOR
from tests.helpers import blueprint_config_dir, load_blueprint
from tests.simulator import SmsDkSimulator

EVENT_DELIVERY_STATUS = "sms_dk_delivery_status"  # the event automations listen for

# A run that never ends must fail its test, not hang the suite.
pytestmark = pytest.mark.timeout(60)

PATH = "sms_dk/alarm_with_confirmation.yaml"
AUTOMATION = "automation.alarm"
MOR_ENTITY = "notify.mor_sms"
FAR_ENTITY = "notify.far_sms"
MESSAGE = "Alarm: hoveddøren er åben"
ESCALATED = "test_alarm_escalated"
WAIT = 300  # the default wait for a delivery report: 5 minutes
# Where the tasks of an automation's run start.
RUN_CODE = ("homeassistant/components/automation/__init__.py", "homeassistant/helpers/script.py")
# Where the tasks of the simulator's HTTP server start: one for each connection it keeps open.
SERVER_CODE = ("aiohttp/web_protocol.py",)
# How many turns of the loop nothing may change before a settle is over.
QUIET = 20


def test_blueprint_is_valid() -> None:
    """The blueprint passes the blueprint schema (as the automation integration applies it),
    is for automations, runs on every supported release, and asks for what it uses."""
    blueprint = load_blueprint(PATH, AUTOMATION_BLUEPRINT_SCHEMA)
    assert blueprint.name == "Alarm by SMS with confirmation"
    assert blueprint.domain == "automation"
    assert blueprint.validate() is None  # min_version is met
    assert blueprint.metadata["source_url"].endswith(
        "/sms-dk-ha/sms_dk/blob/main/blueprints/automation/sms_dk/alarm_with_confirmation.yaml"
    )
    assert "escalation" in blueprint.metadata["description"]

    inputs = blueprint.inputs
    assert list(inputs) == [
        "alarm_trigger",
        "recipients",
        "message",
        "wait_for_delivery",
        "escalation",
    ]
    assert all(value.get("name") and value.get("description") for value in inputs.values())
    # Selectors as the schema normalises them (newer releases add keys of their own).
    assert list(inputs["alarm_trigger"]["selector"]) == ["trigger"]
    entity = inputs["recipients"]["selector"]["entity"]
    assert entity["multiple"] is True
    assert [(cv.ensure_list(f["domain"]), f["integration"]) for f in entity["filter"]] == [
        (["notify"], "sms_dk")
    ]
    assert inputs["message"]["selector"]["text"]["multiline"] is True
    assert list(inputs["escalation"]["selector"]) == ["action"]
    # Only the wait has a default (5 minutes), and its own selector accepts it.
    assert [key for key, value in inputs.items() if "default" in value] == ["wait_for_delivery"]
    wait = inputs["wait_for_delivery"]
    assert selector.selector(wait["selector"])(wait["default"]) == {
        "hours": 0,
        "minutes": 5,
        "seconds": 0,
    }


@pytest.fixture
def config_dir(tmp_path: Path) -> Path:
    """A config folder with the blueprint where Home Assistant looks for it (made outside the
    event loop, where file work belongs)."""
    return blueprint_config_dir(tmp_path, PATH)


def runs(task: asyncio.Task[Any], files: tuple[str, ...]) -> bool:
    """Whether *task* was started from code in one of *files*."""
    code = getattr(task.get_coro(), "cr_code", None)
    return code is not None and code.co_filename.endswith(files)


def part_of_a_run(task: asyncio.Task[Any]) -> bool:
    """Whether *task* is an automation's run (the trigger's task, or its script's)."""
    return runs(task, RUN_CODE)


class Alarm:
    """The automation made from the blueprint, and how a test drives it.

    While the alarm waits for a delivery report, its run is a task Home Assistant tracks, so
    ``async_block_till_done`` (and tests.helpers.tick) would wait for it: minutes that never pass
    on the frozen clock. ``settle`` waits for every other task instead, and for the run to end or
    to wait for a report.
    """

    def __init__(self, hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> None:
        self.hass = hass
        self.freezer = freezer
        self.triggered = async_capture_events(hass, EVENT_AUTOMATION_TRIGGERED)
        # What the escalation did: it fires this event.
        self.escalations = async_capture_events(hass, ESCALATED)

    async def trigger(self, *, starts: bool = True) -> None:
        """Raise the alarm, and let it send and start waiting (or end).

        *starts*: whether the automation is to run its actions (not while it already runs).
        """
        triggered = len(self.triggered)
        self.hass.bus.async_fire("test_door_opened")
        # The automation takes the event a little later, and announces a run it starts.
        for _ in range(1000):
            if len(self.triggered) > triggered:
                break
            await asyncio.sleep(0)
        assert len(self.triggered) == triggered + starts
        await self.settle()

    async def wait(self, seconds: int) -> None:
        """Let *seconds* pass in steps, so that the delivery log is polled as it would be."""
        for _ in range(seconds // 10):
            self.freezer.tick(timedelta(seconds=10))
            async_fire_time_changed(self.hass)
            await self.settle()

    def _pending(self) -> list[asyncio.Task[Any]]:
        """Every task still running, but the test's own and the simulator's server's (each
        connection it keeps open is a task: the client's side of a request is pending as well
        while it is answered)."""
        this = asyncio.current_task()
        return [t for t in asyncio.all_tasks() if t is not this and not runs(t, SERVER_CODE)]

    @property
    def running(self) -> bool:
        return any(part_of_a_run(task) for task in self._pending())

    @property
    def waiting_for_report(self) -> bool:
        return self.hass.bus.async_listeners().get(EVENT_DELIVERY_STATUS, 0) > 0

    async def settle(self) -> None:
        """Spin the loop until only a run waiting for a report is left (the loop goes on in
        real time, so requests to the simulator are answered; the clock stays frozen)."""
        quiet = 0
        for _ in range(100_000):
            pending = self._pending()
            if all(part_of_a_run(task) for task in pending) and (
                not pending or self.waiting_for_report
            ):
                # Callbacks a report scheduled (the wait ending) come a loop or two later.
                quiet += 1
                if quiet == QUIET:
                    return
            else:
                quiet = 0
            await asyncio.sleep(0)
        raise AssertionError(f"still busy: {pending}")


@pytest.fixture
async def alarm(
    hass: HomeAssistant,
    config_dir: Path,
    init_integration: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> Alarm:
    """An automation from the blueprint, raised by the event test_door_opened, whose escalation
    fires test_alarm_escalated."""
    hass.config.config_dir = str(config_dir)
    assert await async_setup_component(
        hass,
        "automation",
        {
            "automation": {
                "id": "alarm",
                "alias": "Alarm",
                "use_blueprint": {
                    "path": PATH,
                    "input": {
                        "alarm_trigger": [{"trigger": "event", "event_type": "test_door_opened"}],
                        "recipients": [MOR_ENTITY, FAR_ENTITY],
                        "message": MESSAGE,
                        "escalation": [
                            {"event": ESCALATED, "event_data": {"sent": "{{ sms is defined }}"}}
                        ],
                    },
                },
            }
        },
    )
    await hass.async_block_till_done()
    assert hass.states.get(AUTOMATION).state == "on"  # the instance config is valid
    return Alarm(hass, freezer)


async def test_no_delivery_report_escalates(simulator: SmsDkSimulator, alarm: Alarm) -> None:
    """The text goes to each chosen recipient, once however often the trigger fires; with no
    delivery report the escalation runs when the wait is over, not before."""
    simulator.dlr_delay = 24 * 3600  # the texts stay pending
    await alarm.trigger()
    sent = [request.json for request in simulator.sends]
    assert [(body["receiver"], body["message"]) for body in sent] == [
        (int(MOR), MESSAGE),
        (int(FAR), MESSAGE),
    ]
    # Both texts carry the alarm's own reference, which their delivery reports will carry.
    assert sent[0]["userReference"].startswith("alarm ")
    assert sent[0]["userReference"] == sent[1]["userReference"]
    assert alarm.waiting_for_report

    await alarm.wait(60)
    await alarm.trigger(starts=False)  # the same alarm again: no second text
    assert len(simulator.sends) == 2

    await alarm.wait(WAIT - 70)
    assert alarm.escalations == []
    await alarm.wait(20)
    assert [event.data for event in alarm.escalations] == [{"sent": True}]
    assert not alarm.running


async def test_delivered_text_does_not_escalate(
    hass: HomeAssistant, simulator: SmsDkSimulator, alarm: Alarm
) -> None:
    """A delivery report within the wait ends the alarm: no escalation, then or later."""
    await alarm.trigger()
    await alarm.wait(10)  # the first poll of the delivery log: pending
    assert alarm.waiting_for_report
    await simulator.advance()  # delivered on SMS.dk's side
    await alarm.wait(20)  # the next poll
    assert hass.states.get("sensor.mor_delivery_status").state == "delivered"
    assert not alarm.running
    await alarm.wait(WAIT + 60)
    assert alarm.escalations == []


async def test_one_recipient_is_enough(
    hass: HomeAssistant, simulator: SmsDkSimulator, alarm: Alarm
) -> None:
    """Someone got the alarm: a report for the second recipient's text counts as well, though
    that text has a batch of its own (the first recipient's phone is off)."""
    simulator.set_outcome(MOR, 8)  # buffered: held by the network, not delivered
    await alarm.trigger()
    await alarm.wait(10)
    await simulator.advance()
    await alarm.wait(20)
    assert hass.states.get("sensor.mor_delivery_status").state == "buffered"
    assert hass.states.get("sensor.far_delivery_status").state == "delivered"
    assert not alarm.running
    await alarm.wait(WAIT + 60)
    assert alarm.escalations == []


async def test_refused_text_escalates_at_once(simulator: SmsDkSimulator, alarm: Alarm) -> None:
    """When SMS.dk refuses the text for every recipient, nobody can be told: escalate without
    waiting."""
    simulator.invalid_receivers.update({MOR, FAR})
    await alarm.trigger()
    assert simulator.messages == []
    assert [event.data for event in alarm.escalations] == [{"sent": False}]
    assert not alarm.running


async def test_text_kept_during_an_outage_counts_when_delivered(
    simulator: SmsDkSimulator, alarm: Alarm
) -> None:
    """SMS.dk cannot be reached when the alarm goes off: the texts are kept, sent when it
    answers again, and their delivery within the wait still ends the alarm."""
    simulator.faults.drop_connection = True
    await alarm.trigger()
    assert simulator.messages == []
    assert alarm.waiting_for_report
    await alarm.wait(30)
    simulator.faults.drop_connection = False
    await alarm.wait(60)
    assert [m.receiver for m in simulator.messages] == [int(MOR), int(FAR)]
    await simulator.advance()
    await alarm.wait(60)
    assert not alarm.running
    await alarm.wait(WAIT)
    assert alarm.escalations == []
