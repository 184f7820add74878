"""Delivery reports through Home Assistant Cloud: a cloudhook made once, used without external URL.

Only the cloud component's calls are mocked (as Home Assistant's own tests do); Home Assistant and
the SMS.dk simulator are real, and the dlrUrl is read from the request the simulator received.
These tests need __init__.py to call reports.async_setup_cloudhook at set-up and
reports.async_remove_cloudhook at removal.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from enum import Enum
import importlib
import logging
import sys
from types import ModuleType
from typing import Any
from unittest.mock import AsyncMock, patch

from homeassistant import components
from homeassistant.components import webhook
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import CONF_API_TOKEN, CONF_URL, CONF_WEBHOOK_ID
from homeassistant.core import HomeAssistant
from homeassistant.core_config import async_process_ha_core_config
from homeassistant.exceptions import HomeAssistantError
from homeassistant.util.aiohttp import MockRequest
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.sms_dk.const import DOMAIN
from tests.conftest import MOR
from tests.helpers import send_sms
from tests.simulator import DEMO_TOKEN, SmsDkSimulator

CLOUD = "homeassistant.components.cloud"
# Where the entry keeps its cloudhook (stored in the entry: existing installs have it there).
CONF_CLOUDHOOK_URL = "cloudhook_url"
HOOK = "https://hooks.nabu.casa/sms-dk-first"
OTHER_HOOK = "https://hooks.nabu.casa/sms-dk-second"
EXTERNAL = "https://sms.example.dk"
LOGGER_NAME = "custom_components.sms_dk"


def cloud_stand_in() -> ModuleType:
    """A module with the cloud component's interface, as it behaves with no Cloud account.

    The cloud component imports camera, Alexa, Assist and more, whose requirements (PyTurboJPEG,
    hassil…) the test environments do not install, so it cannot always be imported here. Every
    test patches the calls it relies on, exactly as it would patch the real component's.
    """
    module = ModuleType(CLOUD)

    class CloudNotAvailable(HomeAssistantError):  # noqa: N818 (the component's name)
        """As the cloud component's."""

    class CloudNotConnected(CloudNotAvailable):
        """As the cloud component's."""

    class CloudConnectionState(Enum):
        """As the cloud component's."""

        CLOUD_CONNECTED = "cloud_connected"
        CLOUD_DISCONNECTED = "cloud_disconnected"

    async def async_create_cloudhook(hass: HomeAssistant, webhook_id: str) -> str:
        raise CloudNotConnected

    async def async_delete_cloudhook(hass: HomeAssistant, webhook_id: str) -> None:
        raise CloudNotAvailable

    module.__dict__.update(
        CloudNotAvailable=CloudNotAvailable,
        CloudNotConnected=CloudNotConnected,
        CloudConnectionState=CloudConnectionState,
        async_is_connected=lambda hass: False,
        async_active_subscription=lambda hass: False,
        async_create_cloudhook=async_create_cloudhook,
        async_delete_cloudhook=async_delete_cloudhook,
        async_listen_connection_change=lambda hass, target: lambda: None,
        async_listen_cloudhook_change=lambda hass, webhook_id, on_change: lambda: None,
    )
    return module


try:
    CLOUD_MODULE = importlib.import_module(CLOUD)
    STAND_IN = False
except ImportError:
    CLOUD_MODULE = cloud_stand_in()
    STAND_IN = True


@dataclass
class FakeCloud:
    """Home Assistant Cloud as the tests set it: logged in or not, connected or not."""

    module: ModuleType
    active: bool = True
    connected: bool = True
    create: AsyncMock = field(default_factory=lambda: AsyncMock(return_value=HOOK))
    delete: AsyncMock = field(default_factory=AsyncMock)
    connection_listeners: list[Callable[[Any], Any]] = field(default_factory=list)
    hook_listeners: list[Callable[[dict[str, Any] | None], None]] = field(default_factory=list)

    @staticmethod
    def listen(listeners: list[Any]) -> Callable[..., Callable[[], None]]:
        def listen(hass: HomeAssistant, *args: Any) -> Callable[[], None]:
            listeners.append(args[-1])
            return lambda: listeners.remove(args[-1])

        return listen

    async def set_connected(self, hass: HomeAssistant, connected: bool) -> None:
        """Cloud connects or disconnects, and says so."""
        self.connected = connected
        state = self.module.CloudConnectionState
        for target in list(self.connection_listeners):
            await target(state.CLOUD_CONNECTED if connected else state.CLOUD_DISCONNECTED)
        await hass.async_block_till_done()

    def hooks_changed(self, hook: dict[str, Any] | None) -> None:
        """Cloud's hooks changed: this is the entry's webhook's (None: Cloud has none)."""
        for listener in list(self.hook_listeners):
            listener(hook)


