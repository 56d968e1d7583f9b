"""The quick start's test payment server: localstripe on loopback, for `make run` only.

    python scripts/quickstart_stripe.py --webhook-url URL -- COMMAND...

starts localstripe (a Stripe-compatible fake server, a dev dependency) on 127.0.0.1 with an empty
in-memory store, registers URL as its webhook endpoint with a fresh secret, then runs COMMAND
(the development server) with STRIPE_SECRET_KEY (sk_test_...), STRIPE_WEBHOOK_SECRET and
STRIPE_API_BASE exported, and stops localstripe when COMMAND exits. Residents then book paid
slots and pay on the pay page with a test card (pm_card_visa succeeds, pm_card_chargeCustomerFail
is declined); cancelling refunds. Nothing leaves the machine.

Development only: it refuses to run unless DEBUG is on. It stays out of the way when
STRIPE_SECRET_KEY is already set (a real test account) or when LOCALSTRIPE=0.
LOCALSTRIPE_PORT picks the port (default 8420; another free port when that one is taken).

Run with `--serve PORT` it is the localstripe process itself: it prints the port it listens
on as its first line.
"""

from __future__ import annotations

import argparse
import errno
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass, field

DEFAULT_PORT = 8420
SECRET_KEY = "sk_test_luohu_quickstart"
WEBHOOK_ID = "luohu-quickstart"
TRUE = {"1", "true", "yes", "on"}


@dataclass
class LocalStripe:
    """A running localstripe subprocess and the address it answers on."""

    url: str
    process: subprocess.Popen[str] = field(repr=False)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:  # a wedged server
                self.process.kill()
                self.process.wait()
        if self.process.stdout is not None:
            self.process.stdout.close()


def start(port: int = DEFAULT_PORT, *, timeout: float = 15.0) -> LocalStripe:
    """Start localstripe on 127.0.0.1:`port` (another free port if taken; 0: any) and wait
    until it answers."""
    process = subprocess.Popen(
        [sys.executable, os.path.abspath(__file__), "--serve", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )
    assert process.stdout is not None
    line = process.stdout.readline().strip()
    if not line.isdigit():
        process.kill()
        process.wait()
        raise RuntimeError("localstripe did not start (is the dev extra installed?)")
    server = LocalStripe(url=f"http://127.0.0.1:{line}", process=process)
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(f"{server.url}/js.stripe.com/v3/", timeout=2):
                return server
        except (urllib.error.URLError, ConnectionError):
            if process.poll() is not None or time.monotonic() > deadline:
                server.stop()
                raise RuntimeError(f"localstripe did not answer on {server.url}") from None
            time.sleep(0.1)


def register_webhook(api_url: str, *, webhook_url: str, secret: str) -> None:
    """Make localstripe post its events, signed with `secret` as Stripe signs them, to
    `webhook_url`."""
    data = urllib.parse.urlencode({"url": webhook_url, "secret": secret}).encode()
    request = urllib.request.Request(f"{api_url}/_config/webhooks/{WEBHOOK_ID}", data=data)
    with urllib.request.urlopen(request, timeout=5):
        pass


def stripe_environment(api_url: str, *, webhook_secret: str) -> dict[str, str]:
    """The settings (environment variables) that point the project at this server."""
    return {
        "STRIPE_SECRET_KEY": SECRET_KEY,
        "STRIPE_WEBHOOK_SECRET": webhook_secret,
        "STRIPE_API_BASE": api_url,
    }


def setup(*, port: int, webhook_url: str) -> tuple[LocalStripe, dict[str, str]]:
    """Start localstripe, register the webhook with a fresh secret; return the server and the
    environment to run the site with."""
    server = start(port)
    secret = "whsec_" + secrets.token_hex(16)
    try:
        register_webhook(server.url, webhook_url=webhook_url, secret=secret)
    except BaseException:
        server.stop()
        raise
    return server, stripe_environment(server.url, webhook_secret=secret)


def _run(command: Sequence[str], env: dict[str, str]) -> int:
    """Run the server; Ctrl-C reaches it (same process group) and it exits, then we clean up."""
    child = subprocess.Popen(list(command), env=env)

    def forward(signum: int, _frame: object) -> None:
        if child.poll() is None:
            child.send_signal(signum)

    previous = {sig: signal.signal(sig, forward) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        while True:
            try:
                return child.wait()
            except KeyboardInterrupt:  # pragma: no cover - the handler replaces this
                continue
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--serve", type=int, metavar="PORT", help=argparse.SUPPRESS)
    parser.add_argument("--webhook-url", help="the development server's Stripe webhook URL")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="-- the server command")
    args = parser.parse_args(argv)
    if args.serve is not None:
        _serve(args.serve)
        return 0
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command or not args.webhook_url:
        parser.error("--webhook-url and a command after -- are required")
    env = dict(os.environ)
    if env.get("DEBUG", "").strip().lower() not in TRUE:
        print("quickstart_stripe: DEBUG is off; not starting a test payment server.", flush=True)
        return _run(command, env)
    if env.get("STRIPE_SECRET_KEY") or env.get("LOCALSTRIPE", "1").strip().lower() not in TRUE:
        return _run(command, env)
    port = int(env["LOCALSTRIPE_PORT"]) if env.get("LOCALSTRIPE_PORT") else DEFAULT_PORT
    server, stripe_env = setup(port=port, webhook_url=args.webhook_url)
    try:
        print(
            f"Test payments: localstripe on {server.url} (in memory, loopback only). "
            "On the pay page choose the test card that succeeds; cancelling refunds.",
            flush=True,
        )
        return _run(command, {**env, **stripe_env})
    finally:
        server.stop()


def _serve(port: int) -> None:  # pragma: no cover - runs in the subprocess
    import asyncio
    import logging

    from aiohttp import web
    from localstripe import resources, server

    # Keep the store in memory only: the stock command shares /tmp/localstripe.pickle between
    # runs (and listens on every address).
    resources.Store.dump_to_disk = lambda self: None  # type: ignore[method-assign]
    logging.getLogger("aiohttp").setLevel(logging.ERROR)

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(("127.0.0.1", port))
    except OSError as exc:
        if exc.errno != errno.EADDRINUSE:
            raise
        sock.bind(("127.0.0.1", 0))  # taken (another quick start?): any free port
    print(sock.getsockname()[1], flush=True)

    asyncio.set_event_loop(asyncio.new_event_loop())
    web.run_app(server.app, sock=sock, print=None, access_log=None, handle_signals=True)


if __name__ == "__main__":
    sys.exit(main())
