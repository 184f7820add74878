"""Property-based tests of the SMS.dk client: whatever a server answers, only SmsDkError escapes.

A tiny aiohttp server on loopback answers with what hypothesis draws: any status from 100 to 599,
any bytes, text or JSON of any shape (the API's own envelope with junk inside, huge numbers, NaN),
any Content-Type and charset, a Content-Encoding the body does not honour, and a Retry-After
header of any kind. Every public client method must return its typed result or raise an
SmsDkError subclass that never shows the token.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
import gzip
import json
import math
import zlib

import aiohttp
from aiohttp import web
from hypothesis import HealthCheck, given, settings, strategies as st
import pytest

from custom_components.sms_dk.smsdk import (
    RESPONSE_CODES,
    LogPage,
    SenderName,
    SendResult,
    SmsDkClient,
    SmsDkError,
    SmsDkMalformedResponseError,
    SmsDkRateLimitError,
    SmsDkServerError,
)
from custom_components.sms_dk.smsdk.codes import parse_retry_after

# Hypothesis' check that its own global Random is referenced misfires on Python 3.14 (the
# reference lives in a thread-local, which gc.get_referrers() does not see): harmless, and not ours.
pytestmark = pytest.mark.filterwarnings(
    "ignore:It looks like `register_random`:hypothesis.errors.HypothesisWarning"
)

TOKEN = "prop-token-7f3a9c21"

# One server and one session serve every example of a test; hypothesis must not complain that
# the fixtures are not reset between examples (they hold no state an example depends on), and a
# database would write a .hypothesis folder into the work tree.
FAST = settings(
    max_examples=100,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
FOCUSED = settings(FAST, max_examples=50)


@dataclass
class Answer:
    """What the server answers next."""

    status: int = 200
    body: bytes = b"{}"
    headers: dict[str, str] = field(default_factory=dict)
    # Announce more bytes than the body has, then close: an answer cut off mid-body.
    cut: bool = False


@dataclass
class FuzzServer:
    """The server's next answer, and its address."""

    answer: Answer = field(default_factory=Answer)
    url: str = ""


@pytest.fixture
async def server(socket_enabled: None) -> AsyncGenerator[FuzzServer]:
    """A loopback server that answers every request with the drawn answer."""
    state = FuzzServer()

    async def handler(request: web.Request) -> web.StreamResponse:
        await request.read()
        answer = state.answer
        if answer.cut and answer.status >= 200:
            cut = web.StreamResponse(status=answer.status, headers=answer.headers)
            cut.content_length = len(answer.body) + 100
            await cut.prepare(request)
            await cut.write(answer.body)
            assert request.transport is not None
            request.transport.close()
            return cut
        response = web.Response(status=answer.status, body=answer.body, headers=answer.headers)
        if answer.status < 200:
            # An interim answer with no final one after it: the client would wait for the final
            # answer until its timeout; closing the connection makes the example fast.
            response.force_close()
        return response

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handler)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    state.url = f"http://127.0.0.1:{runner.addresses[0][1]}"
    try:
        yield state
    finally:
        await runner.cleanup()


@pytest.fixture
async def client(server: FuzzServer) -> AsyncGenerator[SmsDkClient]:
    """A client of the fuzz server, with a short timeout (no answer should need it)."""
    async with aiohttp.ClientSession() as session:
        yield SmsDkClient(session, TOKEN, base_url=server.url, timeout=5)


# --- strategies ---------------------------------------------------------------------------------

KEYS = (
    "status",
    "messageCode",
    "message",
    "result",
    "errorResult",
    "report",
    "accepted",
    "rejected",
    "receiver",
    "batchId",
    "totalCreditSum",
    "messageSize",
    "data",
    "limit",
    "offset",
    "recordsTotal",
    "dlrStatus",
    "timeSent",
    "format",
    "creditCost",
    "userReference",
    "senderName",
    "name",
    "approved",
    "credits",
    "value",
    "country",
    "countryCode",
)

