"""The kill test: SIGKILL a real Home Assistant while texts are being sent; each must arrive once.

Run by scripts/killtest inside the Python 3.14 environment, as ``python -m scripts.killtest``.

One run: the SMS.dk simulator (in this process, answering each send after --delay seconds), and a
real ``hass`` on a fresh configuration folder with a minimal configuration.yaml, set up without
clicking: the owner user through the onboarding API, the SMS.dk entry through the config flow API
(spend limits off), two recipients (Mor, Far) through the subentry flow API. Then --texts texts,
each with its own text ("kill-017"), go out in bursts of --burst at once, by the three ways of
sending in turn: notify.send_message to notify.mor_sms, the classic notify.sms_dk with a target,
and sms_dk.send_sms. During --kills of the bursts (chosen by the seed), at an instant the seed
chooses, Home Assistant is killed with SIGKILL, started again on the same folder (so it reads what
the killed process left on disk), and the run goes on once it is RUNNING with the entry loaded.
Each burst after the first, by the seed, either waits until the outbox is empty (a kill then meets
texts on their first try: one at SMS.dk, the others on disk waiting their turn) or goes at once
(a kill then meets the texts the last start recovered, being looked up and sent again).

What must arrive is decided by the clock of this process, never by what arrived:

- a text whose request was fully written to Home Assistant at least KILL_MARGIN (0.5 s) before
  the next kill, or that no kill followed, or that Home Assistant answered with 2xx, MUST arrive;
- a text whose request was written later, or that could not be written at all, MAY arrive;
- every text must arrive AT MOST ONCE, and at the receiver its way of sending names.

After the last burst the run waits (up to --drain seconds) until the integration's queued-texts
sensor shows 0, the simulator received nothing new for a while, and the last start is long enough
ago for the outbox to have looked up and resent what it had to; then it stops Home Assistant,
counts, and prints one line:

    killtest: texts=100 kills=4 lost=0 duplicates=0 must_arrive=83 arrived=100 ... seed=1234

Exit status 0 when nothing was lost and nothing arrived twice, 1 when something was, 2 when the
harness could not run (Home Assistant did not come up: the tail of its log is shown). --seed
replays a run's instants and choices.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Callable
import contextlib
import ctypes
from dataclasses import dataclass
import json
import os
from pathlib import Path
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from typing import Any, Final
from urllib.parse import urlencode

from tests.simulator import DEMO_TOKEN, SmsDkSimulator

REPO: Final = Path(__file__).resolve().parents[1]
MOR: Final = "4522113344"
FAR: Final = "4540506070"
SEND_PATH: Final = "/v1/sms/send"
# A request written this long before a kill must have been read by Home Assistant.
KILL_MARGIN: Final = 0.5
# After a start, the outbox may wait 15 s (and read the delivery log) before it resends a text
# whose answer may have been lost: the drain waits at least this long after the entry loaded.
SETTLE_AFTER_START: Final = 25.0
# ...and until the simulator received nothing new for this long.
QUIET: Final = 10.0
READY_TIMEOUT: Final = 150.0
# The share of bursts after the first that wait for an empty outbox before they go, and how many
# sends' time the simulator must then have received nothing new.
DRAINED_SHARE: Final = 0.5
PRE_BURST_QUIET: Final = 3.0
STOP_TIMEOUT: Final = 60.0
OWNER_SECRET: Final = "killtest-owner-password"  # noqa: S105 - a throw-away test user


@dataclass(frozen=True)
class Way:
    """One way of sending a text: the action's REST path, its body, and where the text goes."""

    name: str
    path: str
    body: Callable[[str], dict[str, Any]]
    receiver: str


# The three ways of sending, in turn.
WAYS: Final = (
    Way(
        "notify.send_message",
        "/api/services/notify/send_message",
        lambda message: {"entity_id": "notify.mor_sms", "message": message},
        MOR,
    ),
    Way(
        "notify.sms_dk",
        "/api/services/notify/sms_dk",
        lambda message: {"message": message, "target": [MOR]},
        MOR,
    ),
    Way(
        "sms_dk.send_sms",
        "/api/services/sms_dk/send_sms",
        lambda message: {"recipients": [FAR], "message": message},
        FAR,
    ),
)

