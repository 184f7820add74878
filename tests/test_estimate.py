# ruff: noqa: RUF001  (the typographic characters are the point of these tests)
"""sms_dk.estimate: what send_sms would do, told without a single request to SMS.dk."""

from __future__ import annotations

from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from hypothesis import HealthCheck, given, settings, strategies as st
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.sms_dk.compat import probatio
from custom_components.sms_dk.const import (
    CONF_REPLACE_CHARACTERS,
    DOMAIN,
)
from custom_components.sms_dk.smsdk.gsm import GSM_BASIC, GSM_EXTENSION
from tests.conftest import FAR, MOR
from tests.helpers import no_spend_limits, send_sms_call
from tests.simulator import SmsDkSimulator

pytestmark = pytest.mark.filterwarnings(
    "ignore:It looks like `register_random`:hypothesis.errors.HypothesisWarning"
)

SWEDISH = "46701234567"
GERMAN = "491701234567"
FREEZER = "Fryser: –12 °C – “for varm”"


async def estimate(hass: HomeAssistant, simulator: SmsDkSimulator, **data: Any) -> dict[str, Any]:
    """Call sms_dk.estimate with *data*, check that SMS.dk heard nothing, return the response."""
    before = len(simulator.requests)
    try:
        response = await hass.services.async_call(
            DOMAIN, "estimate", data, blocking=True, return_response=True
        )
    finally:
        assert len(simulator.requests) == before
    assert response is not None
    return dict(response)


def dk(recipient: str, number: str, credits_: float = 1.0) -> dict[str, Any]:
    return {"recipient": recipient, "number": number, "country": "DK", "credits": credits_}


@pytest.mark.usefixtures("init_integration")
async def test_gsm_text(hass: HomeAssistant, simulator: SmsDkSimulator) -> None:
    """A GSM text to a number and a saved recipient: one part each, two credits."""
    response = await estimate(
        hass,
        simulator,
        recipients=["22113344", "notify.far_sms"],
        message=" Hej fra Home Assistant ",
    )
    assert response == {
        "valid": True,
        "encoding": "gsm",
        "parts": 1,
        "characters": 22,
        "units": 22,
        "text": "Hej fra Home Assistant",
        "replaced": [],
        "credits": 2.0,
        "known_credits": 2.0,
        "recipients": [dk("22113344", MOR), dk("notify.far_sms", FAR)],
        "refused": [],
        "errors": [],
    }


@pytest.mark.parametrize(
    ("message", "data", "expected"),
    [
        # The emoji takes two UCS-2 units; the extension characters two septets.
        ("Brr 🥶", {}, ("unicode", 1, 5, 6, [])),
        ("Pris: 10 €", {}, ("gsm", 1, 10, 11, [])),
        ("Pris: 10 €", {"encoding": "unicode"}, ("unicode", 1, 10, 10, [])),
        ("æøå." * 40, {}, ("gsm", 1, 160, 160, [])),
        ("æøå." * 40 + "!", {}, ("gsm", 2, 161, 161, [])),
        ("x" * 1530, {}, ("gsm", 10, 1530, 1530, [])),
        ("é" * 70, {"encoding": "unicode"}, ("unicode", 1, 70, 70, [])),
        ("é" * 71, {"encoding": "unicode"}, ("unicode", 2, 71, 71, [])),
        (
            FREEZER,
            {"replace_characters": True},
            (
                "gsm",
                1,
                26,
                26,
                [
                    {"character": "–", "replacement": "-"},
                    {"character": "°", "replacement": ""},
                    {"character": "“", "replacement": '"'},
                    {"character": "”", "replacement": '"'},
                ],
            ),
        ),
        (FREEZER, {"replace_characters": False}, ("unicode", 1, 27, 27, [])),
    ],
    ids=[
        "emoji",
        "extension",
        "forced-unicode",
        "gsm-160",
        "gsm-161",
        "gsm-10-parts",
        "unicode-70",
        "unicode-71",
        "replaced",
        "not-replaced",
    ],
)
@pytest.mark.usefixtures("init_integration")
async def test_encoding_and_parts(
    hass: HomeAssistant,
    simulator: SmsDkSimulator,
    message: str,
    data: dict[str, Any],
    expected: tuple[str, int, int, int, list[dict[str, str]]],
) -> None:
    """Encoding, parts, characters, units and replacements, priced per part for Danish numbers."""
    response = await estimate(hass, simulator, recipients=[MOR, FAR], message=message, **data)
    result = (
        response["encoding"],
        response["parts"],
        response["characters"],
        response["units"],
        response["replaced"],
    )
    assert result == expected
    parts = expected[1]
    assert response["recipients"] == [dk(MOR, MOR, parts), dk(FAR, FAR, parts)]
    assert response["credits"] == response["known_credits"] == 2.0 * parts
    assert response["valid"] is True


