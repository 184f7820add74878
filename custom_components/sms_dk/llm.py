"""Assist: tools an LLM conversation agent calls to text a saved recipient, and to ask how it went.

Home Assistant's ``llm`` integration (2026.8 and later) asks every loaded integration's ``llm``
platform for its tools at each turn of a conversation; older releases have no such platform and
never import this module. Only what the user exposed to the assistant is offered or reachable: a
recipient's notify entity to send to it, a sensor to read it. A text goes through
``sms_dk.send_sms`` (services.py), the one path every action takes: its checks and its spend
guard apply, and an agent has no way to lift the guard (no ``ignore_limit``) nor to name a number.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Final, cast, override

from homeassistant.components.homeassistant.exposed_entities import async_should_expose
from homeassistant.components.llm import LLMTools
from homeassistant.components.notify import DOMAIN as NOTIFY_DOMAIN
from homeassistant.components.sensor import DOMAIN as SENSOR_DOMAIN
from homeassistant.const import ATTR_CONFIG_ENTRY_ID, STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant, State, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import config_validation as cv, entity_registry as er
from homeassistant.helpers.llm import LLM_API_ASSIST, LLMContext, Tool, ToolInput

from .compat import probatio, tool_annotations, tool_result
from .const import DOMAIN
from .errors import async_error_text, invalid
from .services import ATTR_MESSAGE, ATTR_RECIPIENTS, SERVICE_SEND_SMS

if TYPE_CHECKING:
    # Only a type here: ToolResult is new in 2026.10 (compat.tool_result).
    from homeassistant.helpers.llm import ToolResult

ARG_RECIPIENT = "recipient"
ARG_MESSAGE = "message"
# The translation keys of the entities the tools use (sensor.py, notify.py).
NOTIFY_KEY = "recipient"
STATUS_KEY = "delivery_status"
LAST_STATUS_KEY = "last_delivery_status"
CREDITS_KEY = "credits"
# The entities the tools use, by domain and translation key.
USED: Final = frozenset(
    {
        (NOTIFY_DOMAIN, NOTIFY_KEY),
        (SENSOR_DOMAIN, STATUS_KEY),
        (SENSOR_DOMAIN, LAST_STATUS_KEY),
        (SENSOR_DOMAIN, CREDITS_KEY),
    }
)
# What a delivery status sensor tells of its text, besides the status.
STATUS_ATTRIBUTES = ("sent", "parts", "credits")


@dataclass(frozen=True, slots=True)
class Exposed:
    """An entity of the integration the user exposed to the assistant, and whose it is."""

    entity_id: str
    entry_id: str
    key: str  # the entity's translation key: which of the integration's entities it is
    name: str  # the recipient's (its subentry's title), or the account's
    aliases: tuple[str, ...]  # the aliases the user gave the entity (entity registry)


@callback
def async_get_tools(hass: HomeAssistant, llm_context: LLMContext, api_id: str) -> LLMTools | None:
    """The tools for what the user exposed to the assistant (none when nothing is)."""
    if api_id != LLM_API_ASSIST:
        return None
    tools: list[Tool] = []
    exposed = _exposed(hass, llm_context)
    if recipients := _by_name(exposed.get((NOTIFY_DOMAIN, NOTIFY_KEY), [])):
        tools.append(SendTextTool(recipients))
    statuses = _by_name(exposed.get((SENSOR_DOMAIN, STATUS_KEY), []))
    accounts = [
        *exposed.get((SENSOR_DOMAIN, CREDITS_KEY), []),
        *exposed.get((SENSOR_DOMAIN, LAST_STATUS_KEY), []),
    ]
    if statuses or accounts:
        tools.append(StatusTool(statuses, accounts))
    return LLMTools(tools=tools) if tools else None


def _exposed(hass: HomeAssistant, llm_context: LLMContext) -> dict[tuple[str, str], list[Exposed]]:
    """The entities the tools use that the user exposed to the assistant, by (domain, key).

    An entity the user disabled is not offered, exposed or not: it has no state to tell, and a
    recipient whose notify entity is disabled is not to be texted.
    """
    registry = er.async_get(hass)
    found: dict[tuple[str, str], list[Exposed]] = {}
    for entry in hass.config_entries.async_entries(DOMAIN):
        for entity in er.async_entries_for_config_entry(registry, entry.entry_id):
            used = (entity.domain, entity.translation_key or "")
            if (
                used not in USED
                or entity.disabled
                or not async_should_expose(hass, llm_context.assistant, entity.entity_id)
            ):
                continue
            subentry = entry.subentries.get(entity.config_subentry_id or "")
            name = subentry.title if subentry else entry.title
            # The user's own aliases; the entity's name ("Mor SMS") names a recipient no better.
            aliases = tuple(alias.strip() for alias in entity.aliases if isinstance(alias, str))
            found.setdefault(used, []).append(
                Exposed(entity.entity_id, entry.entry_id, used[1], name, aliases)
            )
    return found


def _by_name(exposed: list[Exposed]) -> dict[str, Exposed]:
    """The recipients by each name they go by: their own, and their entity's aliases.

    A name two recipients go by (an alias that is another recipient's name, or recipients of
    the same name on two accounts) names neither: a text must never reach the wrong person.
    """
    named: dict[str, Exposed | None] = {}
    for recipient in exposed:
        for name in dict.fromkeys([recipient.name, *recipient.aliases]):
            named[name] = recipient if named.get(name, recipient) == recipient else None
    return {name: recipient for name, recipient in sorted(named.items()) if recipient}


async def _error(
    hass: HomeAssistant, llm_context: LLMContext, err: HomeAssistantError
) -> ToolResult:
    """A refusal as the agent gets it: an error result with the reason in the user's language.

    The keys are those Home Assistant's chat log gives an error a tool raises.
    """
    text = await async_error_text(hass, err, llm_context.language or hass.config.language)
    return tool_result({"error": type(err).__name__, "error_text": text}, error=True)


def _for_agent(err: HomeAssistantError) -> HomeAssistantError:
    """*err* as an agent should read it: the spend limit's text without ``ignore_limit``.

    The action's text offers ignore_limit for an emergency; an agent cannot send with it (the
    tool has no such parameter, on purpose), so it is told only what the user can do.
    """
    if err.translation_domain != DOMAIN:
        return err
    placeholders = err.translation_placeholders or {}
    if err.translation_key == "spend_limit_hour":
        return invalid("assist_spend_limit_hour", **placeholders)
    if err.translation_key == "spend_limit_day":
        return invalid("assist_spend_limit_day", **placeholders)
    return err


class RecipientTool(Tool):
    """A tool of the integration, for saved recipients named by the names they go by."""

    integration = DOMAIN

    def __init__(self, recipients: dict[str, Exposed]) -> None:
        """Offer *recipients* by their names."""
        self._recipients = recipients

    def _recipient(self, asked: Any) -> Exposed:
        """The recipient the model named; raises for any other (a number, a list, nothing)."""
        recipient = self._recipients.get(asked) if isinstance(asked, str) else None
        if recipient is None:
            raise invalid(
                "assist_unknown_recipient", name=str(asked), recipients=", ".join(self._recipients)
            )
        return recipient


class SendTextTool(RecipientTool):
    """Send a text to a saved recipient the user exposed to the assistant."""

    name = f"{DOMAIN}__send_text"
    title = "Send a text message"
    description = (
        "Send a text message (SMS) with SMS.dk to one of the user's saved recipients. "
        "Each text costs credits and cannot be taken back: send only what the user asked for, "
        "once. Tells whether SMS.dk took the text, or it is queued until SMS.dk can be reached, "
        "or why it was refused (for example the hourly or daily limit of texts)."
    )
    # A text adds to what is there and takes nothing away, so it is not destructive; sent twice
    # it arrives twice, and it leaves Home Assistant for the phone network.
    annotations = tool_annotations(
        read_only=False, destructive=False, idempotent=False, open_world=True
    )

    def __init__(self, recipients: dict[str, Exposed]) -> None:
        """Offer *recipients* by their names."""
        super().__init__(recipients)
        self.parameters = probatio.Schema(
            {
                probatio.Required(ARG_RECIPIENT, description="Who gets the text"): probatio.In(
                    list(recipients)
                ),
                probatio.Required(ARG_MESSAGE, description="The text to send"): cv.string,
            }
        )

    @override
    async def async_call(
        self, hass: HomeAssistant, tool_input: ToolInput, llm_context: LLMContext
    ) -> ToolResult:
        """Send the text, and tell what happened as sms_dk.send_sms does."""
        args = tool_input.tool_args
        try:
            recipient = self._recipient(args.get(ARG_RECIPIENT))
            response = await hass.services.async_call(
                DOMAIN,
                SERVICE_SEND_SMS,
                {
                    ATTR_CONFIG_ENTRY_ID: recipient.entry_id,
                    ATTR_RECIPIENTS: [recipient.entity_id],
                    # A missing message is an empty one: the send path's own check refuses it.
                    ATTR_MESSAGE: str(args.get(ARG_MESSAGE) or ""),
                },
                blocking=True,
                context=llm_context.context,
                return_response=True,
            )
        except HomeAssistantError as err:
            return await _error(hass, llm_context, _for_agent(err))
        # Asked for, sms_dk.send_sms always answers (services.py).
        return tool_result(_named(cast("dict[str, Any]", response), recipient.name))


def _named(response: dict[str, Any], name: str) -> dict[str, Any]:
    """The action's response with the recipient's name where its number was.

    The agent (often a service on the internet) needs no phone number to tell the user.
    """
    return {
        ARG_RECIPIENT: name,
        **response,
        "accepted": [{**accepted, "receiver": name} for accepted in response["accepted"]],
        "queued": [name for _ in response["queued"]],
    }


class StatusTool(RecipientTool):
    """Whether the last texts arrived, and the credits left, from the exposed sensors."""

    name = f"{DOMAIN}__get_status"
    title = "Text message status"
    description = (
        "Tell whether the last text to a saved recipient arrived (its delivery status: "
        "pending, delivered, rejected, expired or buffered; unknown before the first text), "
        "and how many SMS.dk credits are left."
    )
    annotations = tool_annotations(
        read_only=True, destructive=False, idempotent=True, open_world=False
    )

    def __init__(self, recipients: dict[str, Exposed], accounts: list[Exposed]) -> None:
        """Tell of *recipients* (by their names), and of the accounts' exposed sensors."""
        super().__init__(recipients)
        self._accounts = accounts
        schema: dict[Any, Any] = {}
        if recipients:
            schema[
                probatio.Optional(
                    ARG_RECIPIENT, description="Only this recipient (all when left out)"
                )
            ] = probatio.In(list(recipients))
        self.parameters = probatio.Schema(schema)

    @override
    async def async_call(
        self, hass: HomeAssistant, tool_input: ToolInput, llm_context: LLMContext
    ) -> ToolResult:
        """Read the sensors' states."""
        asked = tool_input.tool_args.get(ARG_RECIPIENT)
        try:
            # Each recipient once, though it goes by several names.
            chosen = (
                list(dict.fromkeys(self._recipients.values()))
                if asked is None
                else [self._recipient(asked)]
            )
        except HomeAssistantError as err:
            return await _error(hass, llm_context, err)
        data: dict[str, Any] = {
            "recipients": [
                {ARG_RECIPIENT: exposed.name, **_status(hass, exposed.entity_id)}
                for exposed in chosen
            ]
        }
        if asked is None:
            data["accounts"] = [_account(hass, exposed) for exposed in self._accounts]
        return tool_result(data)


def _state(hass: HomeAssistant, entity_id: str) -> State:
    """The entity's state; one without (gone since the tools were listed) is unavailable."""
    return hass.states.get(entity_id) or State(entity_id, STATE_UNAVAILABLE)


def _status(hass: HomeAssistant, entity_id: str) -> dict[str, Any]:
    """A delivery status sensor's state, and what it tells of the text (JSON for the agent)."""
    state = _state(hass, entity_id)
    told = {"status": state.state}
    for key in STATUS_ATTRIBUTES:
        if (value := state.attributes.get(key)) is not None:
            told[key] = value.isoformat() if isinstance(value, datetime) else value
    return told


def _account(hass: HomeAssistant, exposed: Exposed) -> dict[str, Any]:
    """The credits left, or the last text to anyone, of one account."""
    if exposed.key == CREDITS_KEY:
        return {"account": exposed.name, "credits": _state(hass, exposed.entity_id).state}
    return {"account": exposed.name, "last_text": _status(hass, exposed.entity_id)}
