"""The blueprint "Send a text by voice": Assist without an LLM sends what was said, and says so.

Loaded with Home Assistant's blueprint machinery and schema, then used as a user does: an
automation made from it, and a sentence said to Assist (``conversation.async_converse``, what a
voice satellite's pipeline calls with the recognised speech); the text goes to the simulator. The
sentence trigger and ``set_conversation_response`` are on every supported release, so these run
on the oldest (``scripts/test --matrix``) as on the newest.
"""

from __future__ import annotations

from pathlib import Path

from homeassistant.components import conversation
from homeassistant.components.automation.config import AUTOMATION_BLUEPRINT_SCHEMA
from homeassistant.core import Context, HomeAssistant
from homeassistant.helpers import config_validation as cv
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.sms_dk.const import CONF_MAX_PER_DAY, CONF_MAX_PER_HOUR
from tests.conftest import MOR
from tests.helpers import blueprint_config_dir, load_blueprint
from tests.simulator import SmsDkSimulator

pytestmark = pytest.mark.timeout(60)

PATH = "sms_dk/send_by_voice.yaml"
AUTOMATION = "automation.text_mor"


def test_blueprint_is_valid() -> None:
    """The blueprint passes the automation integration's blueprint schema, runs on every
    supported release, and asks for a recipient among the integration's notify entities."""
    blueprint = load_blueprint(PATH, AUTOMATION_BLUEPRINT_SCHEMA)
    assert blueprint.name == "Send a text by voice"
    assert blueprint.validate() is None  # min_version is met
    assert blueprint.metadata["homeassistant"]["min_version"] == "2026.3.4"
    assert blueprint.metadata["source_url"].endswith(
        "/sms-dk-ha/sms_dk/blob/main/blueprints/automation/sms_dk/send_by_voice.yaml"
    )
    inputs = blueprint.inputs
    assert list(inputs) == [
        "sentences",
        "recipient",
        "sent_response",
        "queued_response",
        "refused_response",
    ]
    assert all(value.get("name") and value.get("description") for value in inputs.values())
    assert inputs["sentences"]["default"] == ["text mor {message}", "sms til mor {message}"]
    entity = inputs["recipient"]["selector"]["entity"]
    assert not entity.get("multiple")
    assert [(cv.ensure_list(f["domain"]), f["integration"]) for f in entity["filter"]] == [
        (["notify"], "sms_dk")
    ]
    # The recipient has no default: the user chooses whom the sentences text.
    assert "default" not in inputs["recipient"]


@pytest.fixture
def config_dir(tmp_path: Path) -> Path:
    """A config folder with the blueprint where Home Assistant looks for it."""
    return blueprint_config_dir(tmp_path, PATH)


@pytest.fixture
async def voice(hass: HomeAssistant, config_dir: Path, init_integration: MockConfigEntry) -> None:
    """Assist (conversation, no LLM) and an automation from the blueprint for Mor, with its
    default sentences and answers."""
    hass.config.config_dir = str(config_dir)
    assert await async_setup_component(hass, "homeassistant", {})
    assert await async_setup_component(hass, "conversation", {})
    assert await async_setup_component(
        hass,
        "automation",
        {
            "automation": {
                "id": "text_mor",
                "alias": "Text Mor",
                "use_blueprint": {"path": PATH, "input": {"recipient": "notify.mor_sms"}},
            }
        },
    )
    await hass.async_block_till_done()
    assert hass.states.get(AUTOMATION).state == "on"  # the instance config is valid


async def say(hass: HomeAssistant, sentence: str) -> str:
    """Say *sentence* to Assist, and return what it answers."""
    result = await conversation.async_converse(hass, sentence, None, Context(), language="da")
    await hass.async_block_till_done()
    speech: str = result.response.speech["plain"]["speech"]
    return speech


@pytest.mark.usefixtures("voice")
@pytest.mark.parametrize("sentence", ["Text Mor", "sms til mor"])
async def test_a_sentence_sends_what_was_said(
    hass: HomeAssistant, simulator: SmsDkSimulator, sentence: str
) -> None:
    """Either default sentence sends the rest of what was said to Mor, once, and Assist says it
    was sent."""
    answer = await say(hass, f"{sentence} Kommer du til middag i aften")
    assert answer == "Sms sendt til Mor."
    assert [(m.receiver, m.message) for m in simulator.messages] == [
        (int(MOR), "Kommer du til middag i aften")
    ]


@pytest.mark.usefixtures("voice")
async def test_a_text_sms_dk_cannot_take_now_is_queued_and_said_so(
    hass: HomeAssistant, simulator: SmsDkSimulator
) -> None:
    """SMS.dk cannot be reached: the text is kept, and Assist says it goes when it can."""
    simulator.faults.drop_connection = True
    answer = await say(hass, "text mor Ring til mig")
    assert answer == (
        "SMS.dk svarer ikke lige nu. Sms'en til Mor sendes, så snart det kan lade sig gøre."
    )
    assert simulator.messages == []
    assert hass.states.get("sensor.sms_dk_queued_texts").state == "1"


async def test_a_refused_text_is_said_so(
    hass: HomeAssistant,
    simulator: SmsDkSimulator,
    init_integration: MockConfigEntry,
    voice: None,
) -> None:
    """Over the spend guard's limit the text is not sent, and Assist says so (no error)."""
    hass.config_entries.async_update_entry(
        init_integration,
        options={**init_integration.options, CONF_MAX_PER_HOUR: 1, CONF_MAX_PER_DAY: 10},
    )
    await hass.async_block_till_done()
    assert await say(hass, "text mor Første") == "Sms sendt til Mor."
    assert await say(hass, "text mor Anden") == "Sms'en til Mor blev ikke sendt."
    assert [m.message for m in simulator.messages] == ["Første"]


@pytest.mark.usefixtures("voice")
async def test_other_sentences_send_nothing(hass: HomeAssistant, simulator: SmsDkSimulator) -> None:
    """A sentence the automation does not have reaches no recipient."""
    await say(hass, "text far Kommer du til middag")
    assert simulator.sends == []