async def test_replacement_follows_the_option(
    hass: HomeAssistant, simulator: SmsDkSimulator, config_entry: MockConfigEntry
) -> None:
    """Without replace_characters in the call, the entry's option decides, as for send_sms."""
    config_entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(config_entry, options={CONF_REPLACE_CHARACTERS: True})
    await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    response = await estimate(hass, simulator, recipients=[MOR], message=FREEZER)
    assert (response["encoding"], response["text"]) == ("gsm", 'Fryser: -12 C - "for varm"')


@pytest.mark.usefixtures("init_integration")
async def test_every_problem_at_once(hass: HomeAssistant, simulator: SmsDkSimulator) -> None:
    """Where send_sms raises on the first problem, the estimate lists them all, with send_sms's
    texts; duplicates are sent once, so they are listed but do not make the call invalid."""
    response = await estimate(
        hass,
        simulator,
        recipients=["abc", MOR, "+45 22 11 33 44", "notify.mor_sms", "notify.nobody", "+45 2211"],
        message="🥶" * 1600,
        encoding="gsm",
    )
    assert response["valid"] is False
    assert response["recipients"] == [dk(MOR, MOR, 11.0)]
    assert response["refused"] == [
        {
            "recipient": "abc",
            "reason": "invalid_number",
            "message": '"abc" is not a valid phone number',
        },
        {
            "recipient": "+45 22 11 33 44",
            "reason": "duplicate_recipient",
            "message": f"{MOR} is given more than once: it gets the text once",
        },
        {
            "recipient": "notify.mor_sms",
            "reason": "duplicate_recipient",
            "message": f"{MOR} is given more than once: it gets the text once",
        },
        {
            "recipient": "notify.nobody",
            "reason": "unknown_recipient_entity",
            "message": "notify.nobody is not a recipient of this SMS.dk account",
        },
        {
            "recipient": "+45 2211",
            "reason": "invalid_number",
            "message": '"+45 2211" is not a valid phone number',
        },
    ]
    assert response["errors"] == [
        {
            "reason": "not_gsm",
            "message": (
                "These characters cannot be sent with the GSM alphabet: 🥶. Use encoding "
                '"auto" or "unicode", or turn on character replacement'
            ),
        },
        {
            "reason": "message_too_long",
            "message": "The message needs 11 SMS parts; at most 10 are allowed. Shorten it",
        },
    ]
    # send_sms refuses the same call, and sends nothing.
    with pytest.raises(ServiceValidationError):
        await send_sms_call(hass, recipients=[MOR, "abc"], message="🥶" * 1600, encoding="gsm")
    assert simulator.sends == []


@pytest.mark.usefixtures("init_integration")
async def test_duplicates_alone_keep_the_call_valid(
    hass: HomeAssistant, simulator: SmsDkSimulator
) -> None:
    """A number given twice is charged once: the estimate says so, and send_sms does so."""
    data = {"recipients": [MOR, "notify.mor_sms", "004522113344"], "message": "Hej"}
    response = await estimate(hass, simulator, **data)
    assert response["valid"] is True
    assert [r["reason"] for r in response["refused"]] == ["duplicate_recipient"] * 2
    assert response["credits"] == 1.0
    sent = await send_sms_call(hass, **data)
    assert [a["receiver"] for a in sent["accepted"]] == [MOR]
    assert sent["credits"] == 1.0


