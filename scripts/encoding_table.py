"""Print the README's table of what sample texts cost, computed by the integration's own code.

Run ``python -m scripts.encoding_table``; tests/test_gsm.py checks the figures, so the README
cannot drift from the code unnoticed.
"""

# The samples are about typographic characters, so they spell them out.
# ruff: noqa: RUF001

from __future__ import annotations

import sys

from custom_components.sms_dk.smsdk.gsm import Encoding, analyze

LONG_ALARM = (
    "ALARM: Der er registreret bevægelse i stuen kl. 02:14, mens alarmen var slået til i "
    "nattilstand. Kameraet ved terrassedøren har gemt et billede, og lyset i entréen og køkkenet "
    "er tændt automatisk. Hvis det er dig selv eller en anden i familien, kan du slå alarmen fra "
    "i appen eller på panelet ved hoveddøren. Er du i tvivl, så ring til mig eller til "
    "vagtcentralen på 70 20 30 40, før du går ind i huset."
)

SAMPLES: tuple[str, ...] = (
    "Hej Mor, alarmen i stuen er gået i gang. Ring til mig, når du ser denne besked.",
    "Strømmen koster 2,15 € pr. kWh mellem kl. 17 og 21 i aften.",
    "Fryseren i kælderen er for varm 🥶 Tjek den!",
    "Temperatur i fryseren: -12.5°C – “for varm” …",
    LONG_ALARM,
    LONG_ALARM + " 🚨",
)

HEADER = (
    "Text",
    "Characters",
    "Encoding chosen",
    "Parts",
    "Parts if always sent as unicode",
    "With character replacement",
)

MAX_SHOWN = 40


def _shown(text: str) -> str:
    """The sample as a table cell: shortened to MAX_SHOWN characters, pipes escaped."""
    if len(text) > MAX_SHOWN:
        text = text[: MAX_SHOWN - 1].rstrip() + "…"
    return text.replace("|", "\\|")


def rows() -> list[tuple[str, ...]]:
    """One row of cells per sample."""
    result: list[tuple[str, ...]] = []
    for text in SAMPLES:
        auto = analyze(text)
        unicode = analyze(text, encoding=Encoding.UNICODE)
        replaced = analyze(text, replace=True)
        result.append(
            (
                _shown(text),
                str(len(text)),
                auto.format.value,
                str(auto.parts),
                str(unicode.parts),
                f"{replaced.format.value}, {replaced.parts}",
            )
        )
    return result


def markdown_table() -> str:
    """The whole table in Markdown, ending with a newline."""
    lines = [HEADER, tuple("---" for _ in HEADER), *rows()]
    return "".join(f"| {' | '.join(cells)} |\n" for cells in lines)


if __name__ == "__main__":
    sys.stdout.write(markdown_table())
