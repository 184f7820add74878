"""Every input is safe: what a user or a template can type gives a translated error, never a crash.

The first tests pin the inputs that crashed 0.1; the property-based ones throw arbitrary action
data at all three ways of sending and check that only Home Assistant's own validation errors come
back, and that nothing invalid ever reaches SMS.dk.
"""

from __future__ import annotations

from datetime import timedelta
import logging
from typing import Any

from homeassistant.config_entries import SOURCE_USER
from homeassistant.const import CONF_API_TOKEN
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.util import dt as dt_util
from hypothesis import HealthCheck, given, settings, strategies as st
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.sms_dk.compat import probatio
from custom_components.sms_dk.const import DOMAIN, ENV_API_URL
from tests.conftest import FAR, MOR
from tests.helpers import no_spend_limits, send_sms
from tests.simulator import SmsDkSimulator

pytestmark = pytest.mark.filterwarnings(
    "ignore:It looks like `register_random`:hypothesis.errors.HypothesisWarning"
)


async def notify_with_data(hass: HomeAssistant, data: dict[str, Any]) -> None:
    await hass.services.async_call(
        "notify", "sms_dk", {"message": "Hej", "target": [MOR], "data": data}, blocking=True
    )


@pytest.mark.parametrize("value", ["2026-02-30 10:00", "2026-13-01T00:00:00", "32.01.2027"])
@pytest.mark.usefixtures("init_integration")
async def test_impossible_dates_in_notify_data(
    hass: HomeAssistant, simulator: SmsDkSimulator, value: str
) -> None:
    """An impossible date in notify data is a translated error naming it."""
    with pytest.raises(ServiceValidationError) as err:
        await notify_with_data(hass, {"scheduled": value})
    assert err.value.translation_key == "invalid_scheduled"
    assert str(err.value) == f'"{value}" is not a date and time'
    assert simulator.sends == []


@pytest.mark.parametrize(
    ("value", "key"),
    [
        ("9999-12-31T23:59:59-14:00", "invalid_scheduled"),  # past the calendar's end in UTC
        ("9999-12-31T23:59:59+14:00", "scheduled_too_far"),
        ("0001-01-01T00:00:00+14:00", "invalid_scheduled"),  # before the calendar's start in UTC
        ("0001-01-01T00:00:00-14:00", "scheduled_too_soon"),
        ("2999-01-01T00:00:00", "scheduled_too_far"),
    ],
)
@pytest.mark.parametrize("way", ["send_sms", "notify"])
@pytest.mark.usefixtures("init_integration")
async def test_times_at_the_calendars_ends(
    hass: HomeAssistant, simulator: SmsDkSimulator, value: str, key: str, way: str
) -> None:
    """Years and offsets at the extremes give a translated error, in both actions."""
    call = (
        send_sms(hass, MOR, scheduled=value)
        if way == "send_sms"
        else notify_with_data(hass, {"scheduled": value})
    )
    with pytest.raises(ServiceValidationError) as err:
        await call
    assert err.value.translation_key == key
    if key != "scheduled_too_soon":
        assert value in str(err.value)
    assert simulator.sends == []


@pytest.mark.usefixtures("init_integration")
async def test_a_year_ahead_is_the_limit(hass: HomeAssistant, simulator: SmsDkSimulator) -> None:
    """A text may be scheduled up to a year ahead, not a minute more."""
    almost = dt_util.utcnow().replace(microsecond=0) + timedelta(days=365, minutes=-1)
    await send_sms(hass, MOR, scheduled=almost.isoformat())
    assert len(simulator.sends) == 1
    with pytest.raises(ServiceValidationError) as err:
        await send_sms(hass, MOR, scheduled=(almost + timedelta(minutes=2)).isoformat())
    assert str(err.value).startswith(f'"{(almost + timedelta(minutes=2)).isoformat()}" is more')
    assert "a scheduled text must be sent by" in str(err.value)
    assert len(simulator.sends) == 1


@pytest.mark.parametrize("token", ["x\r\nX-Evil: 1", "abc def", "abc\tdef", "abc\x00def", "\x7f"])
async def test_token_with_control_characters(
    hass: HomeAssistant,
    simulator: SmsDkSimulator,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    token: str,
) -> None:
    """A token with whitespace or control characters inside gets a form error that says so,
    without a request and without a traceback."""
    monkeypatch.setenv(ENV_API_URL, simulator.url)
    caplog.set_level(logging.DEBUG)
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_API_TOKEN: token}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "invalid_token_characters"}
    assert simulator.requests == []
    assert "Traceback" not in caplog.text
    assert "Unexpected error" not in caplog.text


async def test_token_with_control_characters_in_reconfigure(
    hass: HomeAssistant, simulator: SmsDkSimulator, init_integration: MockConfigEntry
) -> None:
    """The same check guards reconfiguration (and re-authentication, which shares it)."""
    result = await init_integration.start_reconfigure_flow(hass)
    before = len(simulator.requests)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_API_TOKEN: "new\ntoken"}
    )
    assert result["errors"] == {"base": "invalid_token_characters"}
    assert len(simulator.requests) == before


