"""Run the SMS.dk simulator as a development server: python -m tests.simulator."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import sys

from .app import DEFAULT_SENDER_NAMES, SmsDkSimulator
from .models import DEMO_TOKEN


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m tests.simulator", description="A local SMS.dk API simulator."
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8765, help="port to bind (default 8765)")
    parser.add_argument("--token", default=DEMO_TOKEN, help="the API token the simulator accepts")
    parser.add_argument("--credits", type=float, default=250.0, help="starting credit balance")
    parser.add_argument(
        "--dlr-delay",
        type=float,
        default=5.0,
        help="seconds until a sent message gets its final delivery status",
    )
    parser.add_argument(
        "--sender-name",
        action="append",
        dest="sender_names",
        help="an approved sender name; repeat for several (default: "
        f"{', '.join(DEFAULT_SENDER_NAMES)})",
    )
    return parser.parse_args(argv)


async def _serve(args: argparse.Namespace) -> None:
    simulator = SmsDkSimulator(
        token=args.token,
        credits=args.credits,
        sender_names=args.sender_names or DEFAULT_SENDER_NAMES,
        dlr_delay=args.dlr_delay,
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    url = await simulator.start(args.host, args.port, auto_advance=True)
    sys.stdout.write(f"SMS.dk simulator on {url} (token: {simulator.token})\n")
    sys.stdout.flush()
    try:
        await stop.wait()
    finally:
        await simulator.stop()


def main(argv: list[str] | None = None) -> None:
    """Start the simulator and serve until SIGINT or SIGTERM."""
    args = _parse_args(argv)
    # One line per request (method, path, status) on stderr; headers are never logged.
    logging.basicConfig(
        level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(levelname)s %(message)s"
    )
    logging.getLogger("aiohttp").setLevel(logging.WARNING)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(args))


if __name__ == "__main__":
    main()
