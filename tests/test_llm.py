"""Assist: the tools an LLM conversation agent gets, called as an agent calls them.

Home Assistant's own API hands the tools out (``llm.async_get_api`` for the Assist API, a new
instance per turn of a conversation, as the agents make it) and calls them
(``APIInstance.async_call_tool``); the texts go to the simulator. The LLM platform is new in
Home Assistant 2026.8: on the oldest release (``scripts/test --matrix``) each test asserts that
nothing of it appears instead, while the integration loads and sends as ever.
"""

from __future__ import annotations

from dataclasses import dataclass
import json
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.homeassistant.exposed_entities import async_expose_entity
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import Context, HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import entity_registry as er, llm
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.sms_dk.compat import HA_VERSION
from custom_components.sms_dk.const import CONF_MAX_PER_DAY, CONF_MAX_PER_HOUR
from custom_components.sms_dk.errors import async_error_text
from tests.conftest import FAR, MOR
from tests.helpers import send_sms, tick
from tests.simulator import SmsDkSimulator

# Since Home Assistant 2026.8 integrations give LLM agents tools from an llm.py platform; since
# 2026.10 a tool answers with a ToolResult and carries ToolAnnotations (compat.py).
LLM_PLATFORM = HA_VERSION >= (2026, 8)
TOOL_RESULT = HA_VERSION >= (2026, 10)
SEND = "sms_dk__send_text"
STATUS = "sms_dk__get_status"
MOR_NOTIFY = "notify.mor_sms"
FAR_NOTIFY = "notify.far_sms"
MOR_STATUS = "sensor.mor_delivery_status"
FAR_STATUS = "sensor.far_delivery_status"
LAST_STATUS = "sensor.sms_dk_last_delivery_status"
CREDITS = "sensor.sms_dk_credits"
MESSAGE = "Kommer du hjem til middag?"


class Agent:
    """A conversation agent on the Assist API, with the user who exposes entities to it."""

    def __init__(self, hass: HomeAssistant, entry: MockConfigEntry) -> None:
        self.hass = hass
        self.entry = entry
        self.language = "en"

    def expose(self, *entity_ids: str, exposed: bool = True) -> None:
        """What the user does in Settings > Voice assistants > Expose."""
        for entity_id in entity_ids:
            async_expose_entity(self.hass, "conversation", entity_id, exposed)

    async def api(self) -> llm.APIInstance:
        """The Assist API as an agent gets it for one turn of a conversation."""
        context = llm.LLMContext(
            platform="test_agent",
            context=Context(),
            language=self.language,
            assistant="conversation",
            device_id=None,
        )
        return await llm.async_get_api(self.hass, "assist", context)

    async def tools(self) -> dict[str, llm.Tool]:
        """The integration's tools the agent is offered now."""
        return {tool.name: tool for tool in (await self.api()).tools if "sms_dk" in tool.name}

    async def absent(self) -> bool:
        """On a release without the LLM platform, assert that nothing of it appears (and say so).

        Everything is exposed, the integration is loaded and sends as ever, and still no tool.
        """
        if LLM_PLATFORM:
            return False
        self.expose(MOR_NOTIFY, FAR_NOTIFY, MOR_STATUS, FAR_STATUS, LAST_STATUS, CREDITS)
        assert self.entry.state is ConfigEntryState.LOADED
        assert await self.tools() == {}
        return True

    async def call(self, name: str, **args: Any) -> Answer:
        """Call a tool as the agent does, with the arguments the model chose."""
        return Answer.of(await (await self.api()).async_call_tool(llm.ToolInput(name, args)))

    async def parameters(self, name: str) -> dict[str, Any]:
        """The tool's parameters as the agents send them to the model (OpenAPI)."""
        if HA_VERSION >= (2026, 9):
            from probatio import to_openapi
        else:  # the agents' converter before probatio
            from voluptuous_openapi import convert as to_openapi

        api = await self.api()
        tool = next(tool for tool in api.tools if tool.name == name)
        schema: dict[str, Any] = to_openapi(
            tool.parameters, custom_serializer=api.custom_serializer
        )
        return schema


@pytest.fixture
async def agent(hass: HomeAssistant, init_integration: MockConfigEntry) -> Agent:
    """An agent with the Assist API (conversation sets up intent, and llm since 2026.8)."""
    assert await async_setup_component(hass, "homeassistant", {})
    assert await async_setup_component(hass, "conversation", {})
    await hass.async_block_till_done()
    return Agent(hass, init_integration)


@dataclass(frozen=True)
class Answer:
    """A tool's answer as the agent reads it: its data, and whether it is an error."""

    data: dict[str, Any]
    error: bool

    @classmethod
    def of(cls, result: Any) -> Answer:
        """Read a ToolResult, or before 2026.10 the plain object (an error has error_text)."""
        if TOOL_RESULT:
            return cls(dict(result.data), result.error)
        return cls(dict(result), "error_text" in result)