# --- property-based: arbitrary action data -----------------------------------------------------

ODD_TIMES = [
    "2026-02-30 10:00",
    "2026-13-01T00:00:00",
    "9999-12-31T23:59:59-14:00",
    "0001-01-01T00:00:00+14:00",
    "2027-01-01T00:00:00+25:00",
    "tomorrow",
    "",
]
anything = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=30)
    | st.sampled_from(ODD_TIMES),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children)
    ),
    max_leaves=5,
)
numbers = st.one_of(
    st.sampled_from(
        [MOR, FAR, f"+{MOR}", "22 11 33 44", "004540506070", "12", "notify.mor_sms", "notify.x"]
    ),
    st.text(max_size=20),
    st.integers(),
)
messages = st.one_of(
    st.text(max_size=200), st.sampled_from(["", "   ", "Æblegrød 🍎", "x" * 2000, "€" * 900])
)
send_sms_data = st.fixed_dictionaries(
    {"recipients": st.one_of(numbers, st.lists(numbers, max_size=4)), "message": messages},
    optional={
        "sender": st.one_of(st.sampled_from(["SMSDKDemo", "HomeAlarm", "Ukendt", "ab"]), anything),
        "encoding": st.one_of(st.sampled_from(["auto", "gsm", "unicode"]), anything),
        "replace_characters": anything,
        "scheduled": st.one_of(st.sampled_from(ODD_TIMES), anything),
        "reference": st.one_of(st.text(max_size=60), anything),
        "config_entry_id": st.one_of(st.just("01SMSDKENTRY"), st.text(max_size=10)),
        "unknown": anything,
    },
)
notify_data = st.fixed_dictionaries(
    {"message": messages},
    optional={
        "title": st.one_of(st.text(max_size=20), anything),
        "target": st.one_of(numbers, st.lists(numbers, max_size=4)),
        "data": st.one_of(
            anything,
            st.dictionaries(
                st.sampled_from(
                    ["sender", "format", "scheduled", "reference", "replace_characters", "x"]
                ),
                st.one_of(anything, st.sampled_from(ODD_TIMES)),
            ),
        ),
    },
)
entity_data = st.fixed_dictionaries(
    {
        "message": st.one_of(messages, anything),
        "entity_id": st.sampled_from(["notify.mor_sms", "notify.far_sms"]),
    },
    optional={"title": st.one_of(st.text(max_size=20), anything)},
)
PROPERTIES = settings(
    max_examples=60,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


async def fresh_example(
    hass: HomeAssistant, simulator: SmsDkSimulator, entry: MockConfigEntry
) -> None:
    """Start a hypothesis example as if it were the first.

    All the examples of a test share one Home Assistant, one entry and one simulator. The spend
    guard is turned off (tests/test_guard_usage.py tests it): it counts the texts of every
    example, and once its hourly limit is reached would refuse every further one as invalid, so
    that the examples after it no longer reach SMS.dk. Options take effect at once, without a
    reload. What the previous example started (the balance read after a text) is done, and the
    balance is topped up.
    """
    no_spend_limits(hass, entry)
    await hass.async_block_till_done()
    simulator.credits = 10**9


async def call_and_check(
    hass: HomeAssistant, simulator: SmsDkSimulator, domain: str, service: str, data: Any
) -> None:
    """Call the action; only Home Assistant's errors may come, and an invalid call sends nothing."""
    before = len(simulator.sends)
    try:
        await hass.services.async_call(
            domain,
            service,
            data,
            blocking=True,
            return_response=service == "send_sms",
        )
    except ServiceValidationError, probatio.Invalid:
        # The schema's own errors (probatio.Invalid) are how Home Assistant's UI shows bad data.
        assert len(simulator.sends) == before
    except HomeAssistantError:
        pass  # SMS.dk refused the text (a number it does not serve, say): told, not crashed


@pytest.mark.parametrize(
    ("domain", "service", "strategy"),
    [
        ("sms_dk", "send_sms", send_sms_data),
        ("notify", "sms_dk", notify_data),
        ("notify", "send_message", entity_data),
    ],
    ids=["sms_dk.send_sms", "notify.sms_dk", "notify entity"],
)
@PROPERTIES
@given(data=st.data())
async def test_every_way_of_sending_takes_any_data(
    hass: HomeAssistant,
    simulator: SmsDkSimulator,
    init_integration: MockConfigEntry,
    domain: str,
    service: str,
    strategy: st.SearchStrategy[dict[str, Any]],
    data: st.DataObject,
) -> None:
    """Any data gives success (or a response) or one of Home Assistant's errors, and data that
    is refused as invalid never reaches SMS.dk."""
    await fresh_example(hass, simulator, init_integration)
    await call_and_check(hass, simulator, domain, service, data.draw(strategy))