@pytest.mark.usefixtures("init_integration")
async def test_foreign_numbers_have_no_known_price(
    hass: HomeAssistant, simulator: SmsDkSimulator
) -> None:
    """Only Danish numbers have a known price: the total is unknown, the known part is summed."""
    response = await estimate(
        hass,
        simulator,
        recipients=[MOR, f"+{SWEDISH}", f"00{GERMAN}", "notify.far_sms"],
        message="x" * 200,
    )
    assert response["recipients"] == [
        dk(MOR, MOR, 2.0),
        {"recipient": f"+{SWEDISH}", "number": SWEDISH, "country": "SE", "credits": None},
        {"recipient": f"00{GERMAN}", "number": GERMAN, "country": "DE", "credits": None},
        dk("notify.far_sms", FAR, 2.0),
    ]
    assert response["credits"] is None
    assert response["known_credits"] == 4.0
    assert response["valid"] is True


@pytest.mark.usefixtures("init_integration")
async def test_nothing_valid_to_send_to(hass: HomeAssistant, simulator: SmsDkSimulator) -> None:
    """With no valid recipient the estimate still answers: nothing to pay, nothing valid."""
    response = await estimate(hass, simulator, recipients=["12"], message="Hej")
    assert (response["recipients"], response["credits"], response["known_credits"]) == ([], 0, 0)
    assert [r["reason"] for r in response["refused"]] == ["invalid_number"]
    assert response["valid"] is False


@pytest.mark.usefixtures("init_integration")
async def test_empty_message_is_refused(hass: HomeAssistant, simulator: SmsDkSimulator) -> None:
    """An empty message has nothing to estimate: the same error as send_sms."""
    with pytest.raises(ServiceValidationError) as err:
        await estimate(hass, simulator, recipients=[MOR], message="   ")
    assert str(err.value) == "The message is empty"


@pytest.mark.usefixtures("init_integration")
async def test_nothing_left_after_replacement(
    hass: HomeAssistant, simulator: SmsDkSimulator
) -> None:
    """A text that replacement empties cannot be sent: the estimate says why."""
    response = await estimate(
        hass, simulator, recipients=[MOR], message="°\u200b", replace_characters=True
    )
    assert response["errors"] == [{"reason": "empty_message", "message": "The message is empty"}]
    assert (response["valid"], response["parts"], response["credits"]) == (False, 0, 0)


@pytest.mark.usefixtures("init_integration")
async def test_estimate_only_answers_with_a_response(
    hass: HomeAssistant, simulator: SmsDkSimulator
) -> None:
    """The action only makes sense with its response: Home Assistant refuses a call without."""
    before = len(simulator.requests)
    with pytest.raises(ServiceValidationError):
        await hass.services.async_call(
            DOMAIN, "estimate", {"recipients": [MOR], "message": "Hej"}, blocking=True
        )
    assert len(simulator.requests) == before


async def check_against_send(
    hass: HomeAssistant, simulator: SmsDkSimulator, data: dict[str, Any]
) -> None:
    """Estimate *data*, then send it: the estimate's parts and credits are what was charged."""
    estimated = await estimate(hass, simulator, **data)
    before = simulator.credits
    if not estimated["valid"]:
        with pytest.raises(ServiceValidationError):
            await send_sms_call(hass, **data)
        assert simulator.credits == before
        return
    logged_before = len(simulator.messages)
    sent = await send_sms_call(hass, **data)
    # The balance read that follows an accepted text is done before the next estimate starts.
    await hass.async_block_till_done()
    charged = before - simulator.credits
    assert (estimated["parts"], estimated["encoding"]) == (sent["parts"], sent["encoding"])
    assert estimated["replaced"] == sent["replaced"]
    logged = simulator.messages[logged_before:]
    assert [record.message_size for record in logged] == [estimated["parts"]] * len(logged)
    assert len(logged) == len(estimated["recipients"])
    assert estimated["credits"] == sent["credits"] == charged


@pytest.mark.parametrize(
    "data",
    [
        {"message": "Alarm i stuen"},
        {"message": "Alarm i stuen 🚨"},
        {"message": FREEZER, "replace_characters": True},
        {"message": "€" * 81},
        {"message": "x" * 1530},
        {"message": "Hej" * 30, "encoding": "unicode"},
    ],
    ids=["gsm", "unicode", "replaced", "extension-2-parts", "gsm-10-parts", "forced-unicode"],
)
@pytest.mark.usefixtures("init_integration")
async def test_estimate_matches_what_send_sms_charges(
    hass: HomeAssistant, simulator: SmsDkSimulator, data: dict[str, Any]
) -> None:
    """For Danish numbers and saved recipients, the estimate is what SMS.dk then charges."""
    simulator.credits = 10**6
    await check_against_send(
        hass, simulator, {"recipients": ["22113344", "notify.far_sms"], **data}
    )


