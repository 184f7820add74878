"""Smoke tests of the SMS.dk simulator itself, over real HTTP on the loopback interface."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from datetime import UTC, datetime, timedelta
from http import HTTPStatus
from typing import Any
import uuid

import aiohttp
from aiohttp import web
import pytest

from tests.simulator import DEMO_TOKEN, SmsDkSimulator

# The Home Assistant test plugin blocks creating sockets at all; socket_enabled lifts that, while
# its connect() allow-list still limits the tests to 127.0.0.1.
pytestmark = pytest.mark.usefixtures("socket_enabled")

AUTH = {"Authorization": f"Bearer {DEMO_TOKEN}"}
START = datetime(2026, 8, 23, 10, 33, 57, tzinfo=UTC)  # 12.33.57 in Copenhagen (summer time)


class FakeClock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def sim(clock: FakeClock) -> AsyncGenerator[SmsDkSimulator]:
    simulator = SmsDkSimulator(credits=10, now=clock)
    await simulator.start()
    try:
        yield simulator
    finally:
        await simulator.stop()


@pytest.fixture
async def session() -> AsyncGenerator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as client_session:
        yield client_session


async def _post(
    session: aiohttp.ClientSession, sim: SmsDkSimulator, path: str, body: Any
) -> tuple[int, Any]:
    async with session.post(f"{sim.url}{path}", json=body, headers=AUTH) as response:
        return response.status, await response.json()


def _send_body(**overrides: Any) -> dict[str, Any]:
    return {"receiver": 4522113344, "senderName": "SMSDKDemo", "message": "Hej"} | overrides


async def test_send_success(sim: SmsDkSimulator, session: aiohttp.ClientSession) -> None:
    status, answer = await _post(session, sim, "/v1/sms/send", _send_body())

    assert status == 200
    batch_id = answer["result"]["batchId"]
    uuid.UUID(batch_id)
    assert answer == {
        "status": "success",
        "messageCode": 5000,
        "result": {
            "totalCreditSum": 1.0,
            "messageSize": 1,
            "batchId": batch_id,
            "report": {
                "accepted": [
                    {
                        "receiver": 4522113344,
                        "country": "Denmark",
                        "countryCode": "DK",
                        "creditCost": 1.0,
                    }
                ],
                "rejected": [],
            },
        },
    }
    assert sim.credits == 9.0
    assert len(sim.sends) == 1
    assert sim.sends[0].headers["Authorization"] == f"Bearer {DEMO_TOKEN}"
    assert sim.sends[0].json == _send_body()
    assert sim.messages[0].time_sent_text == "23.08.2026 12.33.57"


@pytest.mark.parametrize(
    ("body", "http_status", "code", "message"),
    [
        (
            _send_body(senderName="Nobody"),
            409,
            1017,
            'Parameter "senderName" is not a approved sender name.',
        ),
        (_send_body(receiver="+4522113344"), 409, 1060, None),
        (_send_body(message=""), 400, 1004, 'Parameter "message" is required.'),
    ],
)
async def test_send_validation_error(
    sim: SmsDkSimulator,
    session: aiohttp.ClientSession,
    body: dict[str, Any],
    http_status: int,
    code: int,
    message: str | None,
) -> None:
    status, answer = await _post(session, sim, "/v1/sms/send", body)

    assert status == http_status
    assert answer["status"] == "error"
    assert answer["messageCode"] == code
    if message is not None:
        assert answer["message"] == message
    assert sim.credits == 10.0
    assert sim.messages == []


async def test_send_mixed(sim: SmsDkSimulator, session: aiohttp.ClientSession) -> None:
    # 161 GSM septets: two parts, so two credits for the one accepted receiver.
    body = _send_body(receiver=[4522113344, "12345"], message="x" * 161)
    status, answer = await _post(session, sim, "/v1/sms/send", body)

    assert status == 207
    assert answer["status"] == "mixed"
    assert answer["messageCode"] == 3000
    result = answer["result"]
    assert result["totalCreditSum"] == 2.0
    assert result["messageSize"] == 2
    assert [entry["receiver"] for entry in result["report"]["accepted"]] == [4522113344]
    assert result["report"]["rejected"] == [
        {"receiver": 12345, "messageCode": 1063, "message": "Phone number too short"}
    ]
    assert sim.credits == 8.0


async def test_delivery_report_and_listlog(
    sim: SmsDkSimulator, session: aiohttp.ClientSession, clock: FakeClock
) -> None:
    received: list[dict[str, str]] = []

    async def dlr(request: web.Request) -> web.Response:
        received.append(dict(request.query))
        return web.Response(text="OK")

    app = web.Application()
    app.router.add_get("/dlr", dlr)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    dlr_url = f"http://127.0.0.1:{runner.addresses[0][1]}/dlr?secret=s3cret"
    try:
        status, answer = await _post(
            session, sim, "/v1/sms/send", _send_body(dlrUrl=dlr_url, userReference="ref-1")
        )
        assert status == 200
        batch_id = answer["result"]["batchId"]

        await sim.advance()  # not due yet
        assert sim.messages[0].dlr_status == 0
        assert sim.dlr_calls == []

        clock.now += timedelta(seconds=sim.dlr_delay)
        await sim.advance()
    finally:
        await runner.cleanup()

    assert len(sim.dlr_calls) == 1
    assert sim.dlr_calls[0][1] == 200
    assert received == [
        {
            "secret": "s3cret",
            "batchId": batch_id,
            "dlrStatus": "1",
            "receiver": "4522113344",
            "userReference": "ref-1",
            "timeSent": "23.08.2026 12.33.57",
        }
    ]

    status, answer = await _post(session, sim, "/v1/sms/listlog", {"batchId": batch_id})
    assert status == 200
    assert answer == {
        "status": "success",
        "messageCode": 5000,
        "result": {
            "limit": 10,
            "offset": 0,
            "recordsTotal": 1,
            "data": [
                {
                    "timeSent": "23.08.2026 12.33.57",
                    "dlrStatus": 1,
                    "receiver": 4522113344,
                    "country": "DK",
                    "sender": "SMSDKDemo",
                    "messageSize": 1,
                    "format": 0,
                    "message": "Hej",
                    "creditCost": 1,
                    "userReference": "ref-1",
                    "batchId": batch_id,
                }
            ],
        },
    }


async def test_faults(sim: SmsDkSimulator, session: aiohttp.ClientSession) -> None:
    sim.faults.server_error = True
    async with session.get(f"{sim.url}/v1/user/getcreditvalue", headers=AUTH) as response:
        assert response.status == 500
        assert await response.json() == {
            "status": "error",
            "messageCode": 1000,
            "message": "Something went wrong.",
        }

    sim.faults.server_error = False
    sim.faults.drop_connection = True
    with pytest.raises(aiohttp.ServerDisconnectedError):
        async with session.get(f"{sim.url}/v1/user/getcreditvalue", headers=AUTH):
            pass

    sim.faults.drop_connection = False
    async with session.get(f"{sim.url}/v1/user/getcreditvalue", headers=AUTH) as response:
        assert response.status == 200
        assert (await response.json())["result"] == 10.0


async def test_drop_connection_loses_the_request(
    sim: SmsDkSimulator, session: aiohttp.ClientSession
) -> None:
    """drop_connection drops a send before it is processed: nothing logged or charged."""
    sim.faults.drop_connection = True
    with pytest.raises(aiohttp.ServerDisconnectedError):
        await _post(session, sim, "/v1/sms/send", _send_body())
    assert len(sim.sends) == 1
    assert sim.messages == []
    assert sim.credits == 10.0


async def test_lost_answers_dropped_after_processing(
    sim: SmsDkSimulator, session: aiohttp.ClientSession
) -> None:
    """lose_answers processes the next sends in full, then closes without an answer."""
    sim.faults.lose_answers = 2
    with pytest.raises(aiohttp.ServerDisconnectedError):
        await _post(session, sim, "/v1/sms/send", _send_body())
    assert [(m.receiver, m.message) for m in sim.messages] == [(4522113344, "Hej")]
    assert sim.credits == 9.0
    assert sim.faults.lose_answers == 1

    # Other requests are answered, and do not count.
    status, answer = await _post(session, sim, "/v1/sms/listlog", {})
    assert (status, answer["result"]["recordsTotal"]) == (200, 1)
    assert sim.faults.lose_answers == 1

    # A refused send loses its answer too (it was decided all the same).
    with pytest.raises(aiohttp.ServerDisconnectedError):
        await _post(session, sim, "/v1/sms/send", _send_body(senderName="Nobody"))
    assert len(sim.messages) == 1
    assert sim.faults.lose_answers == 0

    status, answer = await _post(session, sim, "/v1/sms/send", _send_body(message="Igen"))
    assert status == 200
    assert [m.message for m in sim.messages] == ["Hej", "Igen"]


async def test_lost_answers_late_on_hold(
    sim: SmsDkSimulator, session: aiohttp.ClientSession
) -> None:
    """In "late" mode with hold, the text is in the log while its answer waits for the event."""
    hold = asyncio.Event()
    sim.faults.hold = hold
    sim.faults.lose_answers = 1
    sim.faults.lose_answer_mode = "late"
    pending = asyncio.create_task(_post(session, sim, "/v1/sms/send", _send_body()))
    for _ in range(200):
        if sim.messages:
            break
        await asyncio.sleep(0.01)
    assert [m.message for m in sim.messages] == ["Hej"]
    assert sim.credits == 9.0
    assert not pending.done()
    hold.set()
    status, answer = await pending
    assert status == 200
    assert answer["result"]["batchId"] == sim.messages[0].batch_id
    assert sim.faults.lose_answers == 0


async def test_lost_answers_late_after_a_delay(
    sim: SmsDkSimulator, session: aiohttp.ClientSession
) -> None:
    """In "late" mode without hold, the answer comes after late_answer_delay seconds."""
    sim.faults.lose_answers = 1
    sim.faults.lose_answer_mode = "late"
    sim.faults.late_answer_delay = 0.2
    loop = asyncio.get_running_loop()
    started = loop.time()
    status, _ = await _post(session, sim, "/v1/sms/send", _send_body())
    assert loop.time() - started >= 0.2
    assert status == 200
    assert len(sim.messages) == 1


async def test_lost_answers_behind_a_gateway(
    sim: SmsDkSimulator, session: aiohttp.ClientSession
) -> None:
    """In "gateway" mode the text is processed, and a proxy's 504 page comes back."""
    sim.faults.lose_answers = 1
    sim.faults.lose_answer_mode = "gateway"
    async with session.post(f"{sim.url}/v1/sms/send", json=_send_body(), headers=AUTH) as resp:
        assert resp.status == 504
        assert "504 Gateway Time-out" in await resp.text()
    assert [m.message for m in sim.messages] == ["Hej"]
    assert sim.faults.lose_answers == 0


