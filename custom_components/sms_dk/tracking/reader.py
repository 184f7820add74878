"""SMS.dk's delivery log, read once for everyone who needs the same records at the same time.

The tracker (its polls and the delivery reports) and the outbox's look-ups of lost answers
(outbox/lookup.py) read the log through the entry's one :class:`LogReader`. A read asked for while
another is under way joins it instead of asking SMS.dk again, when that read brings the records
asked for (the same batch; or, without a batch, a range of the newest-first log within its range)
and started late enough for the asker: a delivery report needs a read that started once the
report came, a lost answer one that started once the log settled after the loss (outbox/lookup.py).
Every read counts against SMS.dk's request limit, whose cool-down would delay the next alarm.

A read is made by the first who asks for it; one who joins and gives up does not cut it short for
the others, and if the first is cancelled (an unload) those who joined read for themselves.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Final

from homeassistant.util import dt as dt_util

from ..smsdk import LogEntry, LogPage, SmsDkClient

# How far back (and ahead) of our own clock a record may be stamped: SMS.dk stamps timeSent with
# its clock, in Danish local time (smsdk/models.py parse_time_sent), ours may differ.
CLOCK_MARGIN: Final = timedelta(minutes=5)


@dataclass(frozen=True, slots=True)
class _Read:
    """A read of the log under way, and its answer to come."""

    batch_id: str | None
    offset: int
    limit: int
    started: datetime
    answer: asyncio.Future[LogPage]

    def brings(self, batch_id: str | None, offset: int, limit: int) -> bool:
        """Whether this read's answer holds the records of that read."""
        return (
            batch_id == self.batch_id
            and self.offset <= offset
            and offset + limit <= self.offset + self.limit
        )


class LogReader:
    """Reads one account's delivery log; reads asked for at the same time share one request."""

    def __init__(self, client: SmsDkClient) -> None:
        """Read the log with *client*."""
        self._client = client
        self._reads: list[_Read] = []

    async def async_read(
        self,
        *,
        limit: int,
        offset: int = 0,
        batch_id: str | None = None,
        started_from: datetime | None = None,
    ) -> LogPage:
        """A page of the log, newest first, only *batch_id*'s records when given.

        Raises SmsDkError. A read under way that brings these records and started at or after
        *started_from* (any, when None) is joined; else a new one is made.
        """
        while read := next(
            (
                read
                for read in self._reads
                if read.brings(batch_id, offset, limit)
                and (started_from is None or read.started >= started_from)
            ),
            None,
        ):
            try:
                page = await asyncio.shield(read.answer)
            except asyncio.CancelledError:
                task = asyncio.current_task()
                if task is None or task.cancelling() or not read.answer.cancelled():
                    raise  # this asker is cancelled
                continue  # only the one who made the read was: join another, or read
            start = offset - read.offset
            return replace(
                page, limit=limit, offset=offset, entries=page.entries[start : start + limit]
            )
        return await self._async_new_read(batch_id, offset, limit)

    async def _async_new_read(self, batch_id: str | None, offset: int, limit: int) -> LogPage:
        """Read from SMS.dk, and hand the answer (or the error) to those who join meanwhile."""
        read = _Read(
            batch_id, offset, limit, dt_util.utcnow(), asyncio.get_running_loop().create_future()
        )
        self._reads.append(read)
        try:
            page = await self._client.get_log(batch_id=batch_id, limit=limit, offset=offset)
        except asyncio.CancelledError:
            read.answer.cancel()
            raise
        except BaseException as err:
            read.answer.set_exception(err)
            read.answer.exception()  # told to whoever joined; nobody else need retrieve it
            raise
        else:
            read.answer.set_result(page)
        finally:
            self._reads.remove(read)
        return page

    async def async_scan(
        self,
        visit: Callable[[LogEntry], bool],
        *,
        since: datetime,
        page: int,
        pages: int,
        started_from: datetime | None = None,
    ) -> bool:
        """Show *visit* the log's records, newest first, until it answers True; raises SmsDkError.

        The log is read *page* records at a time, at most *pages* pages. Returns True when the
        records shown reach as far as needed: *visit* had what it looked for, the log ended, or a
        page reached back before *since* (newest first, nothing older can be stamped after it; a
        scheduled text is logged at its time, which is later still). False when the last page
        allowed was read before that.
        """
        for number in range(pages):
            log = await self.async_read(limit=page, offset=number * page, started_from=started_from)
            for entry in log.entries:
                if visit(entry):
                    return True
            oldest = min((e.time_sent for e in log.entries if e.time_sent), default=None)
            if len(log.entries) < page or (oldest is not None and oldest < since):
                return True
        return False
