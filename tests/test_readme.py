"""The README's figures come from the code."""

from __future__ import annotations

from pathlib import Path

from scripts.encoding_table import markdown_table

README = Path(__file__).resolve().parent.parent / "README.md"


def test_encoding_table_is_current() -> None:
    """The table of sample texts in the README is what the code computes now."""
    assert markdown_table().strip() in README.read_text(encoding="utf-8")


def test_outbox_schedule_is_the_codes() -> None:
    """The README's outbox schedule is the one the code follows."""
    from custom_components.sms_dk.outbox import lookup as dispatch, schedule

    text = README.read_text(encoding="utf-8")
    assert (schedule.PROBE_FAST, schedule.PROBE_SLOW) == (10, 60)
    assert schedule.PROBE_FAST_FOR.total_seconds() == 600
    flat = " ".join(text.split())
    assert "every 10 s during the first 10 minutes of the outage, then every minute" in flat
    assert schedule.NEEDS_USER_DELAYS == (30, 60, 120, 300, 600, 900)
    assert "After 30 s, 1, 2, 5, 10 and then every 15 minutes" in flat
    assert schedule.SETTLE.total_seconds() == 15
    assert "no sooner than 15 s after the lost request" in flat
    assert dispatch.BLIND_AFTER.total_seconds() == 600
    assert "After 10 minutes without a readable log" in flat
    assert dispatch.LOG_SEARCH_PAGE * dispatch.LOG_SEARCH_PAGES == 1000
    assert dispatch.CLOCK_MARGIN.total_seconds() == 300