CONFIGURATION_YAML: Final = """\
# Written by scripts/killtest: only what the test needs (no default_config).
homeassistant:
  name: killtest
  country: DK
  time_zone: Europe/Copenhagen
  unit_system: metric
  currency: DKK
  # So that the simulator's delivery reports reach the webhook, as SMS.dk's reach yours.
  external_url: http://127.0.0.1:{port}

# Home Assistant always sets up the frontend, and goes into recovery mode (without custom
# integrations) when it cannot. The test venv has no frontend build (hass_frontend): its
# documented development_repo option points it at an empty stand-in folder instead.
frontend:
  development_repo: {frontend}

api:
config:
onboarding:

logger:
  default: warning
  logs:
    custom_components.sms_dk: debug
"""


class HarnessError(Exception):
    """The harness cannot go on (Home Assistant did not come up, a set-up step failed)."""


def say(text: str) -> None:
    """Print a progress line at once."""
    print(text, flush=True)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nobody listens on now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _die_with_parent() -> None:
    """In the child: get SIGKILL when this harness dies, however it dies (Linux)."""
    with contextlib.suppress(Exception):
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


# --------------------------------------------------------------------------- HTTP


class HttpError(Exception):
    """Home Assistant answered with an unexpected status."""


async def http(
    port: int,
    method: str,
    path: str,
    *,
    body: Any = None,
    form: dict[str, str] | None = None,
    token: str | None = None,
    answer_within: float = 30.0,
    sent: list[float] | None = None,
) -> tuple[int, Any]:
    """One HTTP/1.1 request on a connection of its own; return (status, JSON or text).

    Plain sockets, so that the instant the whole request was written is known exactly: it is
    appended to *sent* (loop time) before the answer is awaited.
    """
    loop = asyncio.get_running_loop()
    payload = b""
    headers = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{port}", "Connection: close"]
    if body is not None:
        payload = json.dumps(body).encode()
        headers.append("Content-Type: application/json")
    elif form is not None:
        payload = urlencode(form).encode()
        headers.append("Content-Type: application/x-www-form-urlencoded")
    if token:
        headers.append(f"Authorization: Bearer {token}")
    headers.append(f"Content-Length: {len(payload)}")
    reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), 5)
    try:
        writer.write(("\r\n".join(headers) + "\r\n\r\n").encode() + payload)
        await writer.drain()
        if sent is not None:
            sent.append(loop.time())
        raw = await asyncio.wait_for(reader.read(), answer_within)
    finally:
        writer.close()
        with contextlib.suppress(Exception):
            await writer.wait_closed()
    head, sep, data = raw.partition(b"\r\n\r\n")
    if not sep:
        raise ConnectionResetError("the connection closed before an answer")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    fields = {
        k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])
    }
    if fields.get("transfer-encoding", "").lower() == "chunked":
        data = _unchunk(data)
    text = data.decode("utf-8", errors="replace")
    if "json" in fields.get("content-type", ""):
        with contextlib.suppress(ValueError):
            return status, json.loads(text)
    return status, text


def _unchunk(data: bytes) -> bytes:
    out = bytearray()
    while data:
        size_line, _, rest = data.partition(b"\r\n")
        size = int(size_line.split(b";")[0] or b"0", 16)
        if size == 0:
            break
        out += rest[:size]
        data = rest[size + 2 :]
    return bytes(out)


# --------------------------------------------------------------------------- Home Assistant