def annotations(**behaviour: bool) -> Any:
    """The annotations a tool carries: none before 2026.10, which has no such thing."""
    return llm.ToolAnnotations(**behaviour) if TOOL_RESULT else None


def error_text(result: Answer) -> str:
    """The reason of an error result, as the agent reads it."""
    assert result.error is True
    return str(result.data["error_text"])


async def test_tools_appear_from_2026_8_only(agent: Agent, simulator: SmsDkSimulator) -> None:
    """With everything exposed: the two tools since 2026.8, none before; the integration is
    loaded and sends either way."""
    agent.expose(MOR_NOTIFY, FAR_NOTIFY, MOR_STATUS, CREDITS)
    expected = {SEND, STATUS} if LLM_PLATFORM else set()
    assert set(await agent.tools()) == expected
    assert agent.entry.state is ConfigEntryState.LOADED
    await send_sms(agent.hass, MOR)
    assert [m.receiver for m in simulator.messages] == [int(MOR)]


async def test_the_send_tool_is_offered_while_a_recipient_is_exposed(agent: Agent) -> None:
    """Nothing exposed, no tool; Mor exposed, a tool that can reach Mor only, by her name,
    annotated as a text is: it writes, reaches outside, and sent twice
    arrives twice; Mor no longer exposed, no tool again."""
    if await agent.absent():
        return
    assert await agent.tools() == {}
    agent.expose(MOR_NOTIFY)
    tools = await agent.tools()
    assert list(tools) == [SEND]
    assert tools[SEND].annotations == annotations(
        read_only=False, destructive=False, idempotent=False, open_world=True
    )
    assert tools[SEND].integration == "sms_dk"
    assert await agent.parameters(SEND) == {
        "type": "object",
        "properties": {
            "recipient": {"type": "string", "enum": ["Mor"], "description": "Who gets the text"},
            "message": {"type": "string", "description": "The text to send"},
        },
        "required": ["recipient", "message"],
        # probatio's converter (2026.9 and later) closes the object; voluptuous_openapi's did not.
        **({"additionalProperties": False} if HA_VERSION >= (2026, 9) else {}),
    }
    agent.expose(MOR_NOTIFY, exposed=False)
    assert await agent.tools() == {}


async def test_a_call_sends_one_text_to_the_recipient(
    agent: Agent, simulator: SmsDkSimulator
) -> None:
    """The agent's text reaches Mor's phone, once; the answer tells what sms_dk.send_sms tells,
    with Mor's name where her number would be."""
    if await agent.absent():
        return
    agent.expose(MOR_NOTIFY, FAR_STATUS)
    result = await agent.call(SEND, recipient="Mor", message=MESSAGE)
    assert [(m.receiver, m.message) for m in simulator.messages] == [(int(MOR), MESSAGE)]
    assert result.error is False
    batch_id = simulator.messages[0].batch_id
    assert result.data == {
        "recipient": "Mor",
        "batch_id": batch_id,
        "batch_ids": [batch_id],
        "encoding": "gsm",
        "parts": 1,
        "credits": 1.0,
        "scheduled": None,
        "accepted": [{"receiver": "Mor", "batch_id": batch_id, "credits": 1.0}],
        "rejected": [],
        "queued": [],
        "replaced": [],
    }
    assert MOR not in json.dumps(result.data)


async def test_a_recipient_is_reached_by_an_alias(
    agent: Agent, simulator: SmsDkSimulator, entity_registry: er.EntityRegistry
) -> None:
    """An alias the user gave Mor's notify entity names her too."""
    if await agent.absent():
        return
    entity_registry.async_update_entity(MOR_NOTIFY, aliases=[er.COMPUTED_NAME, "Mormor"])
    agent.expose(MOR_NOTIFY)
    enum = (await agent.parameters(SEND))["properties"]["recipient"]["enum"]
    assert enum == ["Mor", "Mormor"]
    result = await agent.call(SEND, recipient="Mormor", message=MESSAGE)
    assert result.error is False
    assert [(m.receiver, m.message) for m in simulator.messages] == [(int(MOR), MESSAGE)]


async def test_no_number_and_no_unexposed_recipient_is_reached(
    agent: Agent, simulator: SmsDkSimulator
) -> None:
    """Far is not exposed: neither his name, his number nor his entity sends anything, and
    neither does a number of the agent's own; each call is told who may be texted."""
    if await agent.absent():
        return
    agent.expose(MOR_NOTIFY)
    for recipient in ("Far", FAR, f"+{FAR}", FAR_NOTIFY, "+4512345678", None, ["Mor"]):
        result = await agent.call(SEND, recipient=recipient, message=MESSAGE)
        assert error_text(result) == (
            f"No saved recipient named {recipient} is exposed to Assist. The recipients Assist"
            " may text: Mor"
        )
        assert result.data["error"] == "ServiceValidationError"
    assert simulator.sends == []