async def test_unknown_lose_answer_mode_is_loud(
    sim: SmsDkSimulator, session: aiohttp.ClientSession
) -> None:
    sim.faults.lose_answers = 1
    sim.faults.lose_answer_mode = "sometimes"  # type: ignore[assignment]
    async with session.post(f"{sim.url}/v1/sms/send", json=_send_body(), headers=AUTH) as resp:
        assert resp.status == 500
    assert sim.messages == []
    assert sim.faults.lose_answers == 1


@pytest.mark.parametrize("http_status", [429, 502, 503, 504])
@pytest.mark.parametrize(("plain", "content_type"), [(False, "text/html"), (True, "text/plain")])
async def test_page_status(
    sim: SmsDkSimulator,
    session: aiohttp.ClientSession,
    http_status: int,
    plain: bool,
    content_type: str,
) -> None:
    """page_status answers a gateway's page, with Retry-After when set, on only_paths."""
    sim.faults.page_status = http_status
    sim.faults.page_text_plain = plain
    sim.faults.retry_after_header = "30"
    sim.faults.only_paths = {"/v1/sms/send"}
    async with session.post(f"{sim.url}/v1/sms/send", json=_send_body(), headers=AUTH) as resp:
        assert resp.status == http_status
        assert resp.content_type == content_type
        assert resp.headers["Retry-After"] == "30"
        text = await resp.text()
    assert f"{http_status} {HTTPStatus(http_status).phrase}" in text
    assert text.startswith("<html>") is not plain
    assert sim.messages == []

    async with session.get(f"{sim.url}/v1/user/getcreditvalue", headers=AUTH) as resp:
        assert resp.status == 200
        assert "Retry-After" not in resp.headers


async def test_page_status_without_a_known_phrase(
    sim: SmsDkSimulator, session: aiohttp.ClientSession
) -> None:
    sim.faults.page_status = 599
    sim.faults.page_text_plain = True
    async with session.get(f"{sim.url}/v1/user/getcreditvalue", headers=AUTH) as resp:
        assert resp.status == 599
        assert await resp.text() == "599 Error\n"
        assert "Retry-After" not in resp.headers


async def test_retry_after_on_the_api_cool_down(
    sim: SmsDkSimulator, session: aiohttp.ClientSession
) -> None:
    sim.faults.cooldown = 12
    sim.faults.retry_after_header = "Wed, 21 Oct 2015 07:28:00 GMT"
    async with session.get(f"{sim.url}/v1/user/getcreditvalue", headers=AUTH) as resp:
        assert resp.status == 409
        assert resp.headers["Retry-After"] == "Wed, 21 Oct 2015 07:28:00 GMT"
        assert (await resp.json())["message"] == "There is a cool down. remaining: 12"