class Hass:
    """One configuration folder and the hass process running on it (one at a time)."""

    def __init__(self, folder: Path, port: int, sim_url: str) -> None:
        """Run hass on *folder*/config at *port*, talking to the simulator at *sim_url*."""
        self.folder = folder
        self.config = folder / "config"
        self.port = port
        self.sim_url = sim_url
        self.proc: subprocess.Popen[bytes] | None = None
        self.starts = 0
        self.started_at = 0.0  # loop time of the last start
        self.ready_at = 0.0  # loop time it was last found RUNNING with the entry loaded
        self.client_id = f"http://127.0.0.1:{port}/"
        self.token: str | None = None
        self.refresh_token: str | None = None
        self.entry_id: str | None = None
        self.queued_sensor: str | None = None

    def prepare(self) -> None:
        """Write the minimal configuration and link the integration in."""
        (self.config / "custom_components").mkdir(parents=True)
        (self.config / "custom_components" / "sms_dk").symlink_to(
            REPO / "custom_components" / "sms_dk"
        )
        frontend = self.folder / "frontend"
        for sub in ("static", "frontend_latest", "frontend_es5"):
            (frontend / "hass_frontend" / sub).mkdir(parents=True)
        (self.config / "configuration.yaml").write_text(
            CONFIGURATION_YAML.format(port=self.port, frontend=frontend), encoding="utf-8"
        )

    @property
    def log_path(self) -> Path:
        """What this start of hass prints (its whole log: the file keeps only two starts)."""
        return self.folder / f"hass-{self.starts}.log"

    def start(self) -> None:
        """Start hass on the folder (installing nothing)."""
        if self.running():
            raise HarnessError("hass is still running: one process at a time")
        self.starts += 1
        hass_bin = Path(sys.executable).with_name("hass")
        if not hass_bin.exists():
            hass_bin = Path(shutil.which("hass") or "hass")
        env = {
            **os.environ,
            "SETUP_PORT": str(self.port),
            "SMS_DK_API_URL": self.sim_url,
        }
        with self.log_path.open("wb") as log:
            self.proc = subprocess.Popen(  # noqa: S603 - our own command line
                [str(hass_bin), "--config", str(self.config), "--skip-pip", "--log-no-color"],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env,
                start_new_session=True,
                preexec_fn=_die_with_parent,  # noqa: PLW1509 - only prctl, before exec
            )
        self.started_at = asyncio.get_running_loop().time()

    def running(self) -> bool:
        """Whether the hass process is alive."""
        return self.proc is not None and self.proc.poll() is None

    def kill(self) -> None:
        """SIGKILL hass now (and anything it started)."""
        if self.proc is not None and self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            with contextlib.suppress(ProcessLookupError):
                self.proc.kill()

    async def wait_exit(self, within: float) -> int | None:
        """Wait for hass to end; its exit status, or None when it still runs after *within* s."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while self.proc is not None and self.proc.poll() is None:
            if loop.time() > deadline:
                return None
            await asyncio.sleep(0.05)
        return None if self.proc is None else self.proc.returncode

    async def stop(self) -> int | None:
        """Stop hass as a user would (SIGTERM); SIGKILL it if it does not end in time."""
        if self.proc is None or self.proc.poll() is not None:
            return None if self.proc is None else self.proc.returncode
        self.proc.terminate()
        status = await self.wait_exit(STOP_TIMEOUT)
        if status is None:
            say(f"  Home Assistant did not stop within {STOP_TIMEOUT:.0f} s of SIGTERM: killed")
            self.kill()
            status = await self.wait_exit(10)
        return status

    def log_tail(self, lines: int = 40) -> str:
        """The last lines of home-assistant.log (or of what hass printed, when there is none)."""
        for path in (self.config / "home-assistant.log", self.log_path):
            with contextlib.suppress(OSError):
                text = path.read_text(encoding="utf-8", errors="replace")
                if text.strip():
                    tail = "\n".join(text.splitlines()[-lines:])
                    return f"--- last {lines} lines of {path} ---\n{tail}"
        return "(Home Assistant wrote no log)"

    def fail(self, what: str) -> HarnessError:
        """An error that says *what* went wrong, with the tail of the log."""
        state = "running" if self.running() else f"exit status {self.proc and self.proc.returncode}"
        return HarnessError(f"{what} (hass start {self.starts}, {state})\n{self.log_tail()}")

    # ---------------------------------------------------------------- REST helpers

    async def call(
        self, method: str, path: str, body: Any = None, *, expect: tuple[int, ...] = (200,)
    ) -> Any:
        """A REST call with the owner's token; the answer, or HarnessError."""
        try:
            status, answer = await http(self.port, method, path, body=body, token=self.token)
        except (OSError, TimeoutError) as err:
            raise self.fail(f"{method} {path} failed: {err!r}") from err
        if status not in expect:
            raise self.fail(f"{method} {path} answered {status}: {str(answer)[:500]}")
        return answer

    async def _poll(self, what: str, check: Any, within: float = READY_TIMEOUT) -> Any:
        """Poll *check* (async, returns a truthy result when done) until it holds."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        last = ""
        while True:
            if not self.running():
                raise self.fail(f"Home Assistant ended while waiting for {what}")
            try:
                if result := await check():
                    return result
            except (OSError, TimeoutError, ValueError, KeyError, TypeError) as err:
                last = f" (last: {err!r})"
            if loop.time() > deadline:
                raise self.fail(
                    f"Home Assistant did not come up: no {what} within {within:.0f} s{last}"
                )
            await asyncio.sleep(0.25)

    async def _get(self, path: str, *, auth: bool = True) -> tuple[int, Any]:
        return await http(
            self.port, "GET", path, token=self.token if auth else None, answer_within=10
        )

    async def wait_http(self) -> None:
        """Wait until hass answers HTTP (the onboarding API needs no token)."""

        async def api_up() -> bool:
            status, _ = await http(self.port, "GET", "/api/onboarding", answer_within=5)
            return status == 200

        await self._poll("HTTP answer", api_up)

    async def wait_running(self) -> float:
        """Wait until hass is RUNNING with the entry loaded and its actions there; seconds taken.

        Needs the owner's tokens (onboard() first, on the first start).
        """
        began = asyncio.get_running_loop().time()
        await self.wait_http()
        if self.refresh_token:
            await self._refresh()

        async def running() -> bool:
            status, body = await self._get("/api/config")
            if status == 200 and body.get("recovery_mode"):
                # No custom integrations then: an invalid configuration, or the frontend failed.
                raise self.fail("Home Assistant started in recovery mode")
            return status == 200 and body.get("state") == "RUNNING"

        await self._poll("RUNNING state", running)
        if self.entry_id:
            await self._poll("loaded SMS.dk entry", self._entry_ready)
        self.ready_at = asyncio.get_running_loop().time()
        return self.ready_at - began

    async def _refresh(self) -> None:
        """A new access token from the refresh token (it must have survived the kill)."""
        status, body = await http(
            self.port,
            "POST",
            "/auth/token",
            form={
                "grant_type": "refresh_token",
                "refresh_token": self.refresh_token or "",
                "client_id": self.client_id,
            },
        )
        if status != 200:
            raise self.fail(f"the refresh token was refused after a start: {status} {body}")
        self.token = body["access_token"]

    async def _entry_ready(self) -> bool:
        status, entries = await self._get("/api/config/config_entries/entry?domain=sms_dk")
        if status != 200 or not any(
            e["entry_id"] == self.entry_id and e["state"] == "loaded" for e in entries
        ):
            return False
        # The classic notify.sms_dk is registered by a task of its own after the set-up. GET
        # /api/services cannot tell (it fails in the test venv: it imports every base platform,
        # some of whose requirements are missing), so ask the action itself with an option it
        # refuses before sending anything: its own refusal (JSON) means it is there; a missing
        # action is a bare "400: Bad Request".
        status, answer = await http(
            self.port,
            "POST",
            "/api/services/notify/sms_dk",
            body={"message": "killtest probe", "data": {"killtest_probe": True}},
            token=self.token,
            answer_within=10,
        )
        if status != 400 or not isinstance(answer, dict):
            return False
        for entity_id in ("notify.mor_sms", "notify.far_sms"):
            status, state = await self._get(f"/api/states/{entity_id}")
            if status != 200 or state["state"] == "unavailable":
                return False
        return True

    async def queued(self) -> float | None:
        """The queued-texts sensor's value; None when it cannot be read."""
        if not self.queued_sensor or not self.running():
            return None
        try:
            status, state = await self._get(f"/api/states/{self.queued_sensor}")
            return float(state["state"]) if status == 200 else None
        except OSError, TimeoutError, ValueError, KeyError, TypeError:
            return None

    # ---------------------------------------------------------------- set-up

    async def onboard(self) -> None:
        """Create the owner user and get its tokens through the onboarding API."""
        status, body = await http(
            self.port,
            "POST",
            "/api/onboarding/users",
            body={
                "client_id": self.client_id,
                "name": "Owner",
                "username": "owner",
                "password": OWNER_SECRET,
                "language": "en",
            },
        )
        if status != 200:
            raise self.fail(f"onboarding the owner answered {status}: {body}")
        status, tokens = await http(
            self.port,
            "POST",
            "/auth/token",
            form={
                "grant_type": "authorization_code",
                "code": body["auth_code"],
                "client_id": self.client_id,
            },
        )
        if status != 200:
            raise self.fail(f"the owner's token was refused: {status} {tokens}")
        self.token = tokens["access_token"]
        self.refresh_token = tokens["refresh_token"]

    async def add_entry(self) -> None:
        """The SMS.dk entry (config flow), its options (no spend limits), two recipients."""
        flow = await self.call("POST", "/api/config/config_entries/flow", {"handler": "sms_dk"})
        done = await self.call(
            "POST", f"/api/config/config_entries/flow/{flow['flow_id']}", {"api_token": DEMO_TOKEN}
        )
        if done.get("type") != "create_entry":
            raise self.fail(f"the config flow did not create the entry: {done}")
        self.entry_id = done["result"]["entry_id"]

        async def loaded() -> bool:
            _, entries = await self._get("/api/config/config_entries/entry?domain=sms_dk")
            return any(e["entry_id"] == self.entry_id and e["state"] == "loaded" for e in entries)

        await self._poll("loaded SMS.dk entry", loaded, 60)
        # The spend guard is off (0): a run, its replays and any resends must not meet it.
        flow = await self.call(
            "POST", "/api/config/config_entries/options/flow", {"handler": self.entry_id}
        )
        done = await self.call(
            "POST",
            f"/api/config/config_entries/options/flow/{flow['flow_id']}",
            {"replace_characters": False, "low_credits": 0, "max_per_hour": 0, "max_per_day": 0},
        )
        if done.get("type") != "create_entry":
            raise self.fail(f"the options flow did not finish: {done}")
        await self._poll("loaded SMS.dk entry after the options", loaded, 60)
        for name, phone in (("Mor", MOR), ("Far", FAR)):
            flow = await self.call(
                "POST",
                "/api/config/config_entries/subentries/flow",
                {"handler": [self.entry_id, "recipient"]},
            )
            done = await self.call(
                "POST",
                f"/api/config/config_entries/subentries/flow/{flow['flow_id']}",
                {"name": name, "phone": phone},
            )
            if done.get("type") != "create_entry":
                raise self.fail(f"the recipient {name} was not added: {done}")
        await self._poll("notify entities of the recipients", self._entry_ready, 60)
        states = await self.call("GET", "/api/states")
        sensors = sorted(
            s["entity_id"]
            for s in states
            if s["entity_id"].startswith("sensor.") and s["entity_id"].endswith("queued_texts")
        )
        self.queued_sensor = sensors[0] if sensors else None


