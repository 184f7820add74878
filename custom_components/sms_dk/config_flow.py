"""The flows of the SMS.dk integration: the account, its options, and recipient subentries."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, override

from homeassistant.config_entries import (
    SOURCE_USER,
    ConfigEntry,
    ConfigEntryState,
    ConfigFlow,
    ConfigFlowResult,
    ConfigSubentryFlow,
    FlowType,
    OptionsFlow,
    SubentryFlowContext,
    SubentryFlowResult,
)
from homeassistant.const import CONF_API_TOKEN, CONF_NAME, CONF_SENDER, CONF_URL
from homeassistant.core import callback
from homeassistant.data_entry_flow import section
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.selector import (
    BooleanSelector,
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)

from .compat import probatio
from .const import (
    CONF_DEFAULT_SENDER,
    CONF_LOW_CREDITS,
    CONF_MAX_PER_DAY,
    CONF_MAX_PER_HOUR,
    CONF_PHONE,
    CONF_REPLACE_CHARACTERS,
    DEFAULT_LOW_CREDITS,
    DEFAULT_MAX_PER_DAY,
    DEFAULT_MAX_PER_HOUR,
    DOMAIN,
    LOGGER,
    SUBENTRY_RECIPIENT,
    default_api_url,
    is_valid_sender_name,
)
from .coordinator import SmsDkConfigEntry
from .models import saved_recipients
from .sending import async_read_sender_names
from .smsdk import (
    DEFAULT_BASE_URL,
    SmsDkAuthenticationError,
    SmsDkClient,
    SmsDkConnectionError,
    SmsDkError,
    token_is_well_formed,
)
from .smsdk.phone import InvalidPhoneNumberError, normalize_number

TITLE = "SMS.dk"
# A collapsed section holds the API address: only developers testing against a simulator change it.
SECTION_ADVANCED = "advanced"
# The address is a placeholder of the section's help text: hassfest allows no URL in translations.
URL_PLACEHOLDERS = {"default_url": DEFAULT_BASE_URL}

TOKEN_SELECTOR = TextSelector(
    TextSelectorConfig(type=TextSelectorType.PASSWORD, autocomplete="off")
)
URL_SELECTOR = TextSelector(TextSelectorConfig(type=TextSelectorType.URL))

RECIPIENT_SCHEMA = probatio.Schema(
    {
        # A recipient is named by the user: the name of its notify entity.
        probatio.Required(CONF_NAME): TextSelector(),
        probatio.Required(CONF_PHONE): TextSelector(
            TextSelectorConfig(type=TextSelectorType.TEL, autocomplete="tel")
        ),
    }
)


class SmsDkConfigFlow(ConfigFlow, domain=DOMAIN):
    """Set up an SMS.dk account from its API token."""

    VERSION = 1
    MINOR_VERSION = 1

    @classmethod
    @callback
    @override
    def async_get_supported_subentry_types(
        cls, config_entry: ConfigEntry
    ) -> dict[str, type[ConfigSubentryFlow]]:
        """Recipients are subentries: "Add recipient" in the entry's menu."""
        return {SUBENTRY_RECIPIENT: RecipientSubentryFlow}

    @staticmethod
    @callback
    @override
    def async_get_options_flow(config_entry: ConfigEntry) -> SmsDkOptionsFlow:
        """Sender name and text options."""
        return SmsDkOptionsFlow()

    async def _async_validate(self, token: str, url: str) -> dict[str, str]:
        """Check the token by reading the credit balance; return the form errors."""
        if not token_is_well_formed(token):
            # A pasted line break or tab: no request, and a form error that says what is wrong.
            return {"base": "invalid_token_characters"}
        client = SmsDkClient(async_get_clientsession(self.hass), token, base_url=url)
        try:
            await client.get_credits()
        except SmsDkAuthenticationError:
            return {"base": "invalid_auth"}
        except SmsDkConnectionError:
            return {"base": "cannot_connect"}
        except SmsDkError as err:
            # An answer that is not SMS.dk's (wrong address, a proxy's error page, an outage).
            LOGGER.debug("SMS.dk refused the credit request: %s", err)
            return {"base": "cannot_connect"}
        except Exception:  # noqa: BLE001 (the form must show an error, never crash)
            LOGGER.exception("Unexpected error while checking the SMS.dk token")
            return {"base": "unknown"}
        return {}

    async def _async_default_sender(self, token: str, url: str) -> dict[str, str]:
        """The account's default sender name (its first approved one) as entry data, if told.

        Saved with a new entry, it gives the first text a sender even when the entry's set-up
        cannot read the names (set-up reads them again, and keeps the default current).
        """
        client = SmsDkClient(async_get_clientsession(self.hass), token, base_url=url)
        names = await async_read_sender_names(client)
        return {CONF_DEFAULT_SENDER: names[0]} if names else {}

    @staticmethod
    def _schema(*, url: str | None) -> probatio.Schema:
        """The token field, and the API address in a collapsed section unless *url* is None."""
        fields: dict[Any, Any] = {probatio.Required(CONF_API_TOKEN): TOKEN_SELECTOR}
        if url is not None:
            fields[probatio.Optional(SECTION_ADVANCED)] = section(
                probatio.Schema({probatio.Required(CONF_URL, default=url): URL_SELECTOR}),
                {"collapsed": True},
            )
        return probatio.Schema(fields)

    @staticmethod
    def _url(user_input: dict[str, Any], default: str) -> str:
        url: str = user_input.get(SECTION_ADVANCED, {}).get(CONF_URL) or default
        return url.strip().rstrip("/")

    def _async_update_and_abort(
        self, entry: SmsDkConfigEntry, updates: dict[str, Any], reason: str
    ) -> ConfigFlowResult:
        """Save the new token (and address) and finish.

        A loaded entry takes them in place (its update listener, in data.py): no reload, so no
        text meets an entry that is not there. One that is not loaded (its token was refused at
        set-up) is set up again with them.
        """
        if entry.state is ConfigEntryState.LOADED:
            return self.async_update_and_abort(entry, data_updates=updates, reason=reason)
        return self.async_update_reload_and_abort(entry, data_updates=updates, reason=reason)

    @override
    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Ask for the API token (and, folded away, the API address)."""
        errors: dict[str, str] = {}
        if user_input is not None:
            token = user_input[CONF_API_TOKEN].strip()
            url = self._url(user_input, default_api_url())
            self._async_abort_entries_match({CONF_API_TOKEN: token})
            errors = await self._async_validate(token, url)
            if not errors:
                return self.async_create_entry(
                    title=TITLE,
                    data={
                        CONF_API_TOKEN: token,
                        CONF_URL: url,
                        **await self._async_default_sender(token, url),
                    },
                )
        return self.async_show_form(
            step_id="user",
            data_schema=self.add_suggested_values_to_schema(
                self._schema(url=default_api_url()), user_input
            ),
            errors=errors,
            description_placeholders=URL_PLACEHOLDERS,
        )

    @override
    async def async_on_create_entry(self, result: ConfigFlowResult) -> ConfigFlowResult:
        """Go straight on to "Add recipient" once the account is saved, as core's ntfy does.

        Home Assistant calls this since 2026.5 (compat.FIRST_RECIPIENT_STEP). The account works
        without a recipient: closing the form (the frontend then deletes the flow) skips it, and
        recipients can be added later from the entry's page.
        """
        recipient_flow = await self.hass.config_entries.subentries.async_init(
            (result["result"].entry_id, SUBENTRY_RECIPIENT),
            context=SubentryFlowContext(source=SOURCE_USER),
        )
        result["next_flow"] = (FlowType.CONFIG_SUBENTRIES_FLOW, recipient_flow["flow_id"])
        return result

    async def async_step_reauth(self, entry_data: Mapping[str, Any]) -> ConfigFlowResult:
        """Start re-authentication after the API refused the token."""
        return await self.async_step_reauth_confirm()

    async def async_step_reauth_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for a new token."""
        errors: dict[str, str] = {}
        entry = self._get_reauth_entry()
        if user_input is not None:
            token = user_input[CONF_API_TOKEN].strip()
            if token != entry.data[CONF_API_TOKEN]:
                self._async_abort_entries_match({CONF_API_TOKEN: token})
            errors = await self._async_validate(token, entry.data[CONF_URL])
            if not errors:
                return self._async_update_and_abort(
                    entry, {CONF_API_TOKEN: token}, reason="reauth_successful"
                )
        return self.async_show_form(
            step_id="reauth_confirm",
            data_schema=self._schema(url=None),
            errors=errors,
        )

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change the token (and, folded away, the API address)."""
        errors: dict[str, str] = {}
        entry = self._get_reconfigure_entry()
        if user_input is not None:
            token = user_input[CONF_API_TOKEN].strip()
            url = self._url(user_input, entry.data[CONF_URL])
            if token != entry.data[CONF_API_TOKEN]:
                self._async_abort_entries_match({CONF_API_TOKEN: token})
            errors = await self._async_validate(token, url)
            if not errors:
                return self._async_update_and_abort(
                    entry, {CONF_API_TOKEN: token, CONF_URL: url}, reason="reconfigure_successful"
                )
        return self.async_show_form(
            step_id="reconfigure",
            data_schema=self.add_suggested_values_to_schema(
                self._schema(url=entry.data[CONF_URL]), user_input
            ),
            errors=errors,
            description_placeholders=URL_PLACEHOLDERS,
        )


class SmsDkOptionsFlow(OptionsFlow):
    """Choose the sender name among the account's approved ones, and the text options.

    They take effect in place, without a reload: each is read where it is used, at each text
    (and the low-credit level by the entry's update listener, in data.py).
    """

    config_entry: SmsDkConfigEntry

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Show the options; the sender names are read from SMS.dk each time."""
        errors: dict[str, str] = {}
        # A client of its own: the options also open when the entry is not loaded.
        client = SmsDkClient(
            async_get_clientsession(self.hass),
            self.config_entry.data[CONF_API_TOKEN],
            base_url=self.config_entry.data[CONF_URL],
        )
        names = await async_read_sender_names(client)
        if user_input is not None:
            sender = (user_input.get(CONF_SENDER) or "").strip()
            if sender and not is_valid_sender_name(sender):
                errors[CONF_SENDER] = "invalid_sender"
            elif sender and names is not None and sender not in names:
                errors[CONF_SENDER] = "unapproved_sender"
            else:
                options: dict[str, Any] = {
                    CONF_REPLACE_CHARACTERS: user_input[CONF_REPLACE_CHARACTERS],
                    CONF_LOW_CREDITS: user_input[CONF_LOW_CREDITS],
                    CONF_MAX_PER_HOUR: int(user_input[CONF_MAX_PER_HOUR]),
                    CONF_MAX_PER_DAY: int(user_input[CONF_MAX_PER_DAY]),
                }
                if sender:
                    options[CONF_SENDER] = sender
                return self.async_create_entry(data=options)
        elif names is None:
            errors["base"] = "sender_names_unavailable"
        schema = probatio.Schema(
            {
                probatio.Optional(CONF_SENDER): SelectSelector(
                    SelectSelectorConfig(
                        options=list(names or ()),
                        custom_value=True,
                        mode=SelectSelectorMode.DROPDOWN,
                    )
                ),
                probatio.Required(CONF_REPLACE_CHARACTERS, default=False): BooleanSelector(),
                probatio.Required(CONF_LOW_CREDITS, default=DEFAULT_LOW_CREDITS): NumberSelector(
                    NumberSelectorConfig(min=0, step=1, mode=NumberSelectorMode.BOX)
                ),
                probatio.Required(CONF_MAX_PER_HOUR, default=DEFAULT_MAX_PER_HOUR): NumberSelector(
                    NumberSelectorConfig(min=0, step=1, mode=NumberSelectorMode.BOX)
                ),
                probatio.Required(CONF_MAX_PER_DAY, default=DEFAULT_MAX_PER_DAY): NumberSelector(
                    NumberSelectorConfig(min=0, step=1, mode=NumberSelectorMode.BOX)
                ),
            }
        )
        # The sender in use is shown, also when none was chosen (the first approved name).
        in_use = (
            self.config_entry.options.get(CONF_SENDER)
            or (names[0] if names else None)
            or self.config_entry.data.get(CONF_DEFAULT_SENDER)
        )
        suggested = {**self.config_entry.options}
        if in_use:
            suggested[CONF_SENDER] = in_use
        return self.async_show_form(
            step_id="init",
            data_schema=self.add_suggested_values_to_schema(schema, user_input or suggested),
            errors=errors,
            description_placeholders={"approved": ", ".join(names or ()) or "-"},
        )


class RecipientSubentryFlow(ConfigSubentryFlow):
    """Add or change a saved recipient: a name and a phone number."""

    def _validate(
        self, user_input: dict[str, Any], current_id: str | None
    ) -> tuple[str | None, dict[str, str]]:
        """Return the normalised number and the form errors."""
        try:
            number = normalize_number(user_input[CONF_PHONE])
        except InvalidPhoneNumberError:
            return None, {CONF_PHONE: "invalid_phone"}
        for subentry in saved_recipients(self._get_entry()):
            if subentry.subentry_id != current_id and subentry.data.get(CONF_PHONE) == number:
                return None, {CONF_PHONE: "recipient_exists"}
        if not user_input[CONF_NAME].strip():
            return None, {CONF_NAME: "empty_name"}
        return number, {}

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> SubentryFlowResult:
        """Add a recipient."""
        errors: dict[str, str] = {}
        if user_input is not None:
            number, errors = self._validate(user_input, None)
            if number is not None:
                return self.async_create_entry(
                    title=user_input[CONF_NAME].strip(),
                    data={CONF_PHONE: number},
                    unique_id=number,
                )
        return self.async_show_form(
            step_id="user",
            data_schema=self.add_suggested_values_to_schema(RECIPIENT_SCHEMA, user_input),
            errors=errors,
        )

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """Change a recipient's name or number."""
        subentry = self._get_reconfigure_subentry()
        errors: dict[str, str] = {}
        if user_input is not None:
            number, errors = self._validate(user_input, subentry.subentry_id)
            if number is not None:
                # The entry's update listener (data.py) reloads it: the recipient's entities
                # are made anew with the new name and number.
                return self.async_update_and_abort(
                    self._get_entry(),
                    subentry,
                    title=user_input[CONF_NAME].strip(),
                    data={CONF_PHONE: number},
                    unique_id=number,
                )
        suggested = user_input or {
            CONF_NAME: subentry.title,
            CONF_PHONE: f"+{subentry.data[CONF_PHONE]}",
        }
        return self.async_show_form(
            step_id="reconfigure",
            data_schema=self.add_suggested_values_to_schema(RECIPIENT_SCHEMA, suggested),
            errors=errors,
        )
