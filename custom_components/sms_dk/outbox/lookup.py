"""Finding a text whose answer was lost in SMS.dk's delivery log, before it is sent again.

A request whose answer is lost (a timeout, a connection cut after it went out, a gateway's 502 or
504) may or may not have reached SMS.dk. A text is recognised in the log by its receiver and its
userReference: the caller's reference, or, when the caller gave none, one the integration makes
of the text's unique send id (``ha-…``). With a caller's reference, which may repeat, the record
must also carry the same text, be no older than the lost request (less a margin for clocks), and
belong to a batch not already accounted for.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Final

from ..models import Prepared
from ..smsdk import LogEntry, SmsDkClient

# How far back (and ahead) of the lost request a record may be stamped: SMS.dk's clock and ours.
CLOCK_MARGIN: Final = timedelta(minutes=5)
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

    def __init__(self, client: SmsDkClient, tracked: Callable[[str], bool]) -> None:
        """Read the log with *client*; *tracked* tells batches the delivery tracker follows."""
        self._client = client
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
        for page in range(LOG_SEARCH_PAGES):
            log = await self._client.get_log(limit=LOG_SEARCH_PAGE, offset=page * LOG_SEARCH_PAGE)
            for entry in log.entries:
                if self._is_record_of(entry, prepared, receiver, since):
                    return entry
            # Newest first: once a page reaches back before the lost request, nothing older can
            # be it (a scheduled text is logged at its time, which is later still).
            oldest = min((e.time_sent for e in log.entries if e.time_sent), default=None)
            if len(log.entries) < LOG_SEARCH_PAGE or (oldest is not None and oldest < since):
                break
        return None

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