@pytest.mark.usefixtures("init_integration")
async def test_known_credits_match_the_danish_part_of_the_charge(
    hass: HomeAssistant, simulator: SmsDkSimulator
) -> None:
    """To Danish and foreign numbers, the known credits are what the Danish ones cost."""
    simulator.credits = 10**6
    data = {"recipients": [MOR, f"+{SWEDISH}", f"+{GERMAN}"], "message": "Temperatur 21 °C"}
    estimated = await estimate(hass, simulator, **data)
    sent = await send_sms_call(hass, **data)
    danish = [a["credits"] for a in sent["accepted"] if a["receiver"].startswith("45")]
    assert estimated["known_credits"] == sum(danish) == 1.0
    assert estimated["credits"] is None
    assert estimated["parts"] == sent["parts"] == 1


# --- part boundaries ---------------------------------------------------------------------------

# (message, encoding, units, parts) at the part boundaries: one SMS holds 160 septets or 70 UCS-2
# units, a part of a longer text 153 or 67. "€" takes two septets (escape + code), "🙂" two UCS-2
# units (a surrogate pair); neither is ever split, so one that straddles a boundary starts the
# next part (docs/part-counting.md).
BOUNDARIES = [
    pytest.param("x" * 160, "gsm", 160, 1, id="gsm-160"),
    pytest.param("x" * 161, "gsm", 161, 2, id="gsm-161"),
    pytest.param("x" * 152 + "€", "gsm", 154, 1, id="gsm-152-euro-fits-one-sms"),
    pytest.param("x" * 153 + "€", "gsm", 155, 1, id="gsm-153-euro-fits-one-sms"),
    pytest.param("x" * 158 + "€", "gsm", 160, 1, id="gsm-euro-ends-one-sms"),
    pytest.param("x" * 159 + "€", "gsm", 161, 2, id="gsm-euro-just-over-one-sms"),
    pytest.param("x" * 152 + "€" + "x" * 151, "gsm", 305, 2, id="gsm-euro-straddles-rest-fits"),
    pytest.param("x" * 153 + "€" + "x" * 151, "gsm", 306, 2, id="gsm-euro-opens-part-2"),
    pytest.param("x" * 152 + "€" + "x" * 152, "gsm", 306, 3, id="gsm-euro-straddles"),
    pytest.param("€" * 80, "gsm", 160, 1, id="gsm-80-euros"),
    pytest.param("€" * 153, "gsm", 306, 3, id="gsm-153-euros"),
    pytest.param("ж" * 70, "unicode", 70, 1, id="ucs2-70"),
    pytest.param("ж" * 71, "unicode", 71, 2, id="ucs2-71"),
    pytest.param("x" * 68 + "🙂", "unicode", 70, 1, id="ucs2-emoji-ends-one-sms"),
    pytest.param("x" * 69 + "🙂", "unicode", 71, 2, id="ucs2-emoji-just-over-one-sms"),
    pytest.param("x" * 65 + "🙂" + "x" * 67, "unicode", 134, 2, id="ucs2-emoji-ends-part-1"),
    pytest.param("x" * 67 + "🙂" + "x" * 65, "unicode", 134, 2, id="ucs2-emoji-opens-part-2"),
    pytest.param("x" * 66 + "🙂" + "x" * 66, "unicode", 134, 3, id="ucs2-emoji-straddles"),
    pytest.param("🙂" * 35, "unicode", 70, 1, id="ucs2-35-emoji"),
    pytest.param("🙂" * 36, "unicode", 72, 2, id="ucs2-36-emoji"),
    pytest.param("🙂" * 67, "unicode", 134, 3, id="ucs2-67-emoji"),
]