# --------------------------------------------------------------------------- the test


@dataclass
class Text:
    """One text of the run and what happened to its request."""

    index: int
    burst: int
    way: int
    sent_at: float | None = None  # loop time when the whole request was written
    answered_at: float | None = None
    status: int | None = None
    error: str | None = None
    must: bool = False
    arrived: int = 0
    wrong_receiver: int = 0

    @property
    def message(self) -> str:
        """The text itself: unique in the run."""
        return f"kill-{self.index:03d}"

    @property
    def receiver(self) -> str:
        """Where its way of sending must deliver it."""
        return WAYS[self.way].receiver


@dataclass
class Burst:
    """One burst of texts sent at once; killed at *kill_after* seconds into it, or not."""

    number: int
    texts: list[Text]
    kill_after: float | None
    # Sent once the outbox is empty (the texts then go on their first try, one at a time, the
    # others waiting on disk for their turn), or at once after the last start (while the texts
    # that start recovered are looked up and sent again).
    after_drain: bool = False
    began: float = 0.0
    killed_at: float | None = None  # loop time
    restart_took: float | None = None


async def send(hass: Hass, text: Text) -> None:
    """Send *text* by its way; record when its request was written and how it was answered."""
    way = WAYS[text.way]
    sent: list[float] = []
    try:
        text.status, _ = await http(
            hass.port,
            "POST",
            way.path,
            body=way.body(text.message),
            token=hass.token,
            answer_within=120,
            sent=sent,
        )
    except (OSError, TimeoutError, ValueError, IndexError) as err:
        text.error = type(err).__name__
    finally:
        text.sent_at = sent[0] if sent else None
        text.answered_at = asyncio.get_running_loop().time()


