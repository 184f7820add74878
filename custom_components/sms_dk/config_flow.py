"""Config flow of the SMS.dk integration: account, options and recipient subentries."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, override

from homeassistant.config_entries import (
    ConfigEntry,
    ConfigFlow,
    ConfigFlowResult,
    ConfigSubentryFlow,
)
from homeassistant.const import CONF_URL
from homeassistant.core import callback
from homeassistant.data_entry_flow import section
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.selector import (
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)

from .compat import probatio
from .const import (
    CONF_API_TOKEN,
    DOMAIN,
    LOGGER,
    SUBENTRY_RECIPIENT,
    default_api_url,
)
from .options_flow import SmsDkOptionsFlow
from .recipient_flow import RecipientSubentryFlow
from .smsdk import (
    DEFAULT_BASE_URL,
    SmsDkAuthenticationError,
    SmsDkClient,
    SmsDkConnectionError,
    SmsDkError,
    token_is_well_formed,
)

TITLE = "SMS.dk"
# A collapsed section holds the API address: only developers testing against a simulator change it.
SECTION_ADVANCED = "advanced"
# The address is a placeholder of the section's help text: hassfest allows no URL in translations.
URL_PLACEHOLDERS = {"default_url": DEFAULT_BASE_URL}

TOKEN_SELECTOR = TextSelector(
    TextSelectorConfig(type=TextSelectorType.PASSWORD, autocomplete="off")
)
URL_SELECTOR = TextSelector(TextSelectorConfig(type=TextSelectorType.URL))


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
                    title=TITLE, data={CONF_API_TOKEN: token, CONF_URL: url}
                )
        return self.async_show_form(
            step_id="user",
            data_schema=self.add_suggested_values_to_schema(
                self._schema(url=default_api_url()), user_input
            ),
            errors=errors,
            description_placeholders=URL_PLACEHOLDERS,
        )

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
                return self.async_update_reload_and_abort(
                    entry, data_updates={CONF_API_TOKEN: token}
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
                return self.async_update_reload_and_abort(
                    entry, data_updates={CONF_API_TOKEN: token, CONF_URL: url}
                )
        return self.async_show_form(
            step_id="reconfigure",
            data_schema=self.add_suggested_values_to_schema(
                self._schema(url=entry.data[CONF_URL]), user_input
            ),
            errors=errors,
            description_placeholders=URL_PLACEHOLDERS,
        )
