# ruff: noqa: RUF001  (the typographic characters are the point of these tests)
"""sms_dk.send_sms and sms_dk.cancel_scheduled through Home Assistant against the simulator."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from homeassistant.config_entries import SOURCE_REAUTH
from homeassistant.const import CONF_SENDER
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.sms_dk.const import CONF_REPLACE_CHARACTERS, DOMAIN
from tests.conftest import FAR, MOR
from tests.helpers import send_sms_call as send
from tests.simulator import SmsDkSimulator


@pytest.mark.usefixtures("init_integration")
async def test_send_sms_response(hass: HomeAssistant, simulator: SmsDkSimulator) -> None:
    """The response says batch id, parts, credits, encoding and who got it."""
    response = await send(
        hass,
        recipients=["22113344", "notify.far_sms"],
        message="Hej fra Home Assistant",
        reference="test-1",
    )
    batch_ids = [r.json for r in simulator.sends]
    assert [b["receiver"] for b in batch_ids] == [int(MOR), int(FAR)]
    assert all(b["userReference"] == "test-1" for b in batch_ids)
    log = {m.receiver: m.batch_id for m in simulator.messages}
    assert response == {
        "batch_id": log[int(MOR)],
        "batch_ids": [log[int(MOR)], log[int(FAR)]],
        "encoding": "gsm",
        "parts": 1,
        "credits": 2.0,
        "scheduled": None,
        "accepted": [
            {"receiver": MOR, "batch_id": log[int(MOR)], "credits": 1.0},
            {"receiver": FAR, "batch_id": log[int(FAR)], "credits": 1.0},
        ],
        "rejected": [],
        "queued": [],
        "replaced": [],
    }


@pytest.mark.usefixtures("init_integration")
async def test_send_sms_without_response(hass: HomeAssistant, simulator: SmsDkSimulator) -> None:
    """The action also works as a plain call."""
    await hass.services.async_call(
        DOMAIN, "send_sms", {"recipients": MOR, "message": "Hej"}, blocking=True
    )
    assert len(simulator.sends) == 1


@pytest.mark.usefixtures("init_integration")
async def test_send_sms_partial_success_is_in_the_response(
    hass: HomeAssistant, simulator: SmsDkSimulator
) -> None:
    """A rejected receiver is not an exception: it is in the response, with its reason."""
    simulator.invalid_receivers.add(FAR)
    response = await send(hass, recipients=[MOR, FAR], message="Hej")
    assert [a["receiver"] for a in response["accepted"]] == [MOR]
    assert response["rejected"] == [
        {"receiver": FAR, "code": 1045, "message": "Phone number is not valid."}
    ]
    assert response["credits"] == 1.0


@pytest.mark.usefixtures("init_integration")
async def test_send_sms_later_receivers_after_an_outage(
    hass: HomeAssistant, simulator: SmsDkSimulator
) -> None:
    """When credits run out midway, the rest are reported as not sent, with the reason."""
    simulator.credits = 1
    response = await send(hass, recipients=[MOR, FAR], message="Hej")
    assert [a["receiver"] for a in response["accepted"]] == [MOR]
    assert response["rejected"] == [
        {"receiver": FAR, "code": 1030, "message": "You do not have sufficient credits."}
    ]


@pytest.mark.parametrize(
    ("message", "encoding", "replace", "expected"),
    [
        ("Strøm: 2,15 € pr. kWh", "auto", None, ("gsm", 1, [])),
        ("Fryseren er for varm 🥶", "auto", None, ("unicode", 1, [])),
        ("Hej", "unicode", None, ("unicode", 1, [])),
        ("x" * 161, "auto", None, ("gsm", 2, [])),
        (
            "Fryser: -12 °C – “for varm”",
            "auto",
            True,
            (
                "gsm",
                1,
                [
                    {"character": "°", "replacement": ""},
                    {"character": "–", "replacement": "-"},
                    {"character": "“", "replacement": '"'},
                    {"character": "”", "replacement": '"'},
                ],
            ),
        ),
    ],
)
@pytest.mark.usefixtures("init_integration")
async def test_send_sms_encoding(
    hass: HomeAssistant,
    simulator: SmsDkSimulator,
    message: str,
    encoding: str,
    replace: bool | None,
    expected: tuple[str, int, list[dict[str, str]]],
) -> None:
    """Auto picks GSM whenever it fits; replacement keeps typical texts in GSM."""
    data: dict[str, Any] = {"recipients": [MOR], "message": message, "encoding": encoding}
    if replace is not None:
        data["replace_characters"] = replace
    response = await send(hass, **data)
    assert (response["encoding"], response["parts"], response["replaced"]) == expected
    body = simulator.sends[-1].json
    assert body["format"] == expected[0]
    if replace:
        assert body["message"] == 'Fryser: -12 C - "for varm"'
    assert simulator.messages[-1].message_size == expected[1]


async def test_replace_characters_option(
    hass: HomeAssistant, config_entry: MockConfigEntry
) -> None:
    """The option turns replacement on for every send; a call can turn it off."""
    config_entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(config_entry, options={CONF_REPLACE_CHARACTERS: True})
    await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    response = await send(hass, recipients=[MOR], message="21 °C")
    assert response["encoding"] == "gsm"
    response = await send(hass, recipients=[MOR], message="21 °C", replace_characters=False)
    assert response["encoding"] == "unicode"


async def test_sender_option_and_override(
    hass: HomeAssistant, simulator: SmsDkSimulator, config_entry: MockConfigEntry
) -> None:
    """The chosen sender is used; a call may name another approved one."""
    config_entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(config_entry, options={CONF_SENDER: "HomeAlarm"})
    await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    await send(hass, recipients=[MOR], message="Hej")
    await send(hass, recipients=[MOR], message="Hej", sender="SMSDKDemo")
    assert [r.json["senderName"] for r in simulator.sends] == ["HomeAlarm", "SMSDKDemo"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"recipients": ["abc"]}, '"abc" is not a valid phone number'),
        ({"recipients": ["+45 2211"]}, '"+45 2211" is not a valid phone number'),
        ({"message": "   "}, "The message is empty"),
        (
            {"message": "x" * 1531},
            "The message needs 11 SMS parts; at most 10 are allowed. Shorten it",
        ),
        (
            {"message": "Hej 🥶", "encoding": "gsm"},
            (
                'These characters cannot be sent with the GSM alphabet: 🥶. Use encoding "auto" '
                'or "unicode", or turn on character replacement'
            ),
        ),
        (
            {"sender": "AB"},
            '"AB" cannot be a sender name: it needs 3 to 11 characters, or up to 15 digits',
        ),
        (
            {"sender": "Unknown"},
            (
                'The sender name "Unknown" is not approved in your SMS.dk account. '
                "Approved: SMSDKDemo, HomeAlarm"
            ),
        ),
        ({"reference": "r" * 51}, "The reference can have at most 50 characters"),
        (
            {"recipients": ["notify.nobody"]},
            "notify.nobody is not a recipient of this SMS.dk account",
        ),
    ],
)
@pytest.mark.usefixtures("init_integration")
async def test_send_sms_invalid_input(
    hass: HomeAssistant, simulator: SmsDkSimulator, data: dict[str, Any], message: str
) -> None:
    """What the user can fix is a validation error, and nothing is sent."""
    call = {"recipients": [MOR], "message": "Hej"} | data
    with pytest.raises(ServiceValidationError) as err:
        await send(hass, **call)
    assert str(err.value) == message
    assert simulator.sends == []


@pytest.mark.usefixtures("init_integration")
async def test_send_sms_scheduled_too_soon(hass: HomeAssistant, simulator: SmsDkSimulator) -> None:
    """A schedule less than 10 minutes ahead is refused, naming the earliest time."""
    with pytest.raises(ServiceValidationError) as err:
        await send(
            hass,
            recipients=[MOR],
            message="Hej",
            scheduled=(dt_util.now() + timedelta(minutes=5)).isoformat(),
        )
    assert str(err.value).startswith("A scheduled text must be at least 10 minutes ahead: ")
    assert simulator.sends == []


@pytest.mark.usefixtures("init_integration")
async def test_schedule_and_cancel(hass: HomeAssistant, simulator: SmsDkSimulator) -> None:
    """A scheduled text can be cancelled with the batch id the response gave."""
    when = dt_util.now().replace(microsecond=0) + timedelta(hours=1)
    response = await send(
        hass, recipients=[MOR], message="Husk skraldespanden", scheduled=when.isoformat()
    )
    assert response["scheduled"] == when.isoformat()
    await hass.services.async_call(
        DOMAIN, "cancel_scheduled", {"batch_id": response["batch_id"]}, blocking=True
    )
    assert simulator.requests[-1].query == {"batchId": response["batch_id"]}
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            DOMAIN, "cancel_scheduled", {"batch_id": response["batch_id"]}, blocking=True
        )
    assert str(err.value) == (
        f"There is no scheduled text with batch id {response['batch_id']} to cancel "
        "(already sent, cancelled or unknown)"
    )


@pytest.mark.usefixtures("init_integration")
async def test_cancel_scheduled_outage(hass: HomeAssistant, simulator: SmsDkSimulator) -> None:
    """An outage while cancelling is a translated error."""
    simulator.faults.drop_connection = True
    with pytest.raises(HomeAssistantError) as err:
        await hass.services.async_call(DOMAIN, "cancel_scheduled", {"batch_id": "b"}, blocking=True)
    assert str(err.value) == (
        "Could not reach SMS.dk. Check the network connection of Home Assistant"
    )


@pytest.mark.parametrize(
    ("fault", "value", "message"),
    [
        (
            "html_404",
            True,
            (
                "SMS.dk answered something unexpected (HTTP 404). Check the API address or try "
                "again later"
            ),
        ),
    ],
)
@pytest.mark.usefixtures("init_integration")
async def test_send_sms_api_errors(
    hass: HomeAssistant, simulator: SmsDkSimulator, fault: str, value: object, message: str
) -> None:
    """An answer that is not SMS.dk's is an error naming the cause, not kept for later (a wrong
    API address does not heal). A 200 with junk is an unclear answer: test_unclear_answers.py."""
    setattr(simulator.faults, fault, value)
    with pytest.raises(HomeAssistantError) as err:
        await send(hass, recipients=[MOR], message="Hej")
    assert not isinstance(err.value, ServiceValidationError)
    assert str(err.value) == message


@pytest.mark.usefixtures("init_integration")
async def test_send_sms_insufficient_credits(
    hass: HomeAssistant, simulator: SmsDkSimulator
) -> None:
    """No credits left is said plainly."""
    simulator.credits = 0
    with pytest.raises(HomeAssistantError) as err:
        await send(hass, recipients=[MOR], message="Hej")
    assert str(err.value) == "Your SMS.dk account does not have enough credits. Top up at sms.dk"


@pytest.mark.usefixtures("init_integration")
async def test_send_sms_revoked_token_starts_reauth(
    hass: HomeAssistant, simulator: SmsDkSimulator
) -> None:
    """An authentication error while sending asks for a new token."""
    simulator.token = "rotated"
    with pytest.raises(HomeAssistantError) as err:
        await send(hass, recipients=[MOR], message="Hej")
    assert str(err.value) == (
        "SMS.dk refused the API token. Re-authenticate the integration with a valid token"
    )
    await hass.async_block_till_done()
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["context"]["source"] for flow in flows] == [SOURCE_REAUTH]


async def test_sender_names_unknown_api_decides(
    hass: HomeAssistant, simulator: SmsDkSimulator, config_entry: MockConfigEntry
) -> None:
    """When the sender list cannot be read, SMS.dk's 1017 gives the same clear error; with no
    sender at all, the names are asked for once more, and only if SMS.dk still does not tell
    them is the text refused."""
    simulator.faults.only_paths = {"/v1/sendername/list"}
    simulator.faults.page_status = 503
    config_entry.add_to_hass(hass)
    await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    simulator.faults.page_status = None
    simulator.sender_names.clear()  # and the account has none: SMS.dk's 1017 decides
    with pytest.raises(ServiceValidationError) as err:
        await send(hass, recipients=[MOR], message="Hej", sender="Unknown")
    assert str(err.value) == (
        'The sender name "Unknown" is not approved in your SMS.dk account. Approved: -'
    )
    assert simulator.sends[-1].json["senderName"] == "Unknown"

    simulator.faults.page_status = 503
    config_entry.runtime_data.sender.sender_names = None
    with pytest.raises(ServiceValidationError) as err:
        await send(hass, recipients=[MOR], message="Hej")
    assert str(err.value) == (
        "No sender name: choose one in the integration's options (it must be approved in "
        "your SMS.dk account)"
    )
    reads = [r for r in simulator.requests if r.path == "/v1/sendername/list"]
    simulator.faults.page_status = None
    simulator.sender_names.append("HomeAlarm")
    await send(hass, recipients=[MOR], message="Hej")
    assert simulator.sends[-1].json["senderName"] == "HomeAlarm"
    assert len([r for r in simulator.requests if r.path == "/v1/sendername/list"]) == len(reads) + 1


async def test_other_api_validation_error(
    hass: HomeAssistant, simulator: SmsDkSimulator, init_integration: MockConfigEntry
) -> None:
    """A refusal the integration did not foresee shows SMS.dk's own code and words."""
    simulator.sender_names.append("Ab$cd")
    init_integration.runtime_data.sender.sender_names = ("Ab$cd",)
    with pytest.raises(ServiceValidationError) as err:
        await send(hass, recipients=[MOR], message="Hej", sender="Ab$cd")
    assert str(err.value) == (
        'SMS.dk refused the text with code 1012: Characters not allowed in "senderName".'
    )