async def run_burst(hass: Hass, burst: Burst, delay: float) -> None:
    """Send a burst; kill and restart Home Assistant in the middle of it when it is chosen."""
    loop = asyncio.get_running_loop()
    burst.began = loop.time()
    tasks = [asyncio.create_task(send(hass, text)) for text in burst.texts]
    if burst.kill_after is None:
        # Sent one after the other, a burst takes about len * delay; much more is a hang.
        _, pending = await asyncio.wait(tasks, timeout=len(tasks) * delay * 3 + 30)
        answered = sum(1 for t in burst.texts if t.status is not None)
        say(
            f"  burst {burst.number}: {len(tasks)} texts, not killed, {answered} answered"
            f" in {loop.time() - burst.began:.1f} s"
            + (f", {len(pending)} still unanswered" if pending else "")
        )
        return
    await asyncio.sleep(max(0.0, burst.began + burst.kill_after - loop.time()))
    burst.killed_at = loop.time()
    hass.kill()
    await hass.wait_exit(10)
    await asyncio.wait(tasks, timeout=10)
    answered = sum(1 for t in burst.texts if t.status is not None)
    say(
        f"  burst {burst.number}: {len(tasks)} texts, SIGKILL at {burst.kill_after:.2f} s"
        f" ({answered} answered before it); restarting"
    )
    hass.start()
    burst.restart_took = await hass.wait_running()
    say(f"    Home Assistant RUNNING again after {burst.restart_took:.1f} s, entry loaded")