# Numbers as the API should not send them, and as it might: huge, non-finite, numeric strings.
numbers = st.one_of(
    st.integers(),
    st.floats(),  # NaN and the infinities included: json.dumps writes them, the API must not
    st.sampled_from(
        [10**400, -(10**400), 1e308, "1e999", "nan", "-inf", "1,5", " 7 ", "4522113344"]
    ),
)
scalars = st.one_of(st.none(), st.booleans(), numbers, st.text(max_size=30), st.just(TOKEN))
json_values = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(
            st.one_of(st.sampled_from(KEYS), st.text(max_size=8)), children, max_size=5
        ),
    ),
    max_leaves=20,
)
codes = st.one_of(st.sampled_from(sorted(RESPONSE_CODES)), numbers, json_values)
texts = st.one_of(st.text(max_size=40), json_values)


def _objects(**fields: st.SearchStrategy[object]) -> st.SearchStrategy[dict[str, object]]:
    """Objects with any subset of *fields*, or junk in their place."""
    return st.fixed_dictionaries({}, optional=fields)


receiver_entries = st.one_of(
    _objects(
        receiver=st.one_of(numbers, st.text(max_size=16)),
        country=texts,
        countryCode=texts,
        creditCost=numbers,
        messageCode=codes,
        message=texts,
    ),
    json_values,
)
send_results = _objects(
    totalCreditSum=numbers,
    messageSize=numbers,
    batchId=texts,
    report=st.one_of(
        _objects(
            accepted=st.lists(receiver_entries, max_size=3),
            rejected=st.lists(receiver_entries, max_size=3),
        ),
        json_values,
    ),
)
log_pages = _objects(
    limit=numbers,
    offset=numbers,
    recordsTotal=numbers,
    data=st.lists(
        st.one_of(
            _objects(
                timeSent=st.one_of(
                    st.datetimes().map(lambda d: d.strftime("%d.%m.%Y %H.%M.%S")),
                    st.datetimes(timezones=st.timezones()).map(datetime.isoformat),
                    st.text(max_size=20),
                ),
                dlrStatus=numbers,
                receiver=st.one_of(numbers, st.text(max_size=16)),
                format=numbers,
                messageSize=numbers,
                creditCost=numbers,
                message=texts,
                userReference=texts,
                batchId=texts,
            ),
            json_values,
        ),
        max_size=3,
    ),
)
sender_lists = st.lists(
    st.one_of(_objects(senderName=texts, name=texts, approved=json_values), json_values),
    max_size=4,
)
results = st.one_of(
    numbers,
    _objects(credits=numbers, value=numbers),
    send_results,
    log_pages,
    sender_lists,
    _objects(data=sender_lists),
    json_values,
)
envelopes = _objects(
    status=st.one_of(st.sampled_from(["success", "error", "mixed"]), json_values),
    messageCode=codes,
    message=st.one_of(
        st.text(max_size=40),
        st.builds(lambda n: f"There is a cool down. remaining: {n}", st.text(max_size=8)),
        st.builds(lambda n: f"There is a cool down. remaining: {n}", numbers),
        st.just(f"Invalid token {TOKEN}"),
        json_values,
    ),
    result=results,
    errorResult=st.one_of(send_results, json_values),
)
successes = st.builds(
    lambda result, code: {"status": "success", "messageCode": code, "result": result},
    results,
    st.sampled_from([5000, 3000, 5014]),
)
bodies = st.one_of(
    st.binary(max_size=300),
    st.text(max_size=200).map(str.encode),
    json_values.map(lambda value: json.dumps(value).encode()),
    envelopes.map(lambda value: json.dumps(value).encode()),
    successes.map(lambda value: json.dumps(value).encode()),
    # Nested deeper than any parser recurses.
    st.sampled_from([10_000, 200_000]).map(lambda depth: b"[" * depth + b"]" * depth),
)
# Header values the server can send: no line breaks (aiohttp refuses them, rightly).
header_text = st.text(
    alphabet=st.characters(min_codepoint=0x20, max_codepoint=0xFF, exclude_characters="\x7f"),
    max_size=40,
)
content_types = st.one_of(
    st.none(),
    st.sampled_from(
        [
            "application/json",
            "application/json; charset=utf-8",
            "application/json; charset=UTF-16",
            "application/json; charset=latin-1",
            "application/json; charset=no-such-charset",
            "application/json; charset=base64",
            "application/json; charset=idna",
            "application/json; charset=undefined",
            "text/html; charset=rot13",
            "text/plain; charset=",
            "application/json; charset*=utf-8''utf-8",
            'application/json; charset="utf-8',
            "application/json;;;charset",
            "",
        ]
    ),
    header_text,
    header_text.map(lambda charset: f"application/json; charset={charset}"),
)
retry_afters = st.one_of(
    st.none(),
    st.integers(min_value=0, max_value=10**6).map(str),
    st.datetimes(timezones=st.just(UTC)).map(lambda d: d.strftime("%a, %d %b %Y %H:%M:%S GMT")),
    st.sampled_from(["-1", "1.5", "9" * 400, "Wed, 21 Oct 2015 07:28:00 -0000", " 30 "]),
    header_text,
)
content_encodings = st.one_of(
    st.none(), st.sampled_from(["gzip", "deflate", "br", "zstd", "identity", "gzip, br"])
)
CODECS: dict[str, Callable[[bytes], bytes]] = {
    "gzip": gzip.compress,
    "deflate": zlib.compress,
}
# Mostly the statuses the API uses, but any other too.
any_status = st.one_of(
    st.sampled_from([200, 207, 400, 401, 402, 404, 409, 500]),
    st.integers(min_value=100, max_value=599),
)