async def test_several_accounts_need_an_entry_id(
    hass: HomeAssistant, simulator: SmsDkSimulator, init_integration: MockConfigEntry
) -> None:
    """With two accounts, the call must say which one."""
    other = MockConfigEntry(domain=DOMAIN, title="Other", data={})
    other.add_to_hass(hass)
    with pytest.raises(ServiceValidationError):
        await send(hass, recipients=[MOR], message="Hej")
    await send(hass, recipients=[MOR], message="Hej", config_entry_id=init_integration.entry_id)
    assert len(simulator.sends) == 1


@pytest.mark.parametrize(
    ("code", "message"),
    [
        (1059, "See specific error in returned rejected array."),
        (1015, "Country code and phone number do not match."),
    ],
)
@pytest.mark.usefixtures("init_integration")
async def test_receiver_refused_as_a_whole(
    hass: HomeAssistant, simulator: SmsDkSimulator, code: int, message: str
) -> None:
    """A receiver refused by a top-level error (no rejected array) is reported as rejected;
    with nobody accepted, the action fails, naming the reason."""
    simulator.faults.only_paths = {"/v1/sms/send"}
    simulator.faults.error_code = code
    with pytest.raises(HomeAssistantError) as err:
        await send(hass, recipients=[MOR], message="Hej")
    assert str(err.value) == (
        f"SMS.dk sent the text to 0 of 1 recipients. Rejected: {MOR}: {message} ({code})"
    )
    # Without a response asked for, the same.
    with pytest.raises(HomeAssistantError):
        await hass.services.async_call(
            DOMAIN, "send_sms", {"recipients": [MOR], "message": "Hej"}, blocking=True
        )


