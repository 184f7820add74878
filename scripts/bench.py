"""The integration's figures, measured in a real Home Assistant against the SMS.dk simulator.

Run it with ``scripts/bench``, which runs this file as one pytest test (the test plugin gives it a
real Home Assistant; the simulator serves on 127.0.0.1) and prints one table at the end:

1. parts paid for the texts of scripts/bench_corpus.py, divided by the fewest parts each text can
   be sent in (counted by the simulator's own GSM 03.38 table, not the integration's), with the
   ``replace_characters`` option on and off, and what always sending UCS-2 would cost;
2. what ``sms_dk.send_sms`` adds to a bare ``SmsDkClient.send`` (median, interleaved calls),
   write-ahead included, and how much of it is the journal's flush to disk, beside the fsync of a
   500-byte line on the same folder;
3. the time one ``send_sms`` to 1, 5 and 20 recipients takes when SMS.dk answers after 100 ms;
4. how much memory 1,000 ``send_sms`` calls leave behind (tracemalloc, after a warm-up);
5. 2,000 texts sent while SMS.dk is down (every request answered with a 503 page): the time of
   one ``send_sms``, the bytes written to the journal (appends and rewrites: bounded per text,
   however many wait), its size against what is alive; then SMS.dk answers again and every text
   must go out exactly once;
6. reads of the delivery log (``POST /v1/sms/listlog``, counted as the simulator received them)
   for a burst of 50 delivery reports (50 texts to 50 recipients, reported within a second), and
   per poll with 200 texts pending; beside them the same figures of the code before (#15).

Home Assistant's configuration folder is a temporary folder of the run (``hass_config_dir``, as
tests/conftest.py does), on this machine's disk: the entry's journal
(``.storage/sms_dk.<entry_id>.journal``) is a real file there, written with fsync. The bench
watches it by wrapping the one journal's write methods (the integration is not changed).

Home Assistant runs as in production, not as the test plugin sets it up: the event loop is not in
debug mode and logging is at WARNING (both would otherwise dominate the times and the memory). The
spend guard's limits are off, since the benchmark sends some 4,500 texts. pytest's own run
(scripts/test) does not collect this file: its tests live in tests/.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
import gc
import itertools
import json
import logging
import os
from pathlib import Path
import platform
import shutil
import statistics
import tempfile
import time
import tracemalloc
from typing import Any, Final
import unicodedata

from homeassistant.config_entries import ConfigEntryDisabler, ConfigEntryState
from homeassistant.const import CONF_API_TOKEN, CONF_URL, __version__ as ha_version
from homeassistant.core import HomeAssistant
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.storage import STORAGE_DIR
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.sms_dk.const import CONF_REPLACE_CHARACTERS, DOMAIN
from custom_components.sms_dk.smsdk import MessageFormat, SmsDkClient
from custom_components.sms_dk.smsdk.gsm import analyze, replace_non_gsm
from custom_components.sms_dk.storage import EntryJournal, journal_path
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

# The fsync of a line about the size of a text's journal record, on the journal's folder.
FSYNC_LINE: Final = 500
# Just before and just after the overhead run: the disk is shared, and its fsync varies (from
# 0.2 to 4 ms a call on the same folder within a minute, as others write).
FSYNC_CALLS: Final = 100
# The same with the disk left idle this long before each (about the time from one send's fsync to
# the next in the overhead run): a virtual disk answers an fsync that follows a pause slower
# than one of a back-to-back run, and the journal's are of the first kind.
FSYNC_GAP: Final = 0.004
# A folder in memory for the second overhead run (the journal's fsync then costs nothing): what
# the send path costs apart from this machine's disk. Missing, the run is left out.
MEMORY_FOLDER: Final = Path("/dev/shm")  # noqa: S108 - a private folder is made in it (mkdtemp)
# No-op jobs timed through Home Assistant's executor, each FSYNC_GAP after the last: the hop the
# journal's write takes to leave the event loop, apart from the disk.
EXECUTOR_CALLS: Final = 200
# Texts sent while SMS.dk is down, one recipient each, then sent when it answers again.
OUTAGE_TEXTS: Final = 2000
OUTAGE_STATUS: Final = 503  # "unavailable": not taken (no lookup in the delivery log before again)
OUTAGE_QUARTER: Final = OUTAGE_TEXTS // 4
# Longer than any wait of the outbox's probe (every 10 s, then every minute): the clock is moved
# on by this to bring the first probe after SMS.dk answers forward.
PROBE_JUMP: Final = timedelta(seconds=61)
DRAIN_TIMEOUT: Final = 120.0
# The background flush after a text SMS.dk took (its "done" record) runs in a task of this name.
BACKGROUND_FLUSH: Final = "sms_dk journal"

KIB: Final = 1024
# Delivery reports of this many texts to as many recipients, and polls of this many pending texts.
BURST_TEXTS: Final = 50
POLL_TEXTS: Final = 200
# Longer than the window in which reports are read together (0.5 s, tracking/tracker.py), and
# than the first poll's delay (10 s): waited, or the clock moved on by it.
REPORTS_SETTLE: Final = 1.0
POLL_JUMP: Final = timedelta(seconds=11)
# The same figures measured by this bench on the code before #15 (commit 5080e19's integration):
# one read per reported batch, one per pending batch, and only the last 50 texts were followed
# (following all 200, one read per text would have made 200 reads a poll).
BEFORE_BURST: Final = "50"
BEFORE_POLL: Final = "50 / 50, with 50 followed and 50 / 200 shown delivered"
LISTLOG: Final = "/v1/sms/listlog"

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


@dataclass(frozen=True, slots=True)
class Flushes:
    """The journal during the overhead run: its flushes and what they wrote, per send_sms."""

    on_path: float  # ms, median async_flush awaited by a send (executor hop and lock included)
    on_path_p90: float
    waited: float  # share of those that found another flush under way (the lock held)
    waited_ms: float  # ms, their median
    disk: float  # ms, median write + flush + fsync of one append, in the executor
    disk_p90: float
    background: float  # ms, median async_flush of the background task (after SMS.dk answered)
    writes: float  # fsynced appends per send_sms
    written: float  # bytes written to the journal per send_sms (appends and rewrites)
    fsync_before: float  # ms, median write + fsync of a FSYNC_LINE-byte line on the same folder
    fsync_after: float  # the same, just after the overhead run
    fsync_gap: float  # the same, FSYNC_GAP after the last, just after the overhead run
    executor: float  # ms, median round trip of a no-op executor job, each FSYNC_GAP after the last
    file_system: str
    config_dir: str
    size: int  # bytes of the journal file after the run


@dataclass(frozen=True, slots=True)
class Outage:
    """OUTAGE_TEXTS sent while SMS.dk is down, then sent when it answers again."""

    median: float  # ms, one send_sms during the outage
    p99: float
    written: int  # bytes written to the journal during the outage (appends and rewrites)
    first: float  # bytes written per text, the first OUTAGE_QUARTER texts
    last: float  # the same for the last OUTAGE_QUARTER
    largest_send: int  # bytes, the most one send_sms wrote
    rewrites: tuple[int, ...]  # bytes of each rewrite during the outage
    size: int  # bytes of the journal file after the outage
    live: int  # bytes of what is alive then (what a rewrite would write)
    file_matches: bool  # the file's size is what the watched writes add up to
    queued: int  # texts the outbox kept (the responses said "queued")
    sent_once: int  # texts of the outage the simulator received exactly once
    duplicates: int  # texts it received more than once
    missing: int
    drain: float  # s, real time from the probe brought forward to the last text out
    drain_written: int  # bytes written to the journal while the kept texts went out
    drain_rewrites: tuple[int, ...]
    size_after: int  # bytes of the journal file once every text went out


class JournalWatch:
    """What the entry's journal writes, by wrapping the write methods of that one instance.

    The integration is unchanged: the wrappers call the journal's own methods and count the
    bytes (UTF-8, as the file is written) and the times. Off (``active``) during the memory run,
    whose figures the watch's own lists would otherwise grow.
    """

    def __init__(self, journal: EntryJournal, path: Path, size: int) -> None:
        """Watch *journal*, whose file is *path*, of *size* bytes now."""
        self.journal = journal
        self.path = path
        self.active = True
        self.appends: list[int] = []  # bytes of each append (one write + fsync)
        self.append_ns: list[int] = []  # write + flush + fsync of each append, in the executor
        self.rewrites: list[int] = []  # bytes of each rewrite (temporary file, fsync, rename)
        # (background?, the journal busy with another flush at the call?, async_flush time)
        self.flush_ns: list[tuple[bool, bool, int]] = []
        # The file's size as the watched writes make it (checked against the file itself).
        self.expected_size = size
        write, rewrite, flush = journal._write, journal._rewrite, journal.async_flush  # noqa: SLF001

        def watched_write(lines: list[str]) -> None:
            start = time.perf_counter_ns()
            write(lines)
            elapsed = time.perf_counter_ns() - start
            size = sum(len(line.encode()) for line in lines)
            self.expected_size += size
            if self.active:
                self.appends.append(size)
                self.append_ns.append(elapsed)

        def watched_rewrite(lines: list[str]) -> None:
            rewrite(lines)
            size = sum(len(line.encode()) for line in lines)
            self.expected_size = size
            if self.active:
                self.rewrites.append(size)

        async def watched_flush() -> None:
            busy = journal._lock.locked()  # noqa: SLF001
            start = time.perf_counter_ns()
            await flush()
            if self.active:
                task = asyncio.current_task()
                background = task is not None and task.get_name() == BACKGROUND_FLUSH
                self.flush_ns.append((background, busy, time.perf_counter_ns() - start))

        journal._write = watched_write  # type: ignore[method-assign]  # noqa: SLF001
        journal._rewrite = watched_rewrite  # type: ignore[method-assign]  # noqa: SLF001
        journal.async_flush = watched_flush  # type: ignore[method-assign]

    @property
    def written(self) -> int:
        """Bytes written so far (while active): appends and rewrites."""
        return sum(self.appends) + sum(self.rewrites)

    def live(self) -> int:
        """Bytes of what is alive now: what a rewrite would write (the owners' snapshots)."""
        snapshots = self.journal._snapshots  # noqa: SLF001
        return sum(
            len(json.dumps(record, separators=(",", ":")).encode()) + 1
            for snapshot in snapshots
            for record in snapshot()
        )

    async def async_size(self, hass: HomeAssistant) -> int:
        """The journal file's size now."""
        await self.journal.async_flush()
        return await hass.async_add_executor_job(lambda: self.path.stat().st_size)


def _ms(nanoseconds: float) -> float:
    return nanoseconds / 1e6


def _percentile(values: Sequence[float], percent: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[percent - 1]


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


async def _overhead(
    hass: HomeAssistant, simulator: SmsDkSimulator, watch: JournalWatch
) -> tuple[Overhead, Flushes]:
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

    folder = Path(hass.config.path(STORAGE_DIR))
    fsync_before = await hass.async_add_executor_job(_fsync_times, folder)
    for _ in range(OVERHEAD_WARMUP):
        await service()
        await bare()
    await hass.async_block_till_done()
    appends, rewrites, flushes = len(watch.appends), len(watch.rewrites), len(watch.flush_ns)
    written = watch.written
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
    await hass.async_block_till_done()
    flushes_end = len(watch.flush_ns)
    fsync_after = await hass.async_add_executor_job(_fsync_times, folder)
    fsync_gap = await hass.async_add_executor_job(_fsync_times, folder, FSYNC_GAP)
    await watch.journal.async_flush()
    _forget(simulator)
    overhead = Overhead(
        service=_ms(statistics.median(service_times)),
        bare=_ms(statistics.median(bare_times)),
        paired=_ms(
            statistics.median(s - b for s, b in zip(service_times, bare_times, strict=True))
        ),
    )
    run = watch.flush_ns[flushes:flushes_end]
    path_flushes = [ns for background, _, ns in run if not background]
    background_flushes = [ns for background, _, ns in run if background]
    waited = [ns for background, busy, ns in run if not background and busy]
    return overhead, Flushes(
        on_path=_ms(statistics.median(path_flushes)),
        on_path_p90=_ms(_percentile(path_flushes, 90)),
        waited=len(waited) / len(path_flushes),
        waited_ms=_ms(statistics.median(waited)) if waited else 0.0,
        disk=_ms(statistics.median(watch.append_ns[appends:])),
        disk_p90=_ms(_percentile(watch.append_ns[appends:], 90)),
        background=_ms(statistics.median(background_flushes)) if background_flushes else 0.0,
        writes=(len(watch.appends) - appends + len(watch.rewrites) - rewrites) / OVERHEAD_CALLS,
        written=(watch.written - written) / OVERHEAD_CALLS,
        fsync_before=_ms(statistics.median(fsync_before)),
        fsync_after=_ms(statistics.median(fsync_after)),
        fsync_gap=_ms(statistics.median(fsync_gap)),
        executor=_ms(statistics.median(await _executor_round_trips(hass))),
        file_system=await hass.async_add_executor_job(_file_system, folder),
        config_dir=hass.config.config_dir,
        size=await watch.async_size(hass),
    )


async def _watch(hass: HomeAssistant, entry: MockConfigEntry) -> JournalWatch:
    """A watch on the loaded *entry*'s journal, from the size its file has now."""
    path = journal_path(hass, entry.entry_id)
    size = await hass.async_add_executor_job(lambda: path.stat().st_size if path.exists() else 0)
    return JournalWatch(entry.runtime_data.journal, path, size)


async def _executor_round_trips(hass: HomeAssistant) -> list[int]:
    """Round trips of a no-op job through Home Assistant's executor, FSYNC_GAP apart."""
    times: list[int] = []
    for _ in range(EXECUTOR_CALLS):
        await asyncio.sleep(FSYNC_GAP)
        start = time.perf_counter_ns()
        await hass.async_add_executor_job(os.getpid)
        times.append(time.perf_counter_ns() - start)
    return times


async def _overhead_in_memory(
    hass: HomeAssistant, simulator: SmsDkSimulator, entry: MockConfigEntry
) -> tuple[Overhead, Flushes] | None:
    """The overhead run again with the configuration folder, so the journal, in memory.

    *entry* is disabled meanwhile (an action that names no entry needs the only one) and set up
    again in the real folder afterwards. None without MEMORY_FOLDER.
    """
    if not await hass.async_add_executor_job(MEMORY_FOLDER.is_dir):
        return None
    folder = Path(await hass.async_add_executor_job(_memory_folder))
    real = hass.config.config_dir
    twin = MockConfigEntry(domain=DOMAIN, title=entry.title, data=entry.data, options=entry.options)
    await hass.config_entries.async_set_disabled_by(entry.entry_id, ConfigEntryDisabler.USER)
    await hass.async_block_till_done()
    hass.config.config_dir = str(folder)
    try:
        twin.add_to_hass(hass)
        if not await hass.config_entries.async_setup(twin.entry_id):
            pytest.fail("The SMS.dk entry in memory did not set up")
        await hass.async_block_till_done()
        measured = await _overhead(hass, simulator, await _watch(hass, twin))
        await hass.config_entries.async_remove(twin.entry_id)
        await hass.async_block_till_done()
    finally:
        hass.config.config_dir = real
        await hass.async_add_executor_job(_remove_tree, folder)
    await hass.config_entries.async_set_disabled_by(entry.entry_id, None)
    await hass.async_block_till_done()
    if entry.state is not ConfigEntryState.LOADED:
        pytest.fail("The SMS.dk entry did not set up again")
    return measured


def _memory_folder() -> str:
    folder = tempfile.mkdtemp(prefix=f"{DOMAIN}-bench-", dir=MEMORY_FOLDER)
    (Path(folder) / STORAGE_DIR).mkdir()
    return folder


def _remove_tree(folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)


def _fsync_times(folder: Path, gap: float = 0.0) -> list[int]:
    """Write + fsync of a FSYNC_LINE-byte line, FSYNC_CALLS times, in a file beside the journal.

    *gap*: seconds the disk is left idle before each (timed: only the write and the fsync).
    """
    path = folder / f"{DOMAIN}.bench.fsync"
    line = b"x" * (FSYNC_LINE - 1) + b"\n"
    times: list[int] = []
    descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        for _ in range(FSYNC_CALLS):
            if gap:
                time.sleep(gap)
            start = time.perf_counter_ns()
            os.write(descriptor, line)
            os.fsync(descriptor)
            times.append(time.perf_counter_ns() - start)
    finally:
        os.close(descriptor)
        path.unlink()
    return times


def _file_system(folder: Path) -> str:
    """The file system *folder* is on ("ext4 on /dev/vda"), from /proc/self/mountinfo."""
    device = folder.stat().st_dev
    wanted = f"{os.major(device)}:{os.minor(device)}"
    try:
        lines = Path("/proc/self/mountinfo").read_text(encoding="utf-8").splitlines()
    except OSError:
        return "?"
    for line in lines:
        fields, _, rest = line.partition(" - ")
        parts, tail = fields.split(), rest.split()
        if len(parts) > 2 and parts[2] == wanted and len(tail) > 1:
            return f"{tail[0]} on {tail[1]}"
    return "?"


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


# ---------------------------------------------------------------------------------- 5. outage


async def _outage(
    hass: HomeAssistant, simulator: SmsDkSimulator, entry: MockConfigEntry, watch: JournalWatch
) -> Outage:
    outbox = entry.runtime_data.outbox
    await hass.async_block_till_done()
    await watch.journal.async_flush()
    _forget(simulator)
    texts = [f"Strømsvigt {index}: fryseren er slukket." for index in range(OUTAGE_TEXTS)]
    simulator.faults.page_status = OUTAGE_STATUS
    rewrites = len(watch.rewrites)
    written = watch.written
    times: list[int] = []
    per_send: list[int] = []
    queued = 0
    try:
        for text in texts:
            before = watch.written
            start = time.perf_counter_ns()
            response = await _send_sms(hass, [NUMBER], text)
            times.append(time.perf_counter_ns() - start)
            per_send.append(watch.written - before)
            queued += len(response["queued"])
        outage_rewrites = tuple(watch.rewrites[rewrites:])
        outage_written = watch.written - written
        size = await watch.async_size(hass)
        live = watch.live()
        file_matches = size == watch.expected_size
    finally:
        simulator.faults.page_status = None
    # SMS.dk answers again. The outbox finds out with its next probe (within 10 s of real time
    # now): the clock is moved on to bring it forward, and the texts then go out in real time.
    rewrites, written = len(watch.rewrites), watch.written
    start_drain = time.perf_counter()
    async_fire_time_changed(hass, dt_util.utcnow() + PROBE_JUMP)
    progress, progress_at = 0, start_drain
    while outbox.items or len(simulator.messages) < OUTAGE_TEXTS:
        await asyncio.sleep(0.02)
        now = time.perf_counter()
        if now - start_drain > DRAIN_TIMEOUT:
            pytest.fail(f"{len(simulator.messages)} of {OUTAGE_TEXTS} sent after the outage")
        if len(simulator.messages) != progress:
            progress, progress_at = len(simulator.messages), now
        elif now - progress_at > 1.0 and outbox.retrying:
            # A probe was under way when the clock moved (it met the outage): bring on the next.
            async_fire_time_changed(hass, dt_util.utcnow() + PROBE_JUMP)
            progress_at = now
    drain = time.perf_counter() - start_drain
    await hass.async_block_till_done()
    await asyncio.sleep(0.5)  # anything sent twice would come now
    received = Counter(record.message for record in simulator.messages)
    size_after = await watch.async_size(hass)
    _forget(simulator)
    quarter = OUTAGE_QUARTER
    return Outage(
        median=_ms(statistics.median(times)),
        p99=_ms(_percentile(times, 99)),
        written=outage_written,
        first=sum(per_send[:quarter]) / quarter,
        last=sum(per_send[-quarter:]) / quarter,
        largest_send=max(per_send),
        rewrites=outage_rewrites,
        size=size,
        live=live,
        file_matches=file_matches,
        queued=queued,
        sent_once=sum(1 for text in texts if received[text] == 1),
        duplicates=sum(1 for text in texts if received[text] > 1),
        missing=sum(1 for text in texts if received[text] == 0),
        drain=drain,
        drain_written=watch.written - written,
        drain_rewrites=tuple(watch.rewrites[rewrites:]),
        size_after=size_after,
    )


# ----------------------------------------------------------------------------- 6. log reads


@dataclass(frozen=True, slots=True)
class LogReads:
    """Reads of the delivery log for a burst of reports and for two polls."""

    burst: int  # listlog requests after BURST_TEXTS reports
    burst_spread: float  # s, from the first report sent to the last answered
    burst_delivered: int  # of those texts, how many the tracker shows delivered then
    first_poll: int  # listlog requests of the poll with POLL_TEXTS pending
    second_poll: int  # and of the next one, once SMS.dk delivered them all
    followed: int  # texts the tracker followed at the first poll
    poll_delivered: int  # of the POLL_TEXTS, how many it shows delivered after the second


def _reads(simulator: SmsDkSimulator) -> int:
    return sum(request.path == LISTLOG for request in simulator.requests)


def _delivered(entry: MockConfigEntry, batches: set[str]) -> int:
    tracker = entry.runtime_data.tracker
    return sum(m.batch_id in batches and m.status_name == "delivered" for m in tracker.messages)


async def _poll(hass: HomeAssistant, simulator: SmsDkSimulator, jump: timedelta) -> int:
    """The listlog requests of the poll the clock moved on by *jump* brings."""
    before = _reads(simulator)
    async_fire_time_changed(hass, dt_util.utcnow() + jump)
    await hass.async_block_till_done(wait_background_tasks=True)
    return _reads(simulator) - before


async def _log_reads(
    hass: HomeAssistant, simulator: SmsDkSimulator, entry: MockConfigEntry, external_url: str
) -> LogReads:
    await hass.async_block_till_done(wait_background_tasks=True)
    _forget(simulator)
    # SMS.dk reaches the webhook at Home Assistant's own HTTP server (as if port-forwarded).
    await hass.config.async_update(external_url=external_url)
    simulator.dlr_delay = 0
    response = await _send_sms(
        hass, [f"+{4540200000 + i}" for i in range(BURST_TEXTS)], "Brand: røgalarm i stuen."
    )
    batches = {accepted["batch_id"] for accepted in response["accepted"]}
    before = _reads(simulator)
    start = time.perf_counter()
    await simulator.advance()  # delivered, and reported: BURST_TEXTS real calls to the webhook
    spread = time.perf_counter() - start
    await asyncio.sleep(REPORTS_SETTLE)
    await hass.async_block_till_done(wait_background_tasks=True)
    burst = _reads(simulator) - before
    burst_delivered = _delivered(entry, batches)
    await hass.config.async_update(external_url=None)

    batches = set()
    for group in range(POLL_TEXTS // BURST_TEXTS):
        numbers = [f"+{4540300000 + group * BURST_TEXTS + i}" for i in range(BURST_TEXTS)]
        response = await _send_sms(hass, numbers, "Vandalarm i kælderen.")
        batches |= {accepted["batch_id"] for accepted in response["accepted"]}
    tracker = entry.runtime_data.tracker
    first_poll = await _poll(hass, simulator, POLL_JUMP)
    followed = sum(m.batch_id in batches for m in tracker.messages)
    await simulator.advance()  # no report (no dlrUrl): only polling tells
    second_poll = await _poll(hass, simulator, POLL_JUMP * 3)
    poll_delivered = _delivered(entry, batches)
    _forget(simulator)
    return LogReads(
        burst=burst,
        burst_spread=spread,
        burst_delivered=burst_delivered,
        first_poll=first_poll,
        second_poll=second_poll,
        followed=followed,
        poll_delivered=poll_delivered,
    )


# --------------------------------------------------------------------------------- the report


def _commit() -> str:
    """The checked-out commit: from scripts/bench, else read from .git without running git.

    In a git worktree .git is a file naming a folder outside the repository (which the chroot
    of scripts/_common.sh does not see): scripts/bench asks git and passes SMS_DK_COMMIT.
    """
    if commit := os.environ.get("SMS_DK_COMMIT"):
        return commit
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
    flushes: Flushes
    in_memory: tuple[Overhead, Flushes] | None
    fanout: dict[int, float]
    memory: Memory
    outage: Outage
    log_reads: LogReads
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
        outage = self.outage
        if not outage.file_matches:
            notes.append("The journal file's size is not what the watched writes add up to")
        if outage.queued != OUTAGE_TEXTS:
            notes.append(f"Outage: {outage.queued} of {OUTAGE_TEXTS} texts said queued")
        if outage.duplicates or outage.missing:
            notes.append(
                f"After the outage: {outage.duplicates} texts sent more than once,"
                f" {outage.missing} not sent"
            )
        kept = [f"{c.name} {c.left!r}" for c in self.on.costs if c.left]
        if kept:
            notes.append("Not GSM with the option on (no GSM equivalent): " + ", ".join(kept))
        return notes

    def rows(self) -> list[tuple[str, str, str]]:
        """The table's rows: figure, result, goal."""
        on, off, overhead, memory = self.on, self.off, self.overhead, self.memory
        flushes, outage = self.flushes, self.outage
        outage_rewrites = outage.rewrites or (0,)
        drain_rewrites = outage.drain_rewrites or (0,)
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
                "Of which the journal's flush awaited before the request (median; 90th pct)",
                (
                    f"{flushes.on_path:.2f} ms ({flushes.on_path_p90:.2f}); its write + fsync"
                    f" in the executor {flushes.disk:.2f} ms ({flushes.disk_p90:.2f})"
                ),
                "-",
            ),
            (
                (
                    "The same two with the journal in memory (the configuration folder in"
                    f" {MEMORY_FOLDER}: fsync costs nothing)"
                ),
                (
                    f"{self.in_memory[0].difference:.2f} ms"
                    f" ({self.in_memory[0].service:.2f} vs {self.in_memory[0].bare:.2f} ms);"
                    f" flush {self.in_memory[1].on_path:.2f} ms"
                    if self.in_memory
                    else f"not measured ({MEMORY_FOLDER} missing)"
                ),
                "-",
            ),
            (
                (
                    "Round trip of a no-op job through Home Assistant's executor (median of"
                    f" {EXECUTOR_CALLS}, each {FSYNC_GAP * 1000:.0f} ms after the last)"
                ),
                f"{flushes.executor:.2f} ms",
                "-",
            ),
            (
                "Journal per text sent at once (overhead run)",
                (
                    f"{flushes.writes:.2f} fsynced writes, {flushes.written:.0f} bytes; the"
                    f" second (after SMS.dk answered) in the background, {flushes.background:.2f}"
                    f" ms: {flushes.waited:.0%} of the flushes above waited for it"
                    f" ({flushes.waited_ms:.2f} ms median)"
                ),
                "-",
            ),
            (
                (
                    f"fsync of a {FSYNC_LINE}-byte line beside the journal (median of"
                    f" {FSYNC_CALLS} just before / after the overhead run; after, each"
                    f" {FSYNC_GAP * 1000:.0f} ms after the last)"
                ),
                (
                    f"{flushes.fsync_before:.2f} / {flushes.fsync_after:.2f} ms;"
                    f" {flushes.fsync_gap:.2f} ms ({flushes.file_system})"
                ),
                "-",
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
            (
                (
                    f"`send_sms` while SMS.dk is down (HTTP {OUTAGE_STATUS}), median / 99th"
                    f" percentile of {OUTAGE_TEXTS:,}"
                ),
                f"{outage.median:.2f} / {outage.p99:.2f} ms",
                "-",
            ),
            (
                f"Journal written during the outage ({OUTAGE_TEXTS:,} texts kept)",
                (
                    f"{outage.written / KIB:.0f} KiB, {outage.written / OUTAGE_TEXTS:.0f} bytes"
                    f" per text (first {OUTAGE_QUARTER}: {outage.first:.0f}, last"
                    f" {OUTAGE_QUARTER}: {outage.last:.0f}); most in one `send_sms`"
                    f" {outage.largest_send / KIB:.1f} KiB"
                ),
                "bounded per text",
            ),
            (
                "Journal rewrites during the outage",
                f"{len(outage.rewrites)}, largest {max(outage_rewrites) / KIB:.1f} KiB",
                "few",
            ),
            (
                "Journal file after the outage vs the live data",
                (
                    f"{outage.size / KIB:.0f} KiB vs {outage.live / KIB:.0f} KiB"
                    f" ({outage.size / max(outage.live, 1):.2f} times)"
                ),
                "≤ 2 times",
            ),
            (
                "Sent exactly once when SMS.dk answers again",
                (
                    f"{outage.sent_once:,} / {OUTAGE_TEXTS:,} in {outage.drain:.1f} s real time"
                    f" ({outage.duplicates} twice, {outage.missing} missing)"
                ),
                f"{OUTAGE_TEXTS:,} / {OUTAGE_TEXTS:,}",
            ),
            (
                "Journal written while the kept texts went out",
                (
                    f"{outage.drain_written / KIB:.0f} KiB"
                    f" ({outage.drain_written / OUTAGE_TEXTS:.0f} bytes per text),"
                    f" {len(outage.drain_rewrites)} rewrites, largest"
                    f" {max(drain_rewrites) / KIB:.1f} KiB; file after"
                    f" {outage.size_after / KIB:.1f} KiB"
                ),
                "bounded per text",
            ),
            (
                (
                    f"Log reads per burst of {BURST_TEXTS} delivery reports (one text each, all"
                    f" reported within {self.log_reads.burst_spread:.2f} s)"
                ),
                (
                    f"{self.log_reads.burst} (before: {BEFORE_BURST});"
                    f" {self.log_reads.burst_delivered} / {BURST_TEXTS} shown delivered"
                    f" {REPORTS_SETTLE:.0f} s after"
                ),
                "≤ 3",
            ),
            (
                f"Log reads per poll with {POLL_TEXTS} pending texts (first poll / next poll)",
                (
                    f"{self.log_reads.first_poll} / {self.log_reads.second_poll} (before:"
                    f" {BEFORE_POLL}); {self.log_reads.followed} followed,"
                    f" {self.log_reads.poll_delivered} / {POLL_TEXTS} shown delivered"
                ),
                "≤ 2",
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
                (
                    f"Journal: {self.flushes.config_dir}/{STORAGE_DIR}/"
                    f" ({self.flushes.file_system}),"
                    f" {self.flushes.size:,} bytes after the overhead run; the outbox's first probe"
                    " after the outage brought forward by moving the clock on"
                    f" {PROBE_JUMP.total_seconds():.0f} s"
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


@pytest.fixture
def hass_config_dir(hass_tmp_config_dir: str) -> str:
    """A configuration folder of the run's own, on this machine's disk (not the test plugin's).

    The entry's journal is a real file there, written with fsync, as in production.
    """
    return hass_tmp_config_dir


@pytest.mark.usefixtures("enable_custom_integrations", "socket_enabled")
async def test_bench(hass: HomeAssistant, hass_client_no_auth: ClientSessionGenerator) -> None:
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
        watch = await _watch(hass, entry)
        on = await _send_corpus(hass, simulator, entry, replace=True)
        off = await _send_corpus(hass, simulator, entry, replace=False)
        overhead, flushes = await _overhead(hass, simulator, watch)
        if flushes.size == 0:
            pytest.fail(f"The journal {watch.path} is empty after {OVERHEAD_CALLS} sends")
        in_memory = await _overhead_in_memory(hass, simulator, entry)
        # The entry was set up anew: a new journal object, watched from here on.
        watch = await _watch(hass, entry)
        fanout = await _fanout(hass, simulator)
        watch.active = False  # its lists would count as memory kept
        memory = await _memory(hass, simulator)
        watch.active = True
        outage = await _outage(hass, simulator, entry, watch)
        http = await hass_client_no_auth()
        log_reads = await _log_reads(hass, simulator, entry, str(http.make_url("/")).rstrip("/"))
        results = Results(
            on=on,
            off=off,
            overhead=overhead,
            flushes=flushes,
            in_memory=in_memory,
            fanout=fanout,
            memory=memory,
            outage=outage,
            log_reads=log_reads,
            started=started,
        )
        print(results.report())
    finally:
        await hass.config_entries.async_unload(entry.entry_id)
        await hass.async_block_till_done()
        await simulator.stop()
        root.setLevel(level)