@pytest.fixture
def cloud(hass: HomeAssistant, monkeypatch: pytest.MonkeyPatch) -> Generator[FakeCloud]:
    """Home Assistant Cloud set up, logged in with an active subscription, and connected."""
    if STAND_IN:
        monkeypatch.setitem(sys.modules, CLOUD, CLOUD_MODULE)
        monkeypatch.setattr(components, "cloud", CLOUD_MODULE, raising=False)
    hass.config.components.add("cloud")
    fake = FakeCloud(CLOUD_MODULE)
    with (
        patch(f"{CLOUD}.async_active_subscription", side_effect=lambda hass: fake.active),
        patch(f"{CLOUD}.async_is_connected", side_effect=lambda hass: fake.connected),
        patch(f"{CLOUD}.async_create_cloudhook", fake.create),
        patch(f"{CLOUD}.async_delete_cloudhook", fake.delete),
        patch(
            f"{CLOUD}.async_listen_connection_change",
            side_effect=fake.listen(fake.connection_listeners),
        ),
        patch(
            f"{CLOUD}.async_listen_cloudhook_change", side_effect=fake.listen(fake.hook_listeners)
        ),
    ):
        yield fake


async def setup(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED


async def dlr_url(hass: HomeAssistant, simulator: SmsDkSimulator) -> str | None:
    """Send a text; return the dlrUrl SMS.dk received with it (None: none was sent)."""
    await send_sms(hass, MOR)
    return simulator.sends[-1].json.get("dlrUrl")


def warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.name == LOGGER_NAME and r.levelno == logging.WARNING
    ]


async def test_cloudhook_made_once_and_sent(
    hass: HomeAssistant,
    simulator: SmsDkSimulator,
    config_entry: MockConfigEntry,
    cloud: FakeCloud,
) -> None:
    """Cloud active, no external URL: one cloudhook, stored, sent as dlrUrl, kept on reload."""
    await setup(hass, config_entry)
    webhook_id = config_entry.data[CONF_WEBHOOK_ID]
    cloud.create.assert_awaited_once_with(hass, webhook_id)
    assert config_entry.data[CONF_CLOUDHOOK_URL] == HOOK
    assert await dlr_url(hass, simulator) == HOOK

    await hass.config_entries.async_reload(config_entry.entry_id)
    await hass.async_block_till_done()
    await cloud.set_connected(hass, True)  # a reconnection does not make another either
    assert cloud.create.await_count == 1
    assert config_entry.data[CONF_WEBHOOK_ID] == webhook_id
    assert await dlr_url(hass, simulator) == HOOK


@pytest.mark.usefixtures("cloud")
async def test_report_relayed_by_cloud(
    hass: HomeAssistant, simulator: SmsDkSimulator, config_entry: MockConfigEntry
) -> None:
    """Cloud hands SMS.dk's call at the cloudhook to the webhook: the log is read at once.

    (The simulator is never asked to call the cloudhook itself: its address is not on this
    machine.)
    """
    await setup(hass, config_entry)
    response = await send_sms(hass, MOR)
    reads = len(simulator.log_reads)
    # As Cloud's client relays a cloudhook call (cloud/client.py, async_webhook_message).
    request = MockRequest(
        content=b"",
        mock_source="cloud",
        method="GET",
        query_string=f"batchId={response['batch_id']}",
    )
    answer = await webhook.async_handle_webhook(hass, config_entry.data[CONF_WEBHOOK_ID], request)
    assert answer.status == 200
    await hass.async_block_till_done(
        wait_background_tasks=True
    )  # the log is read in the background
    assert len(simulator.log_reads) == reads + 1