async def test_a_name_two_recipients_go_by_names_neither(
    agent: Agent, simulator: SmsDkSimulator, entity_registry: er.EntityRegistry
) -> None:
    """Mor's entity has the alias "Far": the name is offered for neither, and a call by it sends
    nothing (the user has to settle who "Far" is)."""
    if await agent.absent():
        return
    entity_registry.async_update_entity(MOR_NOTIFY, aliases=[er.COMPUTED_NAME, "Far"])
    agent.expose(MOR_NOTIFY, FAR_NOTIFY)
    enum = (await agent.parameters(SEND))["properties"]["recipient"]["enum"]
    assert enum == ["Mor"]
    result = await agent.call(SEND, recipient="Far", message=MESSAGE)
    assert "No saved recipient named Far is exposed" in error_text(result)
    assert simulator.sends == []


async def test_the_spend_guard_refuses_over_its_limit(
    hass: HomeAssistant, agent: Agent, simulator: SmsDkSimulator
) -> None:
    """One text an hour (then a day): the second call is refused with the guard's reason, in the
    language of the conversation, and nothing is sent; the agent has no way to lift the limit,
    and is not told of one (ignore_limit is the action's, not the agent's)."""
    if await agent.absent():
        return
    hass.config_entries.async_update_entry(
        agent.entry, options={**agent.entry.options, CONF_MAX_PER_HOUR: 1, CONF_MAX_PER_DAY: 10}
    )
    await hass.async_block_till_done()
    agent.expose(MOR_NOTIFY)
    assert (await agent.call(SEND, recipient="Mor", message=MESSAGE)).error is False
    refused = await agent.call(SEND, recipient="Mor", message=MESSAGE, ignore_limit=True)
    assert error_text(refused) == (
        "1 texts were sent through SMS.dk in the last hour, and the limit is 1: this text was not"
        " sent. The user can raise the limit in the integration's options"
    )
    agent.language = "da"
    refused = await agent.call(SEND, recipient="Mor", message=MESSAGE)
    assert error_text(refused) == (
        "1 sms'er er sendt gennem SMS.dk inden for den seneste time, og grænsen er 1: denne sms"
        " blev ikke sendt. Brugeren kan hæve grænsen i integrationens indstillinger"
    )
    hass.config_entries.async_update_entry(
        agent.entry, options={**agent.entry.options, CONF_MAX_PER_HOUR: 0, CONF_MAX_PER_DAY: 1}
    )
    await hass.async_block_till_done()
    agent.language = "en"
    refused = await agent.call(SEND, recipient="Mor", message=MESSAGE)
    assert error_text(refused) == (
        "1 texts were sent through SMS.dk in the last 24 hours, and the limit is 1: this text was"
        " not sent. The user can raise the limit in the integration's options"
    )
    assert len(simulator.sends) == 1
    assert "ignore_limit" not in (await agent.parameters(SEND))["properties"]


async def test_refusals_are_results_not_exceptions(
    hass: HomeAssistant, agent: Agent, simulator: SmsDkSimulator
) -> None:
    """An empty text, a number SMS.dk refuses, an account that is not loaded: each an error
    result with the translated reason; a text SMS.dk cannot take now is queued, and said so."""
    if await agent.absent():
        return
    agent.expose(MOR_NOTIFY)
    assert error_text(await agent.call(SEND, recipient="Mor", message="  ")) == (
        "The message is empty"
    )
    assert error_text(await agent.call(SEND, recipient="Mor")) == "The message is empty"

    simulator.invalid_receivers.add(MOR)
    rejected = error_text(await agent.call(SEND, recipient="Mor", message=MESSAGE))
    assert rejected.startswith("SMS.dk sent the text to 0 of 1 recipients. Rejected:")
    simulator.invalid_receivers.clear()

    simulator.faults.drop_connection = True
    queued = await agent.call(SEND, recipient="Mor", message=MESSAGE)
    assert queued.error is False
    assert queued.data["queued"] == ["Mor"]
    assert queued.data["accepted"] == []
    assert simulator.messages == []
    simulator.faults.drop_connection = False

    await hass.config_entries.async_unload(agent.entry.entry_id)
    not_loaded = await agent.call(SEND, recipient="Mor", message=MESSAGE)
    assert error_text(not_loaded) == "Config entry SMS.dk for integration sms_dk is not loaded"


