"""The SMS.dk integration: send text messages through the Danish SMS gateway SMS.dk."""

from __future__ import annotations

from homeassistant.const import CONF_NAME, Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import config_validation as cv, discovery, issue_registry as ir
from homeassistant.helpers.typing import ConfigType
from homeassistant.util import slugify
from homeassistant.util.hass_dict import HassKey

from .const import CONF_NOTIFY_NAME, DOMAIN
from .coordinator import SmsDkConfigEntry, low_credits_issue_id
from .data import async_build_runtime_data
from .notify import ATTR_ENTRY_ID
from .services import async_setup_services
from .smsdk.phone import load_metadata
from .storage import async_remove_entry_stores
from .tracking import async_remove_cloudhook

CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)
PLATFORMS: list[Platform] = [Platform.BUTTON, Platform.EVENT, Platform.NOTIFY, Platform.SENSOR]
# The classic notify action is a legacy notify platform, loaded by discovery with this config.
DATA_HASS_CONFIG: HassKey[ConfigType] = HassKey(f"{DOMAIN}_hass_config")


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Register the integration's actions."""
    hass.data[DATA_HASS_CONFIG] = config
    async_setup_services(hass)
    # Numbers are checked in the event loop: their countries' plans must be loaded already.
    await hass.async_add_executor_job(load_metadata)
    return True


async def async_setup_entry(hass: HomeAssistant, entry: SmsDkConfigEntry) -> bool:
    """Set up an SMS.dk account (data.py wires it), its platforms and its classic action."""
    entry.runtime_data = await async_build_runtime_data(hass, entry)
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    entry.async_create_task(
        hass,
        discovery.async_load_platform(
            hass,
            Platform.NOTIFY,
            DOMAIN,
            {CONF_NAME: _legacy_notify_name(hass, entry), ATTR_ENTRY_ID: entry.entry_id},
            hass.data[DATA_HASS_CONFIG],
        ),
        "sms_dk classic notify action",
    )
    return True


async def async_unload_entry(hass: HomeAssistant, entry: SmsDkConfigEntry) -> bool:
    """Unload an SMS.dk account (its classic notify action goes with it: see notify.py)."""
    if not await hass.config_entries.async_unload_platforms(entry, PLATFORMS):
        return False  # still loaded, and still sending
    # A warning about an account that is not loaded (disabled, say) helps nobody.
    ir.async_delete_issue(hass, DOMAIN, low_credits_issue_id(entry.entry_id))
    # Awaited here, in full, before the unload completes: the next set-up must read what this
    # one wrote, not race it (Home Assistant gives the unload callbacks only 10 s).
    await entry.runtime_data.async_shutdown()
    return True


async def async_remove_entry(hass: HomeAssistant, entry: SmsDkConfigEntry) -> None:
    """Forget the entry's cloudhook, stored deliveries, kept texts and repair issues."""
    await async_remove_cloudhook(hass, entry)
    await async_remove_entry_stores(hass, entry.entry_id)
    registry = ir.async_get(hass)
    for domain, issue_id in list(registry.issues):
        if domain == DOMAIN and entry.entry_id in issue_id:
            ir.async_delete_issue(hass, DOMAIN, issue_id)


def _legacy_notify_name(hass: HomeAssistant, entry: SmsDkConfigEntry) -> str:
    """The name of the entry's classic notify action: chosen once, then kept in the entry.

    The first entry gets notify.sms_dk, a second notify.sms_dk_2, and so on; each keeps its
    name across restarts, reloads and renames, so automations always reach the same account.
    """
    if name := entry.data.get(CONF_NOTIFY_NAME):
        return str(name)
    taken = {
        other.data.get(CONF_NOTIFY_NAME)
        for other in hass.config_entries.async_entries(DOMAIN)
        if other.entry_id != entry.entry_id
    }
    base = slugify(entry.title) or DOMAIN
    name = base
    number = 1
    while name in taken or hass.services.has_service("notify", name):
        number += 1
        name = f"{base}_{number}"
    hass.config_entries.async_update_entry(entry, data={**entry.data, CONF_NOTIFY_NAME: name})
    return name
