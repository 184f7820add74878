"""Finding a text whose answer was lost in SMS.dk's delivery log, before it is sent again.

A request whose answer is lost (a timeout, a connection cut after it went out, a gateway's 502 or
504) may or may not have reached SMS.dk. A text is recognised in the log by its receiver and its
userReference: the caller's reference, or, when the caller gave none, one the integration makes
of the text's unique send id (``ha-…``). With a caller's reference, which may repeat, the record
must also carry the same text, be no older than the lost request (less a margin for clocks), and
belong to a batch not already accounted for.

The log is read through the entry's log reader (tracking/reader.py): a look-up that comes while
the tracker, or another look-up, reads the same newest records shares that read, if it started
once the log had settled after the loss.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Final

from ..models import Prepared
from ..smsdk import LogEntry
from ..tracking import CLOCK_MARGIN, LogReader
from .schedule import SETTLE

# The log is read newest first, this many records a page, at most this many pages.
LOG_SEARCH_PAGE: Final = 200
LOG_SEARCH_PAGES: Final = 5
# If the log cannot be read for this long after a lost answer, the text is sent again without
# knowing: for an alarm a duplicate is better than a loss.
BLIND_AFTER: Final = timedelta(minutes=10)
# Batches accepted lately (kept in memory) are not mistaken for a lost text's record.
KNOWN_BATCHES: Final = 1000


class LostAnswers:
    """Looks lost texts up in the log; remembers which batches were accepted."""

    def __init__(self, log: LogReader, tracked: Callable[[str], bool]) -> None:
        """Read the log with *log*; *tracked* tells batches the delivery tracker follows."""
        self._log = log
        self._tracked = tracked
        self._known: OrderedDict[tuple[str, str], None] = OrderedDict()

    def accepted(self, batch_id: str, receiver: str) -> None:
        """Remember that *batch_id* took the text to *receiver* (it is no lost text's record)."""
        self._known[(batch_id, receiver)] = None
        while len(self._known) > KNOWN_BATCHES:
            self._known.popitem(last=False)

    async def async_find(
        self, prepared: Prepared, receiver: str, lost_at: datetime
    ) -> LogEntry | None:
        """The log record of *prepared* to *receiver*, if SMS.dk took it; raises SmsDkError."""
        since = lost_at - CLOCK_MARGIN
        found: list[LogEntry] = []

        def visit(entry: LogEntry) -> bool:
            if self._is_record_of(entry, prepared, receiver, since):
                found.append(entry)
            return bool(found)

        # The log is read once it settled after the loss (the outbox waits as long before it
        # looks): a read that started sooner may have missed the record, and is not shared.
        await self._log.async_scan(
            visit,
            since=since,
            page=LOG_SEARCH_PAGE,
            pages=LOG_SEARCH_PAGES,
            started_from=lost_at + SETTLE,
        )
        return found[0] if found else None

    def _is_record_of(
        self, entry: LogEntry, prepared: Prepared, receiver: str, since: datetime
    ) -> bool:
        if entry.receiver != receiver or entry.reference != prepared.wire_reference:
            return False
        if prepared.reference is None:
            return True  # our own reference: unique to this text
        if entry.batch_id and (
            (entry.batch_id, receiver) in self._known or self._tracked(entry.batch_id)
        ):
            return False
        if entry.message is not None and entry.message != prepared.text:
            return False
        return entry.time_sent is None or entry.time_sent >= since