async def test_status_and_credits_from_the_exposed_sensors(
    hass: HomeAssistant,
    agent: Agent,
    simulator: SmsDkSimulator,
    freezer: FrozenDateTimeFactory,
    entity_registry: er.EntityRegistry,
) -> None:
    """ "Did my text to Mor arrive?", "how many credits are left?": answered from the sensors'
    states, of the exposed sensors only; the tool only reads."""
    if await agent.absent():
        return
    agent.expose(MOR_NOTIFY)
    assert list(await agent.tools()) == [SEND]  # no sensor exposed: no status tool
    agent.expose(MOR_STATUS, CREDITS)
    tools = await agent.tools()
    assert tools[STATUS].annotations == annotations(
        read_only=True, destructive=False, idempotent=True, open_world=False
    )
    assert (await agent.parameters(STATUS))["properties"]["recipient"]["enum"] == ["Mor"]
    before = await agent.call(STATUS)
    assert before.data == {
        "recipients": [{"recipient": "Mor", "status": "unknown"}],
        "accounts": [{"account": "SMS.dk", "credits": "100"}],
    }

    await send_sms(hass, MOR, FAR)
    await tick(hass, freezer, 5)
    await simulator.advance()
    await tick(hass, freezer, 6)  # the first poll of the delivery log
    assert hass.states.get(MOR_STATUS).state == "delivered"
    sent = hass.states.get(MOR_STATUS).attributes["sent"].isoformat()
    # By the alias the user gave the sensor, too.
    entity_registry.async_update_entity(MOR_STATUS, aliases=[er.COMPUTED_NAME, "Mormor"])
    after = await agent.call(STATUS, recipient="Mormor")
    assert after.data == {
        "recipients": [
            {"recipient": "Mor", "status": "delivered", "sent": sent, "parts": 1, "credits": 1.0}
        ]
    }
    assert (await agent.call(STATUS)).data["accounts"] == [
        {"account": "SMS.dk", "credits": hass.states.get(CREDITS).state}
    ]
    assert hass.states.get(CREDITS).state == "98"
    # Far's sensor is not exposed: neither asked for nor told.
    for asked in ("Far", FAR, ["Mor"]):
        unknown = error_text(await agent.call(STATUS, recipient=asked))
        assert unknown.startswith(f"No saved recipient named {asked} is exposed")
    assert len(simulator.sends) == 2  # reading sent nothing
    # A sensor the user disabled tells nothing, exposed or not.
    entity_registry.async_update_entity(MOR_STATUS, disabled_by=er.RegistryEntryDisabler.USER)
    assert "recipient" not in (await agent.parameters(STATUS))["properties"]


async def test_the_last_text_to_anyone_and_an_unloaded_account(
    hass: HomeAssistant, agent: Agent, simulator: SmsDkSimulator
) -> None:
    """The last delivery status alone exposed: the tool tells it, without recipients; with the
    account unloaded its sensors are unavailable, and said so."""
    if await agent.absent():
        return
    agent.expose(LAST_STATUS)
    assert "recipient" not in (await agent.parameters(STATUS))["properties"]
    await send_sms(hass, FAR)
    answer = await agent.call(STATUS)
    assert answer.data["recipients"] == []
    assert answer.data["accounts"][0]["last_text"]["status"] == "pending"
    agent.expose(CREDITS, MOR_STATUS)
    await hass.config_entries.async_unload(agent.entry.entry_id)
    assert (await agent.call(STATUS)).data == {
        "recipients": [{"recipient": "Mor", "status": "unavailable"}],
        "accounts": [
            {"account": "SMS.dk", "credits": "unavailable"},
            {"account": "SMS.dk", "last_text": {"status": "unavailable"}},
        ],
    }


async def test_only_the_assist_api_gets_the_tools(agent: Agent) -> None:
    """Another LLM API (an integration's own) is given none of the integration's tools."""
    if await agent.absent():
        return
    from custom_components.sms_dk import llm as platform

    agent.expose(MOR_NOTIFY, CREDITS)
    context = llm.LLMContext("test_agent", Context(), "en", "conversation", None)
    assert platform.async_get_tools(agent.hass, context, "other_api") is None
    assert platform.async_get_tools(agent.hass, context, llm.LLM_API_ASSIST) is not None


async def test_an_error_without_translation_is_told_as_home_assistant_tells_it(
    hass: HomeAssistant,
) -> None:
    """An error with a plain message is told with that message, one whose translation is
    missing by its key, and one without the placeholder its text names with the placeholder
    as written (as Home Assistant shows them)."""
    assert await async_error_text(hass, HomeAssistantError("Broken pipe"), "da") == "Broken pipe"
    missing = HomeAssistantError(translation_domain="sms_dk", translation_key="no_such_error")
    assert await async_error_text(hass, missing, "da") == "no_such_error"
    unnamed = ServiceValidationError(translation_domain="sms_dk", translation_key="invalid_sender")
    assert await async_error_text(hass, unnamed, "da") == (
        '"{sender}" kan ikke være et afsendernavn: '
        "det skal have 3 til 11 tegn eller op til 15 cifre"
    )