@pytest.mark.usefixtures("init_integration")
async def test_sender_approved_since_set_up(hass: HomeAssistant, simulator: SmsDkSimulator) -> None:
    """A sender name approved after set-up is found by reading the list again."""
    simulator.sender_names.append("NyAfsender")
    await send(hass, recipients=[MOR], message="Hej", sender="NyAfsender")
    assert simulator.sends[-1].json["senderName"] == "NyAfsender"


async def test_cancel_forgets_the_batch(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """A cancelled text is no longer shown as the last one, nor followed."""
    when = dt_util.now() + timedelta(hours=1)
    response = await send(hass, recipients=[MOR], message="Senere", scheduled=when.isoformat())
    assert hass.states.get("sensor.sms_dk_last_delivery_status").state == "pending"
    await hass.services.async_call(
        DOMAIN, "cancel_scheduled", {"batch_id": response["batch_id"]}, blocking=True
    )
    await hass.async_block_till_done()
    assert hass.states.get("sensor.sms_dk_last_delivery_status").state == "unknown"
    assert init_integration.runtime_data.tracker.messages == []


@pytest.mark.usefixtures("init_integration")
async def test_naive_schedule_is_local_time(hass: HomeAssistant, simulator: SmsDkSimulator) -> None:
    """A schedule without a zone is Home Assistant's local time."""
    await hass.config.async_set_time_zone("Europe/Copenhagen")
    now = dt_util.now()
    year = now.year + (1 if now.month >= 6 else 0)  # the next 1 June: summer time, +02:00
    await send(hass, recipients=[MOR], message="Hej", scheduled=f"{year}-06-01 08:00:00")
    assert simulator.sends[-1].json["scheduled"] == f"{year}-06-01T08:00:00+02:00"


@pytest.mark.usefixtures("init_integration")
async def test_long_digit_sender_is_refused(hass: HomeAssistant) -> None:
    """A numeric sender may have at most 15 digits."""
    with pytest.raises(ServiceValidationError) as err:
        await send(hass, recipients=[MOR], message="Hej", sender="1234567890123456")
    assert str(err.value) == (
        '"1234567890123456" cannot be a sender name: it needs 3 to 11 characters, '
        "or up to 15 digits"
    )


@pytest.mark.usefixtures("init_integration")
async def test_a_text_the_replacement_empties_is_refused(
    hass: HomeAssistant, simulator: SmsDkSimulator
) -> None:
    """A text of only characters the replacement removes ("°") is empty: refused before any
    request (SMS.dk would refuse it with 1004)."""
    with pytest.raises(ServiceValidationError) as err:
        await send(hass, recipients=[MOR], message="°\u200b", replace_characters=True)
    assert err.value.translation_key == "empty_message"
    assert simulator.sends == []