@pytest.mark.parametrize(("message", "encoding", "units", "parts"), BOUNDARIES)
@pytest.mark.usefixtures("init_integration")
async def test_part_boundaries_estimated_and_charged(
    hass: HomeAssistant,
    simulator: SmsDkSimulator,
    message: str,
    encoding: str,
    units: int,
    parts: int,
) -> None:
    """At a part boundary the estimate, the send and SMS.dk's log and charge agree on the parts,
    also where a two-unit character straddles it: the integration and the simulator count alike."""
    estimated = await estimate(hass, simulator, recipients=[MOR], message=message)
    assert (estimated["encoding"], estimated["units"], estimated["parts"]) == (
        encoding,
        units,
        parts,
    )
    assert estimated["credits"] == float(parts)
    before = simulator.credits
    sent = await send_sms_call(hass, recipients=[MOR], message=message)
    assert (sent["encoding"], sent["parts"], sent["credits"]) == (encoding, parts, float(parts))
    [logged] = simulator.messages
    assert (logged.message, logged.format) == (message, 0 if encoding == "gsm" else 1)
    assert (logged.message_size, logged.credit_cost) == (parts, float(parts))
    assert before - simulator.credits == parts


# --- property-based ----------------------------------------------------------------------------

PROPERTIES = settings(
    max_examples=30,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
GSM_CHARACTERS = st.sampled_from(sorted(GSM_BASIC | GSM_EXTENSION))
ANY_CHARACTERS = st.one_of(
    GSM_CHARACTERS,
    st.sampled_from("°–“”…½ł🥶🍎é\u200b"),
    st.characters(codec="utf-8"),  # any character JSON can carry (no lone surrogates)
)
# Hypothesis favours short texts; the lengths around the part boundaries are where a count goes
# wrong (GSM 160/153 per part, UCS-2 70/67; 1530 is ten GSM parts, the most allowed).
LENGTHS = st.one_of(
    st.integers(1, 700), st.sampled_from([67, 70, 71, 134, 153, 160, 161, 306, 307, 1530, 1531])
)
MESSAGES = (
    st.tuples(st.sampled_from([GSM_CHARACTERS, ANY_CHARACTERS]), LENGTHS)
    .flatmap(lambda drawn: st.text(drawn[0], min_size=drawn[1], max_size=drawn[1]))
    .filter(str.strip)
)


async def fresh_example(
    hass: HomeAssistant, simulator: SmsDkSimulator, entry: MockConfigEntry
) -> None:
    """Start a hypothesis example as if it were the first.

    All the examples of a test share one Home Assistant, one entry and one simulator. The spend
    guard is turned off (tests/test_guard_usage.py tests it): it counts the texts of every
    example, and would refuse them all once its hourly limit is reached, as shrinking a failure
    easily does. Options take effect at once, without a reload. The balance is topped up.
    """
    no_spend_limits(hass, entry)
    await hass.async_block_till_done()
    simulator.credits = 10**9


@PROPERTIES
@given(
    message=MESSAGES,
    encoding=st.sampled_from(["auto", "gsm", "unicode"]),
    replace=st.booleans(),
)
async def test_estimate_is_what_send_sms_charges(
    hass: HomeAssistant,
    simulator: SmsDkSimulator,
    init_integration: MockConfigEntry,
    message: str,
    encoding: str,
    replace: bool,
) -> None:
    """For any text to a Danish number, the estimate's parts and credits are the charge."""
    await fresh_example(hass, simulator, init_integration)
    data = {"message": message, "encoding": encoding, "replace_characters": replace}
    await check_against_send(hass, simulator, {"recipients": [MOR], **data})


@PROPERTIES
@given(
    data=st.fixed_dictionaries(
        {
            "recipients": st.lists(
                st.one_of(st.sampled_from([MOR, "12", "notify.mor_sms", "notify.x"]), st.text()),
                max_size=4,
            ),
            "message": st.text(max_size=50),
        },
        optional={"encoding": st.text(max_size=8), "replace_characters": st.text(max_size=5)},
    )
)
@pytest.mark.usefixtures("init_integration")
async def test_estimate_takes_any_data(
    hass: HomeAssistant, simulator: SmsDkSimulator, data: dict[str, Any]
) -> None:
    """Any data gives a response or one of Home Assistant's validation errors, never a request."""
    try:
        response = await estimate(hass, simulator, **data)
    except ServiceValidationError, probatio.Invalid:
        return
    assert len(response["recipients"]) + len(response["refused"]) == len(data["recipients"])
