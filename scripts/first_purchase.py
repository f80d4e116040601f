"""A newcomer's first purchase, timed: fresh clone -> ./scripts/dev -> the printed URL -> Premium bought.

    .venv/bin/python scripts/first_purchase.py [--branch NAME] [--keep] [--screenshot FILE]

Clones this checkout's committed state (HEAD's branch, or --branch) into an empty
temporary folder, runs `./scripts/dev` there exactly as the README says (it
creates `.venv` and installs the project: that time counts), waits for its
banner, opens the first URL it printed (the web client) in headless Chromium
(Playwright, Debian's browser, driven from this checkout's venv), presses
"Subscribe monthly", pays on the sandbox's Checkout page with the card that
succeeds and waits until the client shows Premium active. Then Ctrl-C, and the
folder is removed (unless --keep). Prints the wall time of each phase; exit 1
if anything failed. Not part of the test suite (it installs a whole venv).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.browser import launch  # noqa: E402 (after the path is set)

BANNER_END = "Ctrl-C stops everything"
DEV_TIMEOUT = 600  # seconds for install + start: far above the aim, below "something hangs"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def newcomer_env() -> dict[str, str]:
    """The caller's environment without this project's settings (a newcomer has none)."""
    ours = re.compile(
        r"^(DATABASE_URL|STRIPE_|AUTH_JWT_|REDIRECT_|CORS_|GRAPHIQL|GRAPHQL_|WEB_APP|CLOCK|LOG_|"
        r"TEST_|VIRTUAL_ENV|PYTHONPATH|PROMETHEUS_)"
    )
    return {k: v for k, v in os.environ.items() if not ours.match(k)}


async def buy_premium(url: str, screenshot: Path | None) -> None:
    import playwright.async_api as playwright_api

    async with playwright_api.async_playwright() as pw:
        browser = await launch(pw)
        try:
            page = await browser.new_page()
            await page.goto(url)
            await page.wait_for_selector("#premium[data-active=false]", timeout=30_000)
            await page.click("button[data-product=PREMIUM_MONTHLY][data-gift=false]")
            await page.wait_for_selector("#pay", timeout=30_000)
            await page.check("input[name=method][value=card]")
            await page.click("#pay")
            await page.wait_for_selector("#notice[data-state=premium-active]", timeout=60_000)
            if screenshot is not None:
                await page.screenshot(path=str(screenshot), full_page=True)
        finally:
            await browser.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--branch", help="branch to clone (default: HEAD's)")
    parser.add_argument("--keep", action="store_true", help="keep the clone (its path is printed)")
    parser.add_argument("--screenshot", type=Path, help="save the page with Premium active here")
    args = parser.parse_args()

    parent = Path(tempfile.mkdtemp(prefix="first-purchase-"))
    clone = parent / "billing-gateway"
    dev: subprocess.Popen[bytes] | None = None
    marks: list[tuple[str, float]] = []
    started = time.monotonic()
    try:
        branch = ["--branch", args.branch] if args.branch else []
        subprocess.run(["git", "clone", "-q", "--no-hardlinks", *branch, str(ROOT), str(clone)], check=True)
        marks.append(("git clone", time.monotonic()))

        out_path = parent / "dev.out"
        ports = ["--port", str(free_port()), "--sandbox-port", str(free_port())]
        with out_path.open("wb") as out, (parent / "dev.err").open("wb") as err:
            dev = subprocess.Popen(
                ["./scripts/dev", *ports], cwd=clone, env=newcomer_env(), stdout=out, stderr=err
            )
        while BANNER_END not in (printed := out_path.read_text(errors="replace")):
            if dev.poll() is not None:
                raise RuntimeError(f"./scripts/dev exited {dev.returncode}:\n{printed}")
            if time.monotonic() - started > DEV_TIMEOUT:
                raise RuntimeError(f"./scripts/dev printed no banner in {DEV_TIMEOUT} s:\n{printed}")
            time.sleep(0.1)
        marks.append(("./scripts/dev: install + start, until its banner", time.monotonic()))

        first_url = re.search(r"https?://\S+", printed.split("is up.", 1)[1])[0]
        asyncio.run(buy_premium(first_url, args.screenshot))
        marks.append((f"browser: open {first_url}, subscribe, pay, Premium active", time.monotonic()))
    except Exception as exc:
        print(f"failed: {exc}", file=sys.stderr)
        return 1
    finally:
        if dev is not None and dev.poll() is None:
            dev.send_signal(signal.SIGINT)
            try:
                dev.wait(timeout=30)
            except subprocess.TimeoutExpired:
                dev.kill()
        if args.keep:
            print(f"clone kept in {clone}")
        else:
            shutil.rmtree(parent, ignore_errors=True)

    previous = started
    for what, at in marks:
        print(f"{at - previous:7.1f} s  {what}")
        previous = at
    print(f"{marks[-1][1] - started:7.1f} s  total, fresh clone to Premium active")
    return 0


if __name__ == "__main__":
    sys.exit(main())