def decide_must(texts: list[Text], kills: list[float]) -> None:
    """Decide which texts must arrive (the module's docstring says which).

    Written at least KILL_MARGIN before the next kill, or with no kill after it, or answered 2xx.
    """
    for text in texts:
        if text.status is not None and 200 <= text.status < 300:
            text.must = True
            continue
        if text.sent_at is None:
            continue
        after = [k for k in kills if k >= text.sent_at]
        text.must = not after or text.sent_at <= min(after) - KILL_MARGIN


async def drain(
    hass: Hass,
    simulator: SmsDkSimulator,
    limit: float,
    *,
    quiet: float = QUIET,
    settle: float = SETTLE_AFTER_START,
) -> tuple[float, str]:
    """Wait until the outbox is empty and the simulator quiet; (seconds waited, why it ended).

    *quiet*: how long the simulator must have received nothing new; *settle*: how long ago the
    last start must be.
    """
    loop = asyncio.get_running_loop()
    began = loop.time()
    count = len(simulator.messages)
    changed = began
    queued: float | None = None
    while loop.time() - began < limit:
        await asyncio.sleep(1)
        now = loop.time()
        if len(simulator.messages) != count:
            count, changed = len(simulator.messages), now
        queued = await hass.queued()
        if queued == 0 and now - changed >= quiet and now - hass.ready_at >= settle:
            return now - began, "queue empty, simulator quiet"
    return loop.time() - began, f"gave up after {limit:.0f} s (queued texts: {queued})"


LOG_LINE: Final = re.compile(r"^\S+ \S+ (ERROR|WARNING|CRITICAL) \([^)]*\) \[([^\]]+)\] (.*)$")


def scan_logs(folder: Path, starts: int) -> tuple[int, int, list[str]]:
    """(errors, warnings, a few distinct ones) in what every start of hass printed."""
    errors = warnings = 0
    seen: dict[str, int] = {}
    for number in range(1, starts + 1):
        with contextlib.suppress(OSError):
            for line in (folder / f"hass-{number}.log").read_text(errors="replace").splitlines():
                if not (match := LOG_LINE.match(line)):
                    continue
                level, logger, message = match.groups()
                if logger == "homeassistant.setup" and "sms_dk" not in message:
                    # Default integrations whose requirements the test venv lacks (ffmpeg, ...).
                    continue
                if level == "WARNING":
                    warnings += 1
                else:
                    errors += 1
                if level != "WARNING" or "sms_dk" in logger or "sms_dk" in message:
                    key = f"{level} [{logger}] {re.sub(r'[0-9a-f]{16,}', '…', message)[:150]}"
                    seen[key] = seen.get(key, 0) + 1
    shown = [f"{n}x {key}" for key, n in sorted(seen.items(), key=lambda kv: -kv[1])[:10]]
    return errors, warnings, shown


def ranges(numbers: list[int]) -> str:
    """1,2,3,5 -> "1-3,5"."""
    spans: list[list[int]] = []
    for n in sorted(numbers):
        if spans and spans[-1][1] == n - 1:
            spans[-1][1] = n
        else:
            spans.append([n, n])
    return ",".join(str(a) if a == b else f"{a}-{b}" for a, b in spans)