@st.composite
def answers(draw: st.DrawFn, statuses: st.SearchStrategy[int]) -> Answer:
    headers: dict[str, str] = {}
    if (content_type := draw(content_types)) is not None:
        headers["Content-Type"] = content_type
    if (retry_after := draw(retry_afters)) is not None:
        headers["Retry-After"] = retry_after
    if (encoding := draw(content_encodings)) is not None:
        headers["Content-Encoding"] = encoding
    status = draw(statuses)
    body = draw(bodies)
    if encoding in CODECS and draw(st.booleans()):
        # Honour the coding half of the time (else the body is not what the header says).
        body = CODECS[encoding](body)
    # One answer in ten is cut off before its end.
    cut = draw(st.integers(min_value=0, max_value=9)) == 0
    return Answer(status, body, headers, cut)


# --- the calls and what each must return ---------------------------------------------------------

CALLS: dict[str, Callable[[SmsDkClient], Awaitable[object]]] = {
    "get_credits": lambda c: c.get_credits(),
    "get_sender_names": lambda c: c.get_sender_names(),
    "send": lambda c: c.send(receiver="4522113344", sender="SMSDKDemo", message="Hej"),
    "get_log": lambda c: c.get_log(batch_id="b-1"),
    "cancel_scheduled": lambda c: c.cancel_scheduled("b-1"),
}


def _check_result(call: str, result: object) -> None:
    """The typed result each method promises."""
    match call:
        case "get_credits":
            assert isinstance(result, float)
            assert math.isfinite(result)
        case "get_sender_names":
            assert isinstance(result, list)
            assert all(isinstance(name, SenderName) and name.name for name in result)
        case "send":
            assert isinstance(result, SendResult)
        case "get_log":
            assert isinstance(result, LogPage)
        case _:
            assert result is None


async def _outcomes(client: SmsDkClient) -> dict[str, object]:
    """Every public call's result or SmsDkError; anything else fails the example."""
    outcomes: dict[str, object] = {}
    for call, make in CALLS.items():
        outcome: object
        try:
            outcome = await make(client)
        except SmsDkError as err:
            outcome = err
        if isinstance(outcome, SmsDkError):
            assert TOKEN not in str(outcome), outcome
            assert TOKEN not in repr(outcome), outcome
        else:
            _check_result(call, outcome)
        outcomes[call] = outcome
    return outcomes


# --- properties ---------------------------------------------------------------------------------


@FAST
@given(answer=answers(any_status))
async def test_any_answer_gives_a_result_or_an_smsdk_error(
    server: FuzzServer, client: SmsDkClient, answer: Answer
) -> None:
    """For any answer, every call returns its typed result or raises an SmsDkError."""
    server.answer = answer
    await _outcomes(client)


