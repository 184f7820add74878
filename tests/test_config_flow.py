"""The config flow, driven through Home Assistant against the SMS.dk simulator over HTTP."""

from __future__ import annotations

from unittest.mock import patch

from homeassistant.config_entries import SOURCE_USER
from homeassistant.const import CONF_API_TOKEN, CONF_URL
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.sms_dk.const import CONF_DEFAULT_SENDER, DOMAIN, ENV_API_URL
from custom_components.sms_dk.smsdk import DEFAULT_BASE_URL, SmsDkClient
from tests.conftest import MOR
from tests.helpers import send_sms
from tests.simulator import DEMO_TOKEN, SmsDkSimulator

pytestmark = pytest.mark.usefixtures("enable_custom_integrations")


@pytest.fixture(autouse=True)
def simulator_is_default(monkeypatch: pytest.MonkeyPatch, simulator: SmsDkSimulator) -> None:
    """Point new entries at the simulator, as scripts/develop does."""
    monkeypatch.setenv(ENV_API_URL, simulator.url)


async def test_user_flow_creates_entry(hass: HomeAssistant, simulator: SmsDkSimulator) -> None:
    """A valid token is checked against the API, then saved."""
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "user"
    assert result["errors"] == {}
    assert "advanced" in result["data_schema"].schema  # the API address, folded away

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_API_TOKEN: f"  {DEMO_TOKEN} "}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "SMS.dk"
    # The account's first approved sender name is saved too: the first text has a sender even
    # if the entry's set-up cannot read the names.
    assert result["data"] == {
        CONF_API_TOKEN: DEMO_TOKEN,
        CONF_URL: simulator.url,
        CONF_DEFAULT_SENDER: "SMSDKDemo",
    }
    checks = [r for r in simulator.requests if r.path == "/v1/user/getcreditvalue"]
    assert checks
    assert checks[0].method == "GET"
    assert checks[0].headers["Authorization"] == f"Bearer {DEMO_TOKEN}"


async def test_user_flow_without_sender_names(
    hass: HomeAssistant, simulator: SmsDkSimulator
) -> None:
    """The token is good but the sender names cannot be read now: the entry is saved anyway,
    without a default sender; its first text reads them, and goes with the first."""
    simulator.faults.only_paths = {"/v1/sendername/list"}
    simulator.faults.page_status = 503
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_API_TOKEN: DEMO_TOKEN}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"] == {CONF_API_TOKEN: DEMO_TOKEN, CONF_URL: simulator.url}
    await hass.async_block_till_done()
    entry = result["result"]
    assert entry.runtime_data.sender.sender_names is None  # set-up could not read them either

    simulator.faults.page_status = None
    await send_sms(hass, MOR, message="Hej")
    assert simulator.sends[-1].json["senderName"] == "SMSDKDemo"
    assert entry.data[CONF_DEFAULT_SENDER] == "SMSDKDemo"


async def test_user_flow_default_is_the_real_api(
    hass: HomeAssistant, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without the developer variable, the advanced section offers https://api.sms.dk."""
    monkeypatch.delenv(ENV_API_URL)
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    advanced = result["data_schema"].schema["advanced"].schema.schema
    url_key = next(key for key in advanced if key == CONF_URL)
    assert url_key.default() == DEFAULT_BASE_URL == "https://api.sms.dk"


async def test_user_flow_advanced_url(
    hass: HomeAssistant, simulator: SmsDkSimulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The advanced section sets the API address (the simulator's, here)."""
    monkeypatch.delenv(ENV_API_URL)
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {CONF_API_TOKEN: DEMO_TOKEN, "advanced": {CONF_URL: f" {simulator.url}/"}},
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"][CONF_URL] == simulator.url


@pytest.mark.parametrize(
    ("fault", "error"),
    [
        ("wrong_token", "invalid_auth"),
        ("drop_connection", "cannot_connect"),
        ("html_404", "cannot_connect"),
        ("server_error", "cannot_connect"),
        ("malformed_json", "cannot_connect"),
        ("stopped", "cannot_connect"),
    ],
)
async def test_user_flow_errors_then_recovers(
    hass: HomeAssistant, simulator: SmsDkSimulator, fault: str, error: str
) -> None:
    """Each failure shows its error on the form; the same flow then succeeds."""
    url = simulator.url
    token = "not-the-token" if fault == "wrong_token" else DEMO_TOKEN
    if fault == "stopped":
        await simulator.stop()
    elif fault != "wrong_token":
        setattr(simulator.faults, fault, True)

    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_API_TOKEN: token}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": error}
    assert not hass.config_entries.async_entries(DOMAIN)

    if fault == "stopped":
        await simulator.start(port=int(url.rsplit(":", 1)[1]))
    elif fault != "wrong_token":
        setattr(simulator.faults, fault, False)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_API_TOKEN: DEMO_TOKEN}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_user_flow_unexpected_error(hass: HomeAssistant) -> None:
    """A bug in the client shows "unknown" rather than a stack trace in the form."""
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    with patch.object(SmsDkClient, "get_credits", side_effect=RuntimeError("boom")):
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {CONF_API_TOKEN: DEMO_TOKEN}
        )
    assert result["errors"] == {"base": "unknown"}


