"""The options of an SMS.dk account: sender name, character replacement, low-credit level."""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import ConfigFlowResult, OptionsFlowWithReload
from homeassistant.const import CONF_URL
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.selector import (
    BooleanSelector,
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
)

from .compat import probatio
from .const import (
    CONF_API_TOKEN,
    CONF_DEFAULT_SENDER,
    CONF_LOW_CREDITS,
    CONF_MAX_PER_DAY,
    CONF_MAX_PER_HOUR,
    CONF_REPLACE_CHARACTERS,
    CONF_SENDER,
    DEFAULT_LOW_CREDITS,
    DEFAULT_MAX_PER_DAY,
    DEFAULT_MAX_PER_HOUR,
    LOGGER,
    is_valid_sender_name,
)
from .data import SmsDkConfigEntry
from .smsdk import SmsDkClient, SmsDkError


class SmsDkOptionsFlow(OptionsFlowWithReload):
    """Choose the sender name among the account's approved ones, and the text options."""

    config_entry: SmsDkConfigEntry

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Show the options; the sender names are read from SMS.dk each time."""
        errors: dict[str, str] = {}
        names: list[str] | None
        # A client of its own: the options also open when the entry is not loaded.
        client = SmsDkClient(
            async_get_clientsession(self.hass),
            self.config_entry.data[CONF_API_TOKEN],
            base_url=self.config_entry.data[CONF_URL],
        )
        try:
            names = [
                name.name for name in await client.get_sender_names() if name.approved is not False
            ]
        except SmsDkError as err:
            LOGGER.debug("Could not read the approved sender names: %s", err)
            names = None
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
                        options=names or [],
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
            description_placeholders={"approved": ", ".join(names or []) or "-"},
        )