@FOCUSED
@given(answer=answers(st.just(429)))
async def test_any_429_is_a_cool_down(
    server: FuzzServer, client: SmsDkClient, answer: Answer
) -> None:
    """Any 429, whatever its body, is a cool-down; its time comes from the API or Retry-After."""
    server.answer = answer
    for call, outcome in (await _outcomes(client)).items():
        assert isinstance(outcome, SmsDkRateLimitError), (call, outcome)
        assert outcome.http_status == 429
        retry_after = outcome.retry_after
        assert retry_after is None or (math.isfinite(retry_after) and retry_after >= 0)
        header = (answer.headers.get("Retry-After") or "").strip()
        if header.isascii() and header.isdigit() and math.isfinite(float(header)):
            # Delta-seconds are used as they are, unless the API's own text names the time.
            assert retry_after is not None
            assert "remaining:" in outcome.message or retry_after == float(header)


@FOCUSED
@given(answer=answers(st.sampled_from([502, 503, 504])))
async def test_gateway_statuses_are_always_server_errors(
    server: FuzzServer, client: SmsDkClient, answer: Answer
) -> None:
    """502, 503 and 504 are a temporary server error, whatever the body."""
    server.answer = answer
    for call, outcome in (await _outcomes(client)).items():
        assert isinstance(outcome, SmsDkServerError), (call, outcome)
        assert outcome.http_status == answer.status


@FOCUSED
@given(
    result=st.one_of(numbers, json_values),
    status=st.sampled_from([200, 207]),
    code=st.sampled_from([5000, 3000]),
)
async def test_credit_balance_is_a_finite_number(
    server: FuzzServer, client: SmsDkClient, result: object, status: int, code: int
) -> None:
    """The balance is the number the API sent, or the answer is malformed; never NaN or inf."""
    body = {"status": "success", "messageCode": code, "result": result}
    server.answer = Answer(status, json.dumps(body).encode())
    expected: float | None = None
    if isinstance(result, int | float) and not isinstance(result, bool):
        try:
            expected = float(result)
        except OverflowError:
            expected = None
    outcome: object
    try:
        outcome = await client.get_credits()
    except SmsDkError as err:
        outcome = err
    if isinstance(outcome, float):
        assert math.isfinite(outcome)
        if expected is not None:
            assert outcome == expected
    else:
        assert type(outcome) is SmsDkMalformedResponseError, outcome
        assert expected is None or not math.isfinite(expected)


def _describe(outcome: object) -> tuple[str, str]:
    """An outcome in a comparable form (repr: a NaN inside a result is not equal to itself)."""
    if isinstance(outcome, SmsDkError):
        return type(outcome).__name__, str(outcome)
    return type(outcome).__name__, repr(outcome)


@FOCUSED
@given(
    body=st.one_of(successes, envelopes).map(lambda value: json.dumps(value).encode()),
    status=any_status.filter(lambda status: status >= 200),
    coding=st.sampled_from(sorted(CODECS)),
)
async def test_content_coding_changes_nothing(
    server: FuzzServer, client: SmsDkClient, body: bytes, status: int, coding: str
) -> None:
    """A gzip or deflate answer reads exactly like the same answer sent plain."""
    server.answer = Answer(status, body, {"Content-Type": "application/json"})
    plain = {call: _describe(outcome) for call, outcome in (await _outcomes(client)).items()}
    server.answer = Answer(
        status,
        CODECS[coding](body),
        {"Content-Type": "application/json", "Content-Encoding": coding},
    )
    coded = {call: _describe(outcome) for call, outcome in (await _outcomes(client)).items()}
    assert coded == plain


@settings(max_examples=300, deadline=None, database=None)
@given(
    value=st.one_of(st.none(), header_text, retry_afters), now=st.datetimes(timezones=st.just(UTC))
)
def test_retry_after_is_never_negative_nor_infinite(value: str | None, now: datetime) -> None:
    """Whatever the header says, the wait is a finite number of seconds >= 0, or None."""
    seconds = parse_retry_after(value, now=now)
    assert seconds is None or (math.isfinite(seconds) and seconds >= 0)
