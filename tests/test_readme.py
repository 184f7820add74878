"""The README's figures come from the code."""

from __future__ import annotations

from pathlib import Path

from scripts.encoding_table import markdown_table

README = Path(__file__).resolve().parent.parent / "README.md"


def test_encoding_table_is_current() -> None:
    """The table of sample texts in the README is what the code computes now."""
    assert markdown_table().strip() in README.read_text(encoding="utf-8")
