"""The integration's figures, measured in a real Home Assistant against the SMS.dk simulator.

Run it with ``scripts/bench``, which runs this file as one pytest test (the test plugin gives it a
real Home Assistant; the simulator serves on 127.0.0.1) and prints one table at the end:

1. parts paid for the texts of scripts/bench_corpus.py, divided by the fewest parts each text can
   be sent in (counted by the simulator's own GSM 03.38 table, not the integration's), with the
   ``replace_characters`` option on and off, and what always sending UCS-2 would cost;
2. what ``sms_dk.send_sms`` adds to a bare ``SmsDkClient.send`` (median, interleaved calls);
3. the time one ``send_sms`` to 1, 5 and 20 recipients takes when SMS.dk answers after 100 ms;
4. how much memory 1,000 ``send_sms`` calls leave behind (tracemalloc, after a warm-up).

Home Assistant runs as in production, not as the test plugin sets it up: the event loop is not in
debug mode and logging is at WARNING (both would otherwise dominate the times and the memory). The
spend guard's limits are off, since the benchmark sends some 4,500 texts. pytest's own run
(scripts/test) does not collect this file: its tests live in tests/.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
import gc
import itertools
import json
import logging
import os
from pathlib import Path
import platform
import statistics
import time
import tracemalloc
from typing import Any, Final
import unicodedata

from homeassistant.const import CONF_API_TOKEN, CONF_URL, __version__ as ha_version
from homeassistant.core import HomeAssistant
from homeassistant.helpers.aiohttp_client import async_get_clientsession
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.sms_dk.const import CONF_REPLACE_CHARACTERS, DOMAIN
from custom_components.sms_dk.smsdk import MessageFormat, SmsDkClient
from custom_components.sms_dk.smsdk.gsm import analyze, replace_non_gsm
from scripts.bench_corpus import CORPUS
from tests.simulator import DEMO_TOKEN, SmsDkSimulator
from tests.simulator.gsm import FORMAT_GSM, encode

REPO: Final = Path(__file__).resolve().parent.parent
# One receiver for the corpus, the overhead and the memory runs; fan-out adds its own.
NUMBER: Final = "4522113344"
SENDER: Final = "SMSDKDemo"  # the simulator's first approved sender name, the default one
SHORT_TEXT: Final = "Vaskemaskinen er færdig. Husk at tømme den."

OVERHEAD_WARMUP: Final = 20
OVERHEAD_CALLS: Final = 500
FANOUT_SIZES: Final = (1, 5, 20)
FANOUT_RUNS: Final = 5
FANOUT_DELAY: Final = 0.1
# The warm-up fills every bounded store (the dispatcher's 1,000 known batches, the tracker's 50
# messages) with traced objects, so that what the batch evicts is counted as freed.
MEMORY_WARMUP: Final = 1000
MEMORY_BATCH: Final = 1000
MEMORY_BATCHES: Final = 3
# Stack frames kept per allocation: enough to find the integration's line under library calls.
MEMORY_FRAMES: Final = 8

KIB: Final = 1024
# The options of the spend guard's limits (0 turns a limit off); spelled out, not imported, so that
# the benchmark also runs on code from before the guard.
SPEND_LIMITS: Final = ("max_per_hour", "max_per_day")


@dataclass(frozen=True, slots=True)
class TextCost:
    """What one corpus text cost, and what it could have cost."""

    name: str
    minimum: int  # parts of the text sent, by the simulator's table: GSM if it can be, else UCS-2
    paid: int  # parts the simulator charged
    estimate: int  # parts the integration's own count expected
    ucs2: int  # parts had it been sent as UCS-2 (the text as written)
    left: str  # characters outside GSM 03.38 in the text that should be sent
    sent_as_expected: bool  # the simulator received exactly the text expected


@dataclass(frozen=True, slots=True)
class CorpusResult:
    """The corpus sent once with the option on or off."""

    replace: bool
    costs: tuple[TextCost, ...]

    @property
    def minimum(self) -> int:
        """Parts of the whole corpus at the minimum."""
        return sum(cost.minimum for cost in self.costs)

    @property
    def paid(self) -> int:
        """Parts of the whole corpus as charged."""
        return sum(cost.paid for cost in self.costs)

    @property
    def ucs2(self) -> int:
        """Parts of the whole corpus always sent as UCS-2."""
        return sum(cost.ucs2 for cost in self.costs)


@dataclass(frozen=True, slots=True)
class Overhead:
    """Medians of interleaved send_sms and bare client calls, in milliseconds."""

    service: float
    bare: float
    paired: float  # median of the per-pair differences

    @property
    def difference(self) -> float:
        """What send_sms adds, median against median."""
        return self.service - self.bare


@dataclass(frozen=True, slots=True)
class Memory:
    """Memory left behind by a batch of send_sms calls (the batch with the median total)."""

    traced: int  # bytes, tracemalloc: everything the process kept
    integration: int  # bytes of it allocated with an integration line on the stack
    batches: tuple[int, ...]  # what each batch kept, bytes
    top: tuple[str, ...]  # the lines that kept the most, for a reader who wants to know


def _ms(nanoseconds: float) -> float:
    return nanoseconds / 1e6


async def _send_sms(hass: HomeAssistant, recipients: list[str], message: str) -> dict[str, Any]:
    response = await hass.services.async_call(
        DOMAIN,
        "send_sms",
        {"recipients": recipients, "message": message},
        blocking=True,
        return_response=True,
    )
    if response is None:
        pytest.fail("sms_dk.send_sms returned no response")
    return dict(response)


def _forget(simulator: SmsDkSimulator) -> None:
    """Drop what the simulator keeps of every request, so that only the integration grows."""
    simulator.requests.clear()
    simulator.messages.clear()
    simulator.dlr_calls.clear()


# ---------------------------------------------------------------------------------- 1. parts


def _expected_text(text: str, *, replace: bool) -> str:
    """The text the integration should send: stripped, and replaced when the option is on.

    Only the replacement itself is the integration's (it is what the option promises); every
    count below is the simulator's.
    """
    text = text.strip()
    if replace:
        text, _ = replace_non_gsm(unicodedata.normalize("NFC", text))
    return text


async def _send_corpus(
    hass: HomeAssistant, simulator: SmsDkSimulator, entry: MockConfigEntry, *, replace: bool
) -> CorpusResult:
    hass.config_entries.async_update_entry(
        entry, options={**entry.options, CONF_REPLACE_CHARACTERS: replace}
    )
    costs: list[TextCost] = []
    for name, text in CORPUS:
        expected = _expected_text(text, replace=replace)
        before = len(simulator.messages)
        response = await _send_sms(hass, [NUMBER], text)
        records = simulator.messages[before:]
        if len(records) != 1 or len(response["accepted"]) != 1:
            pytest.fail(f"{name}: expected one accepted message, got {response}")
        costs.append(
            TextCost(
                name=name,
                minimum=encode(expected, None).parts,
                paid=records[0].message_size,
                estimate=analyze(text.strip(), replace=replace).parts,
                ucs2=encode(text.strip(), "unicode").parts,
                left="".join(
                    dict.fromkeys(c for c in expected if encode(c, None).format != FORMAT_GSM)
                ),
                sent_as_expected=records[0].message == expected,
            )
        )
    _forget(simulator)
    return CorpusResult(replace, tuple(costs))


# ------------------------------------------------------------------------------- 2. overhead


async def _overhead(hass: HomeAssistant, simulator: SmsDkSimulator) -> Overhead:
    client = SmsDkClient(async_get_clientsession(hass), DEMO_TOKEN, base_url=simulator.url)

    async def service() -> None:
        await _send_sms(hass, [NUMBER], SHORT_TEXT)

    async def bare() -> None:
        # What the integration puts on the wire for the same text: format, and a reference.
        await client.send(
            receiver=NUMBER,
            sender=SENDER,
            message=SHORT_TEXT,
            message_format=MessageFormat.GSM,
            reference="ha-0123456789abcdef",
        )

    for _ in range(OVERHEAD_WARMUP):
        await service()
        await bare()
    service_times: list[int] = []
    bare_times: list[int] = []
    calls: tuple[tuple[Callable[[], Awaitable[None]], list[int]], ...] = (
        (service, service_times),
        (bare, bare_times),
    )
    for index in range(OVERHEAD_CALLS):
        # Alternate which goes first, so that neither always follows the other's leftovers.
        for call, times in calls if index % 2 == 0 else calls[::-1]:
            start = time.perf_counter_ns()
            await call()
            times.append(time.perf_counter_ns() - start)
    _forget(simulator)
    return Overhead(
        service=_ms(statistics.median(service_times)),
        bare=_ms(statistics.median(bare_times)),
        paired=_ms(
            statistics.median(s - b for s, b in zip(service_times, bare_times, strict=True))
        ),
    )


# -------------------------------------------------------------------------------- 3. fan-out


async def _fanout(hass: HomeAssistant, simulator: SmsDkSimulator) -> dict[int, float]:
    simulator.faults.delay = FANOUT_DELAY
    medians: dict[int, float] = {}
    try:
        for size in FANOUT_SIZES:
            recipients = [f"+{4540100000 + i}" for i in range(size)]
            times: list[float] = []
            for _ in range(FANOUT_RUNS):
                start = time.perf_counter()
                response = await _send_sms(hass, recipients, "Alarm: røg i køkkenet.")
                times.append(time.perf_counter() - start)
                if len(response["accepted"]) != size:
                    pytest.fail(f"fan-out to {size}: {response}")
            medians[size] = statistics.median(times)
    finally:
        simulator.faults.delay = 0.0
    _forget(simulator)
    return medians


# --------------------------------------------------------------------------------- 4. memory


def _kept(before: tracemalloc.Snapshot, after: tracemalloc.Snapshot) -> dict[str, int]:
    """Bytes kept between two snapshots, by the integration's line that allocated them.

    A block counts for the most recent integration line on its stack (directly or through library
    calls), or for "" when there is none.
    """
    by_line: dict[str, int] = {}
    for stat in after.compare_to(before, "traceback"):
        line = next(
            (
                f"{frame.filename.rpartition('/custom_components/')[2]}:{frame.lineno}"
                for frame in reversed(stat.traceback)
                if f"/custom_components/{DOMAIN}/" in frame.filename
            ),
            "",
        )
        by_line[line] = by_line.get(line, 0) + stat.size_diff
    return by_line


async def _memory(hass: HomeAssistant, simulator: SmsDkSimulator) -> Memory:
    async def batch(count: int) -> tracemalloc.Snapshot:
        for index in range(count):
            await _send_sms(hass, [NUMBER], f"Dørsensor {index}: hoveddøren står åben.")
        await hass.async_block_till_done()
        _forget(simulator)
        gc.collect()
        return tracemalloc.take_snapshot().filter_traces(
            [tracemalloc.Filter(inclusive=False, filename_pattern=tracemalloc.__file__)]
        )

    tracemalloc.start(MEMORY_FRAMES)
    try:
        snapshots = [await batch(MEMORY_WARMUP)]
        snapshots.extend([await batch(MEMORY_BATCH) for _ in range(MEMORY_BATCHES)])
    finally:
        tracemalloc.stop()
    kept = [_kept(a, b) for a, b in itertools.pairwise(snapshots)]
    totals = [sum(lines.values()) for lines in kept]
    # The batch with the median total stands for all, its lines too.
    median = sorted(range(len(kept)), key=totals.__getitem__)[len(kept) // 2]
    lines = kept[median]
    top = sorted(((size, line) for line, size in lines.items() if line), reverse=True)[:3]
    return Memory(
        traced=totals[median],
        integration=sum(size for line, size in lines.items() if line),
        batches=tuple(totals),
        top=tuple(f"{line} {size / KIB:+.1f} KiB" for size, line in top if size > 0),
    )


# --------------------------------------------------------------------------------- the report


def _commit() -> str:
    """The checked-out commit, read from .git without running git."""
    git = REPO / ".git"
    try:
        head = (git / "HEAD").read_text(encoding="utf-8").strip()
        if head.startswith("ref: "):
            ref = head.removeprefix("ref: ")
            path = git / ref
            if path.exists():
                return path.read_text(encoding="utf-8").strip()[:7]
            for line in (git / "packed-refs").read_text(encoding="utf-8").splitlines():
                if line.endswith(f" {ref}"):
                    return line[:7]
            return "?"
        return head[:7]
    except OSError:
        return "?"


def _machine() -> str:
    manifest = json.loads(
        (REPO / "custom_components" / DOMAIN / "manifest.json").read_text(encoding="utf-8")
    )
    return (
        f"Machine: {os.cpu_count()} CPUs ({platform.machine()}), Python "
        f"{platform.python_version()}, Home Assistant {ha_version}; integration "
        f"{manifest['version']} at commit {_commit()} (with any uncommitted changes)"
    )


def _ratio(paid: int, minimum: int) -> str:
    return f"{paid / minimum:.2f} ({paid} / {minimum} parts)"


@dataclass(frozen=True, slots=True)
class Results:
    """Everything measured, for the report."""

    on: CorpusResult
    off: CorpusResult
    overhead: Overhead
    fanout: dict[int, float]
    memory: Memory
    started: float  # time.perf_counter() at the start

    def notes(self) -> list[str]:
        """Every text where something is not as it should be, one line each."""
        notes: list[str] = []
        for result in (self.on, self.off):
            option = "on" if result.replace else "off"
            for cost in result.costs:
                where = f"{cost.name} (option {option})"
                if cost.paid != cost.minimum:
                    notes.append(f"{where}: paid {cost.paid} parts, minimum {cost.minimum}")
                if cost.estimate != cost.paid:
                    notes.append(f"{where}: integration counted {cost.estimate}, paid {cost.paid}")
                if not cost.sent_as_expected:
                    notes.append(f"{where}: the simulator received another text than expected")
        kept = [f"{c.name} {c.left!r}" for c in self.on.costs if c.left]
        if kept:
            notes.append("Not GSM with the option on (no GSM equivalent): " + ", ".join(kept))
        return notes

    def rows(self) -> list[tuple[str, str, str]]:
        """The table's rows: figure, result, goal."""
        on, off, overhead, memory = self.on, self.off, self.overhead, self.memory
        sizes = " / ".join(str(size) for size in FANOUT_SIZES)
        per_1000 = 1000 / MEMORY_BATCH / KIB
        return [
            (
                f"Parts paid ÷ GSM minimum, `replace_characters` on ({len(CORPUS)} texts)",
                _ratio(on.paid, on.minimum),
                "1.00",
            ),
            (
                "Parts paid ÷ GSM minimum, `replace_characters` off",
                _ratio(off.paid, off.minimum),
                "1.00",
            ),
            ("Always UCS-2 ÷ GSM minimum (option on)", _ratio(on.ucs2, on.minimum), "-"),
            ("Option off ÷ option on (parts paid)", _ratio(off.paid, on.paid), "-"),
            (
                f"`send_sms` overhead over bare `SmsDkClient.send` (median of {OVERHEAD_CALLS})",
                (
                    f"{overhead.difference:.2f} ms ({overhead.service:.2f} vs"
                    f" {overhead.bare:.2f} ms; paired {overhead.paired:.2f} ms)"
                ),
                "< 1 ms",
            ),
            (
                (
                    f"Fan-out, SMS.dk answering after {FANOUT_DELAY * 1000:.0f} ms:"
                    f" {sizes} recipients (median of {FANOUT_RUNS})"
                ),
                " / ".join(f"{self.fanout[size]:.2f}" for size in FANOUT_SIZES) + " s",
                "-",
            ),
            (
                (
                    f"Memory kept per 1,000 `send_sms` (tracemalloc, median of {MEMORY_BATCHES}"
                    f" batches after {MEMORY_WARMUP:,} warm-up)"
                ),
                (
                    f"{memory.traced * per_1000:+.1f} KiB (on integration lines"
                    f" {memory.integration * per_1000:+.1f} KiB)"
                ),
                "~0",
            ),
        ]

    def report(self) -> str:
        """The whole report: what was measured where, notes, and the table."""
        danish = sum(1 for name, _ in CORPUS if name.startswith("da-"))
        multi = sum(1 for cost in self.on.costs if cost.minimum > 1)
        rows = [("Figure", "Result", "Goal"), ("---", "---", "---"), *self.rows()]
        widths = [max(len(row[i]) for row in rows) for i in range(3)]
        table = [
            "| "
            + " | ".join(
                cell.ljust(widths[i], "-" if cell == "---" else " ") for i, cell in enumerate(row)
            )
            + " |"
            for row in rows
        ]
        notes = self.notes() or ["none"]
        memory = self.memory
        return "\n".join(
            [
                "",
                f"SMS.dk benchmark, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
                _machine(),
                (
                    f"Corpus: {len(CORPUS)} texts ({danish} Danish,"
                    f" {len(CORPUS) - danish} English; {multi} take more than one part)"
                ),
                "Notes: " + notes[0],
                *(f"       {note}" for note in notes[1:]),
                (
                    f"Memory kept per batch of {MEMORY_BATCH:,} sends: "
                    + ", ".join(f"{size / KIB:+.1f}" for size in memory.batches)
                    + " KiB; most on "
                    + ("; ".join(memory.top) or "nothing")
                ),
                "",
                *table,
                "",
                f"Benchmark time: {time.perf_counter() - self.started:.0f} s",
            ]
        )


