"""`billing-gateway dev` as a newcomer meets it: start it, do exactly what it prints, Ctrl-C, start again.

The process runs on a fresh data directory with free ports. The test takes
everything from the printed text (the GraphiQL URL, the token, the operations
of steps 1 and 3, the labels step 2 names) and sends it the way GraphiQL and a
browser would: the operations as HTTP POSTs with the printed header, the
checkout page's form as a browser submits it. (tests/e2e/test_browser_e2e.py
clicks through the same pages in Chromium; this one checks the printed words.)
"""

from __future__ import annotations

import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from ops_serve import clean_env, free_port

ROOT = Path(__file__).resolve().parents[2]
STARTED = "Ctrl-C stops everything"


@dataclass
class Printed:
    """What `dev` told the user, parsed from its stdout."""

    web_app: str
    graphiql: str
    token: str
    step1: str
    step2: str
    step3: str

    @classmethod
    def parse(cls, out: str) -> Printed:
        blocks = re.findall(r"^  \d\. (.*?)(?=^  \d\. |^Ctrl-C)", out, re.MULTILINE | re.DOTALL)
        assert len(blocks) == 3, out
        operations = [
            re.search(r"^     ((?:mutation|\{).*?)\n\n", b, re.MULTILINE | re.DOTALL) for b in blocks
        ]
        return cls(
            web_app=re.search(r"Web app\s+(\S+)", out)[1],
            graphiql=re.search(r"GraphiQL\s+(\S+)", out)[1],
            token=re.search(r"bearer token\s+(\S+)", out)[1],
            step1=operations[0][1],
            step2=" ".join(blocks[1].split()),
            step3=operations[2][1],
        )


