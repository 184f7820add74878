"""The recipient subentry flow: a saved recipient is a name and a phone number."""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import ConfigSubentryFlow, SubentryFlowResult
from homeassistant.const import CONF_NAME
from homeassistant.helpers.selector import TextSelector, TextSelectorConfig, TextSelectorType

from .compat import probatio
from .const import CONF_PHONE, SUBENTRY_RECIPIENT
from .smsdk.phone import InvalidPhoneNumberError, normalize_number

RECIPIENT_SCHEMA = probatio.Schema(
    {
        # A recipient is named by the user: the name of its notify entity.
        probatio.Required(CONF_NAME): TextSelector(),
        probatio.Required(CONF_PHONE): TextSelector(
            TextSelectorConfig(type=TextSelectorType.TEL, autocomplete="tel")
        ),
    }
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
        for subentry in self._get_entry().subentries.values():
            if (
                subentry.subentry_type == SUBENTRY_RECIPIENT
                and subentry.subentry_id != current_id
                and subentry.data.get(CONF_PHONE) == number
            ):
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
                return self.async_update_reload_and_abort(
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