@pytest.fixture(autouse=True)
async def enable_event_loop_debug() -> None:
    """Run the event loop as Home Assistant does, not in the test plugin's debug mode.

    Debug mode records where every task and callback was created, which would dominate the
    times and the memory measured here.
    """
    asyncio.get_running_loop().set_debug(False)


@pytest.mark.usefixtures("enable_custom_integrations", "socket_enabled")
async def test_bench(hass: HomeAssistant) -> None:
    """Measure everything once and print the table."""
    started = time.perf_counter()
    # A production Home Assistant logs warnings and up; the test plugin's INFO would measure
    # the logging (and keep every record in memory for the test report).
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.WARNING)
    simulator = SmsDkSimulator(credits=1e9)
    await simulator.start()
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="SMS.dk",
        data={CONF_API_TOKEN: DEMO_TOKEN, CONF_URL: simulator.url},
        # The spend guard's limits (texts an hour and a day) off: the benchmark sends thousands.
        options=dict.fromkeys(SPEND_LIMITS, 0),
    )
    entry.add_to_hass(hass)
    try:
        if not await hass.config_entries.async_setup(entry.entry_id):
            pytest.fail("The SMS.dk entry did not set up")
        await hass.async_block_till_done()
        results = Results(
            on=await _send_corpus(hass, simulator, entry, replace=True),
            off=await _send_corpus(hass, simulator, entry, replace=False),
            overhead=await _overhead(hass, simulator),
            fanout=await _fanout(hass, simulator),
            memory=await _memory(hass, simulator),
            started=started,
        )
        print(results.report())
    finally:
        await hass.config_entries.async_unload(entry.entry_id)
        await hass.async_block_till_done()
        await simulator.stop()
        root.setLevel(level)