async def test_external_url_stands(
    hass: HomeAssistant,
    simulator: SmsDkSimulator,
    config_entry: MockConfigEntry,
    cloud: FakeCloud,
) -> None:
    """The user's external URL is used and no cloudhook is made; once cleared, one is."""
    await async_process_ha_core_config(hass, {"external_url": EXTERNAL})
    await setup(hass, config_entry)
    webhook_id = config_entry.data[CONF_WEBHOOK_ID]
    cloud.create.assert_not_awaited()
    assert CONF_CLOUDHOOK_URL not in config_entry.data
    assert await dlr_url(hass, simulator) == f"{EXTERNAL}/api/webhook/{webhook_id}"

    await hass.config.async_update(external_url=None)
    await hass.async_block_till_done()
    cloud.create.assert_awaited_once_with(hass, webhook_id)
    assert await dlr_url(hass, simulator) == HOOK

    # Set again, it is preferred to the cloudhook the entry now has.
    await hass.config.async_update(external_url=EXTERNAL)
    await hass.async_block_till_done()
    assert await dlr_url(hass, simulator) == f"{EXTERNAL}/api/webhook/{webhook_id}"
    assert cloud.create.await_count == 1


async def test_cloud_inactive_means_polling(
    hass: HomeAssistant,
    simulator: SmsDkSimulator,
    config_entry: MockConfigEntry,
    cloud: FakeCloud,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Not logged in (or no subscription): no cloudhook, no dlrUrl; made once subscribed."""
    cloud.active = False
    await setup(hass, config_entry)
    cloud.create.assert_not_awaited()
    assert await dlr_url(hass, simulator) is None
    assert warnings(caplog) == []

    cloud.active = True  # logging in connects Cloud
    await cloud.set_connected(hass, True)
    cloud.create.assert_awaited_once()
    assert await dlr_url(hass, simulator) == HOOK


async def test_expired_subscription_sends_no_cloudhook(
    hass: HomeAssistant,
    simulator: SmsDkSimulator,
    config_entry: MockConfigEntry,
    cloud: FakeCloud,
) -> None:
    """A cloudhook is sent only while the subscription is active; it is kept for its renewal."""
    await setup(hass, config_entry)
    cloud.active = False
    assert await dlr_url(hass, simulator) is None
    assert config_entry.data[CONF_CLOUDHOOK_URL] == HOOK
    cloud.active = True
    assert await dlr_url(hass, simulator) == HOOK
    assert cloud.create.await_count == 1


async def test_made_when_cloud_connects(
    hass: HomeAssistant,
    simulator: SmsDkSimulator,
    config_entry: MockConfigEntry,
    cloud: FakeCloud,
) -> None:
    """At start-up Cloud is usually not connected yet: the cloudhook is made when it is."""
    cloud.connected = False
    await setup(hass, config_entry)
    cloud.create.assert_not_awaited()
    assert await dlr_url(hass, simulator) is None

    await cloud.set_connected(hass, False)
    cloud.create.assert_not_awaited()
    await cloud.set_connected(hass, True)
    cloud.create.assert_awaited_once()
    assert await dlr_url(hass, simulator) == HOOK


@pytest.mark.parametrize(
    "error",
    [
        pytest.param(CLOUD_MODULE.CloudNotConnected, id="not_connected"),
        pytest.param(CLOUD_MODULE.CloudNotAvailable, id="not_available"),
        pytest.param(TimeoutError, id="timeout"),
        # hass_nabucasa's own errors (CloudhookApiError and others) are none of the above.
        pytest.param(lambda: RuntimeError("Nabu Casa API error"), id="api_error"),
    ],
)
async def test_creation_failing_means_polling(
    hass: HomeAssistant,
    simulator: SmsDkSimulator,
    config_entry: MockConfigEntry,
    cloud: FakeCloud,
    caplog: pytest.LogCaptureFixture,
    error: Callable[[], BaseException],
) -> None:
    """Set-up succeeds without a cloudhook; one warning, however often it fails again."""
    cloud.create.side_effect = error()
    await setup(hass, config_entry)
    assert await dlr_url(hass, simulator) is None
    assert CONF_CLOUDHOOK_URL not in config_entry.data
    await cloud.set_connected(hass, True)
    assert cloud.create.await_count == 2
    assert len(warnings(caplog)) == 1
    assert "polling" in warnings(caplog)[0]

    cloud.create.side_effect = None
    await cloud.set_connected(hass, True)
    assert await dlr_url(hass, simulator) == HOOK


async def test_hook_cloud_has_already_is_made_anew(
    hass: HomeAssistant,
    simulator: SmsDkSimulator,
    config_entry: MockConfigEntry,
    cloud: FakeCloud,
) -> None:
    """Cloud has a hook for the webhook but the entry lost its URL: deleted and made again."""
    cloud.create.side_effect = [ValueError("Hook is already enabled for the cloud."), OTHER_HOOK]
    await setup(hass, config_entry)
    webhook_id = config_entry.data[CONF_WEBHOOK_ID]
    cloud.delete.assert_awaited_once_with(hass, webhook_id)
    assert cloud.create.await_count == 2
    assert await dlr_url(hass, simulator) == OTHER_HOOK


async def test_cloud_changes_are_followed(
    hass: HomeAssistant,
    simulator: SmsDkSimulator,
    config_entry: MockConfigEntry,
    cloud: FakeCloud,
) -> None:
    """A hook Cloud forgot (another account logged in) is forgotten, and made anew."""
    await setup(hass, config_entry)
    cloud.hooks_changed({"cloudhook_url": HOOK})  # Cloud's hooks changed, not the entry's
    assert config_entry.data[CONF_CLOUDHOOK_URL] == HOOK

    cloud.hooks_changed(None)
    assert CONF_CLOUDHOOK_URL not in config_entry.data
    assert await dlr_url(hass, simulator) is None

    cloud.create.return_value = OTHER_HOOK
    await cloud.set_connected(hass, True)
    assert await dlr_url(hass, simulator) == OTHER_HOOK
    cloud.hooks_changed({"cloudhook_url": HOOK})
    assert config_entry.data[CONF_CLOUDHOOK_URL] == HOOK


async def test_removal_deletes_the_cloudhook(
    hass: HomeAssistant, config_entry: MockConfigEntry, cloud: FakeCloud
) -> None:
    """Removing the entry deletes its cloudhook."""
    await setup(hass, config_entry)
    webhook_id = config_entry.data[CONF_WEBHOOK_ID]
    await hass.config_entries.async_remove(config_entry.entry_id)
    await hass.async_block_till_done()
    cloud.delete.assert_awaited_once_with(hass, webhook_id)
    assert hass.config_entries.async_get_entry(config_entry.entry_id) is None


async def test_removal_without_cloudhook_deletes_nothing(
    hass: HomeAssistant, config_entry: MockConfigEntry, cloud: FakeCloud
) -> None:
    """An entry that never had a cloudhook asks Cloud for nothing."""
    cloud.active = False
    await setup(hass, config_entry)
    await hass.config_entries.async_remove(config_entry.entry_id)
    await hass.async_block_till_done()
    cloud.delete.assert_not_awaited()


async def test_failing_delete_does_not_stop_removal(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    cloud: FakeCloud,
    caplog: pytest.LogCaptureFixture,
    hass_storage: dict[str, Any],
) -> None:
    """Cloud refusing the deletion is logged; the entry and its stored texts still go."""
    cloud.delete.side_effect = CLOUD_MODULE.CloudNotAvailable()
    await setup(hass, config_entry)
    await send_sms(hass, MOR)
    await hass.config_entries.async_unload(config_entry.entry_id)
    key = f"{DOMAIN}.{config_entry.entry_id}.deliveries"
    assert key in hass_storage
    await hass.config_entries.async_remove(config_entry.entry_id)
    await hass.async_block_till_done()
    cloud.delete.assert_awaited_once()
    assert hass.config_entries.async_get_entry(config_entry.entry_id) is None
    assert key not in hass_storage
    assert len(warnings(caplog)) == 1
    assert "could not be deleted" in warnings(caplog)[0]


async def test_without_cloud_component(
    hass: HomeAssistant,
    simulator: SmsDkSimulator,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Cloud not set up (or not installed): its module is never imported; nothing fails."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="SMS.dk",
        data={
            CONF_API_TOKEN: DEMO_TOKEN,
            CONF_URL: simulator.url,
            # Kept from a time Cloud was set up.
            CONF_CLOUDHOOK_URL: HOOK,
            CONF_WEBHOOK_ID: "webhook-id",
        },
    )
    monkeypatch.setitem(sys.modules, CLOUD, None)  # importing it would fail
    caplog.set_level(logging.DEBUG, LOGGER_NAME)
    await setup(hass, entry)
    assert await dlr_url(hass, simulator) is None
    await hass.config_entries.async_remove(entry.entry_id)
    await hass.async_block_till_done()
    assert hass.config_entries.async_get_entry(entry.entry_id) is None
    assert "Home Assistant Cloud is not set up: delivery reports need" in caplog.text
    assert "its cloudhook cannot be deleted" in caplog.text
    assert warnings(caplog) == []