async def test_user_flow_same_token_twice(
    hass: HomeAssistant, simulator: SmsDkSimulator, config_entry: MockConfigEntry
) -> None:
    """The same token cannot be added twice, and is not even checked again."""
    config_entry.add_to_hass(hass)
    requests_before = len(simulator.requests)
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_API_TOKEN: DEMO_TOKEN}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    assert len(simulator.requests) == requests_before


async def test_reauth_flow(
    hass: HomeAssistant, simulator: SmsDkSimulator, init_integration: MockConfigEntry
) -> None:
    """A revoked token is replaced through re-authentication, checked against the API."""
    simulator.token = "new-token-0000"
    result = await init_integration.start_reauth_flow(hass)
    assert result["step_id"] == "reauth_confirm"

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_API_TOKEN: DEMO_TOKEN}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "invalid_auth"}

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_API_TOKEN: "new-token-0000"}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    assert init_integration.data[CONF_API_TOKEN] == "new-token-0000"
    assert init_integration.data[CONF_URL] == simulator.url


async def test_a_token_of_another_account_brings_its_sender_names(
    hass: HomeAssistant, simulator: SmsDkSimulator, init_integration: MockConfigEntry
) -> None:
    """Reconfigured with another account's token, the entry reads that account's sender names
    at once: a text without a sender goes with the new account's first name, not the old one's."""
    simulator.token = "other-account-2222"
    simulator.sender_names[:] = ["Naboen"]
    init_integration.runtime_data.sender.sender_names = None  # as if set-up could not read them
    result = await init_integration.start_reconfigure_flow(hass)
    before = len(simulator.requests)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_API_TOKEN: "other-account-2222"}
    )
    assert result["reason"] == "reconfigure_successful"
    await hass.async_block_till_done(wait_background_tasks=True)
    assert init_integration.data[CONF_DEFAULT_SENDER] == "Naboen"
    # Read once for the new token (the balance read after it does not read them again).
    reads = [r for r in simulator.requests[before:] if r.path == "/v1/sendername/list"]
    assert len(reads) == 1
    await send_sms(hass, MOR, message="Hej")
    assert simulator.sends[-1].json["senderName"] == "Naboen"


async def test_reconfigure_flow(
    hass: HomeAssistant, simulator: SmsDkSimulator, init_integration: MockConfigEntry
) -> None:
    """Reconfiguration changes the token after checking it."""
    simulator.token = "other-token-1111"
    result = await init_integration.start_reconfigure_flow(hass)
    assert result["step_id"] == "reconfigure"

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_API_TOKEN: "typo"}
    )
    assert result["errors"] == {"base": "invalid_auth"}

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_API_TOKEN: "other-token-1111"}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert init_integration.data[CONF_API_TOKEN] == "other-token-1111"
    assert init_integration.data[CONF_URL] == simulator.url


async def test_reconfigure_flow_advanced_url(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """The advanced section of reconfiguration moves the entry to another API address."""
    other = SmsDkSimulator()
    await other.start()
    try:
        result = await init_integration.start_reconfigure_flow(hass)
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {CONF_API_TOKEN: DEMO_TOKEN, "advanced": {CONF_URL: other.url}}
        )
        assert result["reason"] == "reconfigure_successful"
        assert init_integration.data[CONF_URL] == other.url
        assert any(r.path == "/v1/user/getcreditvalue" for r in other.requests)
    finally:
        await hass.async_block_till_done()
        await hass.config_entries.async_unload(init_integration.entry_id)
        await other.stop()


async def test_reconfigure_to_a_token_of_another_entry(
    hass: HomeAssistant, simulator: SmsDkSimulator, init_integration: MockConfigEntry
) -> None:
    """Reconfiguring to a token another entry already has is refused."""
    MockConfigEntry(
        domain=DOMAIN, data={CONF_API_TOKEN: "taken-token", CONF_URL: simulator.url}
    ).add_to_hass(hass)
    result = await init_integration.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_API_TOKEN: "taken-token"}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


async def test_reauth_to_a_token_of_another_entry(
    hass: HomeAssistant, simulator: SmsDkSimulator, init_integration: MockConfigEntry
) -> None:
    """Re-authenticating with the token of another entry is refused."""
    MockConfigEntry(
        domain=DOMAIN, data={CONF_API_TOKEN: "taken-token", CONF_URL: simulator.url}
    ).add_to_hass(hass)
    result = await init_integration.start_reauth_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_API_TOKEN: "taken-token"}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