class DevProcess:
    def __init__(self, data: Path, port: int, sandbox_port: int) -> None:
        self.data, self.port, self.sandbox_port = data, port, sandbox_port
        self.runs = 0
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def out_path(self) -> Path:
        return self.data / f"dev-{self.runs}.out"

    def start(self, timeout: float = 120) -> Printed:
        self.runs += 1
        env = clean_env(DATABASE_URL=f"sqlite://{self.data / 'billing.sqlite3'}", PYTHONPATH=str(ROOT))
        args = ["dev", "--port", str(self.port), "--sandbox-port", str(self.sandbox_port)]
        with self.out_path.open("wb") as out, (self.data / f"dev-{self.runs}.err").open("wb") as err:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "gateway.cli", *args], cwd=self.data, env=env, stdout=out, stderr=err
            )
        deadline = time.monotonic() + timeout
        while STARTED not in self.out():
            assert self.proc.poll() is None, f"dev exited {self.proc.returncode}: {self.out()}{self.err()}"
            assert time.monotonic() < deadline, f"dev did not come up: {self.out()}{self.err()}"
            time.sleep(0.1)
        return Printed.parse(self.out())

    def interrupt(self, timeout: float = 60) -> int:
        """Ctrl-C, as a terminal sends it; returns the exit code."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGINT)
        try:
            return self.proc.wait(timeout=timeout)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()

    def out(self) -> str:
        return self.out_path.read_text(errors="replace")

    def err(self) -> str:
        return (self.data / f"dev-{self.runs}.err").read_text(errors="replace")


@pytest.fixture
def dev(tmp_path: Path) -> Iterator[DevProcess]:
    process = DevProcess(tmp_path, free_port(), free_port())
    yield process
    if process.proc is not None and process.proc.poll() is None:
        process.proc.kill()
        process.proc.wait()


class _Form(HTMLParser):
    """The checkout form as a browser would submit it with its defaults: action, checked radio, selection."""

    def __init__(self) -> None:
        super().__init__()
        self.action = ""
        self.fields: dict[str, str] = {}
        self._select: str | None = None
        self.labels: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "form":
            self.action = a.get("action") or ""
        elif tag == "input" and a.get("type") == "radio" and "checked" in a:
            self.fields[a["name"] or ""] = a.get("value") or ""
        elif tag == "select":
            self._select = a.get("name")
        elif tag == "option" and self._select and "selected" in a:
            self.fields[self._select] = "__text__"

    def handle_data(self, data: str) -> None:
        if self._select and self.fields.get(self._select) == "__text__":
            self.fields[self._select] = data.strip()
        if data.strip():
            self.labels.append(data.strip())


def graphql(printed: Printed, query: str) -> dict[str, Any]:
    """What GraphiQL sends: a POST to its own URL with the header the banner says to set."""
    response = httpx.post(
        printed.graphiql,
        json={"query": query},
        headers={"Authorization": f"Bearer {printed.token}"},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body
    return body["data"]


def test_the_printed_try_this_works_then_ctrl_c_and_a_restart_pick_up_where_it_left_off(dev) -> None:
    printed = dev.start()
    # The first URL is the web client's, and it opens as the demo user (the token is in the page).
    assert dev.out().index(printed.web_app) < dev.out().index(printed.graphiql)
    web = httpx.get(printed.web_app, timeout=30)
    assert web.status_code == 200 and '<script type="module" src="/web/app.js">' in web.text
    assert printed.token in web.text and web.headers["cache-control"] == "no-store"
    # GraphiQL opens with the same token in its headers and the README's examples in tabs.
    page = httpx.get(printed.graphiql, headers={"Accept": "text/html"}, timeout=30)
    assert page.status_code == 200 and "graphiql" in page.text.lower()
    assert printed.token in page.text and "query Account {" in page.text

    # 1. The mutation, exactly as printed.
    answer = graphql(printed, printed.step1)["createCheckout"]
    assert answer["userErrors"] == [] and answer["payment"]["status"] == "PENDING"

    # 2. The checkout page: what the banner says to pick and press is there, and is the default.
    checkout = httpx.get(answer["checkoutUrl"], timeout=30)
    assert checkout.status_code == 200
    form = _Form()
    form.feed(checkout.text)
    pick, press = re.search(r'keep "([^"]+)" selected and press (\w+)', printed.step2).groups()
    assert any(label.startswith(pick) for label in form.labels), (pick, form.labels)
    assert press in form.labels, (press, form.labels)
    assert form.fields.get("method") == "card", form.fields  # "Card that succeeds" is preselected
    paid = httpx.post(
        httpx.URL(answer["checkoutUrl"]).join(form.action),
        data=form.fields,
        follow_redirects=False,
        timeout=30,
    )
    assert paid.status_code in (302, 303), paid.text
    returned_to = re.search(r"then goes to (\S+?),", printed.step2)[1]
    assert paid.headers["location"] == returned_to
    assert returned_to.startswith(printed.web_app)  # the web client's own page answers there
    assert httpx.get(returned_to, timeout=30).status_code == 200

    # 3. The query, exactly as printed: premium active, the payment completed (once the webhooks land).
    # The webhooks arrive in any order (premium can be active a moment before the payment row says so).
    def done(view: dict[str, Any]) -> bool:
        statuses = [e["node"]["status"] for e in view["payments"]["edges"]]
        return view["premium"]["active"] and statuses == ["COMPLETED"]

    deadline = time.monotonic() + 60
    while not done(view := graphql(printed, printed.step3)):
        assert time.monotonic() < deadline, view
        time.sleep(0.2)
    assert view["premium"]["source"] == "SUBSCRIPTION"
    # dev has a free trial on (TRIAL_DAYS=7) and the promotion code its banner names.
    assert "a free trial of 7 days" in dev.out()
    code = re.search(r"promotion code (\S+) \(20 % off", dev.out())[1]
    trial = graphql(printed, "{ subscription { status trialEnd } premium { trialEligible } }")
    assert trial["subscription"]["status"] == "TRIALING" and trial["subscription"]["trialEnd"]
    assert trial["premium"]["trialEligible"] is False
    check = graphql(
        printed,
        f'{{ promotionCode(code: "{code}", productType: PREMIUM_YEARLY) '
        "{ valid discountedPrice { amount } } }",
    )["promotionCode"]
    assert check == {"valid": True, "discountedPrice": {"amount": 3999}}  # 80 % of 49.99

    # Ctrl-C stops everything cleanly (130: the shell's code for "ended by Ctrl-C").
    assert dev.interrupt() in (0, 130), dev.err()[-3000:]
    assert "stopped; sandbox state saved" in dev.out()
    assert not re.search(r"^Traceback", dev.out() + dev.err(), re.MULTILINE), dev.err()[-3000:]

    # Again: the same data, the catalog already there, the first token still good.
    again = dev.start()
    assert "catalog: in sync" in dev.out()
    assert graphql(again, printed.step3) == view
    assert graphql(printed, "{ premium { active } }")["premium"]["active"] is True  # the old token
    assert dev.interrupt() in (0, 130), dev.err()[-3000:]
    assert "stopped; sandbox state saved" in dev.out()

    # Its files are the owner's only: the sandbox state holds the webhook signing secret.
    files = list(dev.data.glob("billing.sqlite3*"))
    assert len(files) >= 3, files  # the database, the sandbox's state, the secrets
    for private in files:
        assert private.stat().st_mode & 0o777 == 0o600, (private, oct(private.stat().st_mode))

    # Its log, both runs: JSON lines only (uvicorn's and the sandbox's included), no token in it.
    for run in (1, 2):
        for line in (dev.data / f"dev-{run}.err").read_text().splitlines():
            assert isinstance(orjson.loads(line), dict), line
            assert printed.token not in line and again.token not in line


@pytest.mark.parametrize("busy", ["gateway", "sandbox"])
def test_a_busy_port_is_one_error_line_and_no_banner(tmp_path: Path, busy: str) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        ports = ["--port", port, "--sandbox-port", str(free_port())]
        if busy == "sandbox":
            ports = ["--port", str(free_port()), "--sandbox-port", port]
        run = subprocess.run(
            [sys.executable, "-m", "gateway.cli", "dev", *ports],
            cwd=tmp_path,
            env=clean_env(DATABASE_URL=f"sqlite://{tmp_path / 'b.sqlite3'}", PYTHONPATH=str(ROOT)),
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert run.returncode == 1, run.stdout + run.stderr
    assert "is up" not in run.stdout
    (error,) = [line for line in run.stderr.splitlines() if line.startswith("error: ")]
    assert ("cannot listen" if busy == "gateway" else "already in use") in error, error
    assert not re.search(r"^Traceback", run.stdout + run.stderr, re.MULTILINE)


def test_dev_refuses_postgres(tmp_path: Path) -> None:
    run = subprocess.run(
        [sys.executable, "-m", "gateway.cli", "dev"],
        cwd=tmp_path,
        env=clean_env(DATABASE_URL="postgres://u@127.0.0.1:9/db", PYTHONPATH=str(ROOT)),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 2 and run.stderr.splitlines()[0] == (
        "error: dev runs on SQLite (the embedded default): unset DATABASE_URL or use sqlite://PATH"
    ), run.stderr


def test_dev_allows_its_own_origins_as_checkout_return_addresses() -> None:
    """Any name a browser may use for dev's address, so the web client's success page is allowed."""
    from gateway.dev import own_origins

    assert own_origins("127.0.0.1", 8000) == ["http://127.0.0.1:8000", "http://localhost:8000"]
    assert own_origins("0.0.0.0", 8000) == [
        "http://127.0.0.1:8000",
        "http://localhost:8000",
        "http://0.0.0.0:8000",
    ]
    assert own_origins("::1", 8000)[-1] == "http://[::1]:8000"
    assert own_origins("dev.example.test", 8443) == ["http://dev.example.test:8443"]
