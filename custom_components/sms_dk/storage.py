"""What an entry keeps across restarts: its write-ahead journal, and one store per other kind.

The journal (:class:`EntryJournal`) holds what must survive a hard kill or a power cut at any
instant: every text from before its first request leaves until SMS.dk answered for it (the
outbox), and every text the spend guard let through (the guard counts before sending). It is an
append-only file of JSON lines in Home Assistant's storage folder, flushed to disk (fsync) before
the request that depends on it, and rewritten from the owners' state (atomically: a temporary
file, fsync, rename) when it holds more than twice what is alive, so that the disk written per
text stays bounded however many texts wait. Writes that come together share one fsync.

The other kinds (followed messages, usage, texts given up) are Home Assistant stores: versioned,
migrated by :meth:`EntryStore._async_migrate_func`, private where they hold numbers or texts, and
written before an unload completes.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence
import json
import os
from pathlib import Path
from typing import Any, Final

from homeassistant.core import CALLBACK_TYPE, HassJob, HomeAssistant, callback
from homeassistant.helpers.event import async_call_later
from homeassistant.helpers.storage import STORAGE_DIR, Store

from .const import DOMAIN, LOGGER

STORAGE_VERSION: Final = 1
# 1.2: the same shapes as 1.1 (0.1 and the releases since); the migration is where changes go.
STORAGE_MINOR_VERSION: Final = 2
OUTBOX: Final = "outbox"  # the outbox's store before the journal (read once, then removed)
NOT_SENT: Final = "not_sent"
DELIVERIES: Final = "deliveries"
USAGE: Final = "usage"
SPEND: Final = "spend"  # the spend guard's store before the journal (read once, then removed)
KINDS: Final = (OUTBOX, NOT_SENT, DELIVERIES, USAGE, SPEND)
# Stores that hold phone numbers or texts: readable by the owner of the files only.
PRIVATE: Final = frozenset({OUTBOX, NOT_SENT, DELIVERIES})

JOURNAL: Final = "journal"
# The journal is rewritten once it has this many lines and more than twice what is alive.
COMPACT_AT: Final = 200
# A record nothing waits for is on disk at most this long after it was appended (flush_later).
FLUSH_LATER: Final = 1.0

type Record = dict[str, Any]


class EntryStore[T: (Mapping[str, Any] | Sequence[Any])](Store[T]):
    """A store of one entry: versioned, with the migration of older versions in one place."""

    async def _async_migrate_func(
        self, old_major_version: int, old_minor_version: int, old_data: Any
    ) -> Any:
        """Bring data stored by an older release to the current shape.

        1.1 to 1.2 changed no shape. A future change adds its step here; data of an unknown
        major version is refused by Home Assistant's Store itself.
        """
        return old_data


def entry_store[T: (Mapping[str, Any] | Sequence[Any])](
    hass: HomeAssistant, entry_id: str, kind: str
) -> Store[T]:
    """The store of *kind* (one of KINDS) of the entry *entry_id*."""
    return EntryStore(
        hass,
        STORAGE_VERSION,
        f"{DOMAIN}.{entry_id}.{kind}",
        private=kind in PRIVATE,
        atomic_writes=kind in PRIVATE,
        minor_version=STORAGE_MINOR_VERSION,
    )


def journal_path(hass: HomeAssistant, entry_id: str) -> Path:
    """Where the entry's journal lives (beside Home Assistant's own stores, in its backups)."""
    return Path(hass.config.path(STORAGE_DIR, f"{DOMAIN}.{entry_id}.{JOURNAL}"))


async def async_remove_entry_stores(hass: HomeAssistant, entry_id: str) -> None:
    """Forget everything a removed entry stored."""
    for kind in KINDS:
        store: Store[dict[str, Any]] = entry_store(hass, entry_id, kind)
        await store.async_remove()
    path = journal_path(hass, entry_id)
    await hass.async_add_executor_job(lambda: path.unlink(missing_ok=True))


class EntryJournal:
    """The entry's write-ahead journal: records appended, flushed to disk before they count.

    Owners append records (plain JSON objects with a ``k`` naming the owner) and await
    :meth:`async_flush` where a record must be on disk before they go on; a record appended
    without a flush is written with the next flush, at the latest when the journal closes. To
    rewrite the journal, each owner gives a snapshot: the records that replayed give its state.
    """

    def __init__(self, hass: HomeAssistant, entry_id: str) -> None:
        """The journal of entry *entry_id*."""
        self._hass = hass
        self._path = journal_path(hass, entry_id)
        self._snapshots: list[Callable[[], list[Record]]] = []
        self._pending: list[str] = []
        self._appended = 0  # records appended so far
        self._flushed = 0  # of those, records on disk
        self._lines = 0  # lines in the file
        self._compact_at = COMPACT_AT
        self._lock = asyncio.Lock()
        self._descriptor: int | None = None  # the file, open for appends once written
        self._failed = False
        self._cancel_later: CALLBACK_TYPE | None = None
        self._later_job = HassJob(self._start_flush, "sms_dk journal", cancel_on_shutdown=True)
        self.unreadable = 0  # lines of the last load that could not be read

    def add_snapshot(self, snapshot: Callable[[], list[Record]]) -> None:
        """Add an owner's snapshot: its state as records, for a rewrite."""
        self._snapshots.append(snapshot)

    async def async_load(self) -> list[Record]:
        """Read every record; a torn last line (a kill during a write) is left out.

        A line in the middle that cannot be read is counted in ``unreadable`` (the owners say
        so: it may have been a text), and left out.
        """
        lines = await self._hass.async_add_executor_job(self._read)
        records: list[Record] = []
        self.unreadable = 0
        for number, line in enumerate(lines):
            try:
                record = json.loads(line)
            except ValueError:
                record = None
            if isinstance(record, dict):
                records.append(record)
            elif number < len(lines) - 1 or line.endswith("\n"):
                self.unreadable += 1
        self._lines = len(lines)
        if self.unreadable:
            # Neither the line nor its number or text: a count and where.
            LOGGER.error(
                "%d record(s) of %s could not be read and are left out", self.unreadable, self._path
            )
        return records

    def append(self, record: Record) -> None:
        """Append *record*; it is on disk once a flush that follows has returned."""
        self._pending.append(json.dumps(record, separators=(",", ":")) + "\n")
        self._appended += 1

    @callback
    def flush_later(self) -> None:
        """Write what was appended within FLUSH_LATER, unless a flush comes sooner."""
        if self._cancel_later is None:
            self._cancel_later = async_call_later(self._hass, FLUSH_LATER, self._later_job)

    @callback
    def _start_flush(self, _now: object) -> None:
        self._cancel_later = None
        self._hass.async_create_background_task(self.async_flush(), "sms_dk journal")

    async def async_flush(self) -> None:
        """Write and fsync every record appended so far (one write for all that wait)."""
        target = self._appended
        async with self._lock:
            if self._flushed >= target or not self._pending:
                return
            lines, self._pending = self._pending, []
            upto = self._appended
            try:
                await self._hass.async_add_executor_job(self._write, lines)
            except OSError as err:
                # A full or failing disk must not stop an alarm: the text goes on, only a hard
                # kill could now lose it.
                if not self._failed:
                    LOGGER.error("The outbox journal %s cannot be written: %s", self._path, err)
                self._failed = True
            else:
                self._failed = False
                self._lines += len(lines)
            self._flushed = upto
            if self._lines >= self._compact_at:
                await self._async_compact_locked()

    async def async_close(self) -> None:
        """Write everything, rewrite the journal to what is alive, and close the file."""
        if self._cancel_later is not None:
            self._cancel_later()
            self._cancel_later = None
        await self.async_flush()
        async with self._lock:
            await self._async_compact_locked(force=True)
            if (descriptor := self._descriptor) is not None:
                self._descriptor = None
                await self._hass.async_add_executor_job(os.close, descriptor)

    async def _async_compact_locked(self, *, force: bool = False) -> None:
        records = [record for snapshot in self._snapshots for record in snapshot()]
        if not force and self._lines <= 2 * len(records):
            # Mostly alive: rewriting would write as much again. Wait until it doubles.
            self._compact_at = self._lines * 2
            return
        lines = [json.dumps(record, separators=(",", ":")) + "\n" for record in records]
        try:
            await self._hass.async_add_executor_job(self._rewrite, lines)
        except OSError as err:
            LOGGER.error("The outbox journal %s cannot be rewritten: %s", self._path, err)
            return
        self._lines = len(lines)
        self._compact_at = max(COMPACT_AT, 2 * len(lines))

    # In the executor -------------------------------------------------------------------------

    def _read(self) -> list[str]:
        try:
            with self._path.open(encoding="utf-8", errors="replace", newline="\n") as file:
                return file.readlines()
        except FileNotFoundError:
            return []
        except OSError as err:
            # Unreadable (a failing disk, a folder in its place): the entry still sets up and
            # sends; what the journal held is not there to send.
            LOGGER.error("The outbox journal %s cannot be read: %s", self._path, err)
            return []

    def _open(self) -> int:
        if self._descriptor is None:
            self._path.parent.mkdir(parents=True, exist_ok=True)
            self._descriptor = os.open(self._path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        return self._descriptor

    def _write(self, lines: list[str]) -> None:
        # Straight to the descriptor, with no buffered file object between: this write is on
        # the send path of every text, and this way it is one system call before the fsync.
        descriptor = self._open()
        data = memoryview("".join(lines).encode("utf-8"))
        while data:
            data = data[os.write(descriptor, data) :]
        os.fsync(descriptor)

    def _rewrite(self, lines: list[str]) -> None:
        if self._descriptor is not None:
            os.close(self._descriptor)
            self._descriptor = None
        self._path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self._path.with_name(f"{self._path.name}.tmp")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8", newline="\n") as file:
            file.write("".join(lines))
            file.flush()
            os.fsync(file.fileno())
        temporary.replace(self._path)
        directory = os.open(self._path.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)