def plan(args: argparse.Namespace) -> list[Burst]:
    """The texts and bursts of a run, and which bursts are killed when: all from the seed."""
    # Not for secrets: a seeded generator, so that --seed replays the same instants.
    rng = random.Random(args.seed)  # noqa: S311
    total = -(-args.texts // args.burst)
    kills = min(args.kills if args.kills is not None else rng.randint(3, 5), total)
    killed = set(rng.sample(range(total), kills))
    texts = [Text(index=i + 1, burst=i // args.burst + 1, way=i % 3) for i in range(args.texts)]
    bursts = [
        Burst(
            number=b + 1,
            texts=texts[b * args.burst : (b + 1) * args.burst],
            kill_after=round(rng.uniform(args.kill_min, args.kill_max), 2) if b in killed else None,
        )
        for b in range(total)
    ]
    # The first follows a clean start (nothing kept); each other one, by the seed, either waits
    # for the outbox to be empty or goes at once.
    for burst in bursts[1:]:
        burst.after_drain = rng.random() < DRAINED_SHARE
    return bursts


async def set_up(hass: Hass) -> None:
    """A new installation: owner, entry, recipients; then a clean restart."""
    hass.prepare()
    hass.start()
    await hass.wait_http()
    await hass.onboard()
    took = await hass.wait_running()
    await hass.add_entry()
    say(f"  set up in {took:.1f} s + flows: entry, 2 recipients, sensor {hass.queued_sensor}")
    # A clean restart first: the run starts from what a user's installation has on disk.
    await hass.stop()
    hass.start()
    took = await hass.wait_running()
    say(f"  restarted cleanly in {took:.1f} s; sending")


def count_arrivals(texts: list[Text], simulator: SmsDkSimulator) -> list[str]:
    """Set each text's arrivals from the simulator's log; return texts received but never sent."""
    by_text: dict[str, list[str]] = {}
    for record in simulator.messages:
        by_text.setdefault(record.message, []).append(str(record.receiver))
    for text in texts:
        receivers = by_text.pop(text.message, [])
        text.arrived = len(receivers)
        text.wrong_receiver = sum(1 for r in receivers if r != text.receiver)
    return sorted(by_text)


def write_report(path: Path, seed: int, bursts: list[Burst]) -> None:
    """Every text's times (seconds into its burst), answer and arrivals, as JSON."""

    def after(burst: Burst, when: float | None) -> float | None:
        return None if when is None else round(when - burst.began, 3)

    data = {
        "seed": seed,
        "kills": [
            {
                "burst": b.number,
                "after": b.kill_after,
                "after_drain": b.after_drain,
                "restart_took": b.restart_took,
            }
            for b in bursts
            if b.kill_after is not None
        ],
        "texts": [
            {
                "message": t.message,
                "burst": b.number,
                "way": WAYS[t.way].name,
                "sent_after": after(b, t.sent_at),
                "answered_after": after(b, t.answered_at),
                "status": t.status,
                "error": t.error,
                "must": t.must,
                "arrived": t.arrived,
            }
            for b in bursts
            for t in b.texts
        ],
    }
    path.write_text(json.dumps(data, indent=1), encoding="utf-8")


def verdict(args: argparse.Namespace, bursts: list[Burst], strangers: list[str]) -> bool:
    """Print the counts and the summary line; return whether the run failed."""
    texts = [t for b in bursts for t in b.texts]
    must = [t for t in texts if t.must]
    lost = [t for t in must if t.arrived == 0]
    duplicates = [t for t in texts if t.arrived > 1]
    misrouted = [t for t in texts if t.wrong_receiver]
    refused = [t for t in texts if t.status is not None and not 200 <= t.status < 300]
    say("  per burst: sent / answered 2xx / must arrive / arrived (kill instant)")
    for burst in bursts:
        b = burst.texts
        say(
            f"    {burst.number}: {sum(1 for t in b if t.sent_at is not None)}"
            f" / {sum(1 for t in b if t.status and 200 <= t.status < 300)}"
            f" / {sum(1 for t in b if t.must)} / {sum(1 for t in b if t.arrived)}"
            + (f"  (SIGKILL at {burst.kill_after:.2f} s)" if burst.kill_after is not None else "")
            + ("  after the outbox emptied" if burst.after_drain else "")
        )
    if lost:
        say(f"  lost: kill-{{{ranges([t.index for t in lost])}}}")
    if duplicates:
        say("  duplicates: " + ", ".join(f"{t.message} x{t.arrived}" for t in duplicates))
    if misrouted:
        say("  wrong receiver: " + ", ".join(t.message for t in misrouted))
    if strangers:
        say(f"  received but never sent: {', '.join(strangers[:10])}")
    if refused:
        codes = sorted({t.status for t in refused if t.status is not None})
        say(f"  {len(refused)} requests answered with an error status {codes}")
    failed = bool(lost or duplicates or misrouted or strangers)
    killed = [b for b in bursts if b.killed_at is not None]
    say(
        f"killtest: texts={len(texts)} kills={len(killed)} lost={len(lost)}"
        f" duplicates={len(duplicates)} must_arrive={len(must)}"
        f" arrived={sum(1 for t in texts if t.arrived)} may_arrive={len(texts) - len(must)}"
        f" wrong_receiver={len(misrouted)}"
        f" instants={','.join(f'{b.kill_after:.2f}' for b in killed)} seed={args.seed}"
        f" time={time.monotonic() - args.began:.0f}s {'FAILED' if failed else 'passed'}"
    )
    if failed:
        say(f"  replay: scripts/killtest --seed {args.seed} --keep")
    return failed


async def run(args: argparse.Namespace, folder: Path) -> int:
    """One kill test run; its exit status."""
    bursts = plan(args)
    texts = [t for b in bursts for t in b.texts]
    say(
        f"killtest: seed {args.seed}: {len(texts)} texts in {len(bursts)} bursts of {args.burst},"
        f" SIGKILL in bursts {', '.join(str(b.number) for b in bursts if b.kill_after is not None)}"
        f"; SMS.dk answers each send in {args.delay:g} s"
    )
    simulator = SmsDkSimulator(credits=1_000_000, dlr_delay=2.0)
    simulator.faults.delay = args.delay
    simulator.faults.only_paths = {SEND_PATH}
    sim_url = await simulator.start("127.0.0.1", free_port(), auto_advance=True)
    hass = Hass(folder, free_port(), sim_url)
    try:
        say(f"  Home Assistant on port {hass.port}, simulator on {sim_url}, folder {folder}")
        await set_up(hass)
        for burst in bursts:
            if burst.after_drain:
                waited, why = await drain(
                    hass, simulator, args.drain, quiet=PRE_BURST_QUIET * args.delay, settle=0.0
                )
                say(f"  burst {burst.number} waits for the outbox: {why} after {waited:.0f} s")
            await run_burst(hass, burst, args.delay)
        decide_must(texts, [b.killed_at for b in bursts if b.killed_at is not None])
        waited, why = await drain(hass, simulator, args.drain)
        say(f"  drained in {waited:.0f} s: {why}")
        stop_status = await hass.stop()
    finally:
        hass.kill()
        await simulator.stop()
    strangers = count_arrivals(texts, simulator)
    cut = sum(1 for t in texts if t.status is None)
    say(
        f"  {cut} requests cut off by a kill; hass's exit status after the last SIGTERM:"
        f" {stop_status}"
    )
    errors, warnings, shown = scan_logs(folder, hass.starts)
    say(f"  hass logs: {errors} errors, {warnings} warnings over {hass.starts} starts")
    for line in shown:
        say(f"    {line}")
    write_report(folder / "report.json", args.seed, bursts)
    return 1 if verdict(args, bursts, strangers) else 0


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(prog="scripts/killtest", description=__doc__.split("\n")[0])
    parser.add_argument("--seed", type=int, help="replay a run (default: a new random seed)")
    parser.add_argument("--texts", type=int, default=100, help="texts in all (default 100)")
    parser.add_argument("--burst", type=int, default=20, help="texts sent at once (default 20)")
    parser.add_argument("--kills", type=int, help="bursts to kill (default: 3 to 5, by the seed)")
    parser.add_argument("--kill-min", type=float, default=0.2, help="earliest kill, s into a burst")
    parser.add_argument("--kill-max", type=float, default=3.0, help="latest kill, s into a burst")
    parser.add_argument("--delay", type=float, default=1.0, help="SMS.dk's time per send, s")
    parser.add_argument("--drain", type=float, default=180.0, help="longest wait at the end, s")
    parser.add_argument("--keep", action="store_true", help="keep the folder (config and logs)")
    # scripts/killtest: where this process's / is on the host (the Python 3.14 root), for messages.
    parser.add_argument("--host-root", default="", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.began = time.monotonic()
    if args.seed is None:
        args.seed = random.SystemRandom().randrange(1, 1_000_000)
    return args


def main(argv: list[str] | None = None) -> int:
    """Run the kill test; exit status 0 passed, 1 failed, 2 the harness could not run."""
    args = parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="sms_dk-killtest-"))
    status = 2

    async def guarded() -> int:
        # An interrupt or a TERM cancels the run, whose clean-up stops hass and the simulator.
        if task := asyncio.current_task():
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(sig, task.cancel)
        return await run(args, folder)

    try:
        status = asyncio.run(guarded())
    except HarnessError as err:
        say(f"killtest: ERROR: {err}")
        say(f"killtest: texts={args.texts} harness error (seed={args.seed})")
    except asyncio.CancelledError:
        say("killtest: interrupted")
        status = 130
    finally:
        if args.keep or status == 2:
            say(
                f"  kept: {args.host_root}{folder} (configuration, hass-N.log per start,"
                " report.json)"
            )
        else:
            shutil.rmtree(folder, ignore_errors=True)
    return status


if __name__ == "__main__":
    sys.exit(main())
