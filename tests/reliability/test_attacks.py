"""Attacks against a running `serve` process: IDOR, JWT, redirects, guessing, bombs, limits, CORS.

Each test tries a matrix of cases over real HTTP and records how many it
tried; any case that got through fails the test.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import time
from collections.abc import Iterator

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from gateway_process import JWT_SECRET, GatewayProcess
from rel_seed import ALICE, BOB, seed_two_users
from rel_support import Figures, new_gateway

from billing import ids
from models import Payment
from stripe_sandbox.testing import SandboxServer
from tests.stripe_world import StripeWorld

pytestmark = [pytest.mark.reliability, pytest.mark.e2e]

AUDIENCE = "billing-gateway-rel"


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _segment(part: dict) -> str:
    import orjson

    return _b64(orjson.dumps(part))


def _exp(seconds: int = 3600) -> int:
    return int(time.time()) + seconds


def _http(gateway: GatewayProcess) -> httpx.AsyncClient:
    return httpx.AsyncClient(base_url=gateway.base_url, timeout=30)


async def _post(
    http: httpx.AsyncClient, query: str, variables: dict | None = None, token: str | None = None
) -> dict:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = await http.post("/graphql", json={"query": query, "variables": variables}, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def _codes(result: dict) -> list[str | None]:
    return [e.get("extensions", {}).get("code") for e in result.get("errors") or []]


# --- IDOR -------------------------------------------------------------------------------------

NODE_QUERY = "query($id: ID!) { node(id: $id) { id __typename } }"
INVOICE_QUERY = "query($id: ID!) { invoice(id: $id) { id number downloadUrl } }"
ADMIN_MUTATIONS = {
    "refundPayment": (
        "mutation($id: ID!) { refundPayment(input: {paymentId: $id}) { payment { id } userErrors { code } } }"
    ),
    "setPurchaseRestriction": "mutation($u: ID!) { setPurchaseRestriction("
    "input: {userId: $u, restricted: true}) { user { userId } userErrors { code } } }",
    "revokeGiftCode": "mutation($c: String!) { revokeGiftCode(input: {code: $c}) "
    "{ giftCode { code } userErrors { code } } }",
    "userBilling": "query($u: ID!) { userBilling(userId: $u) { userId purchaseRestricted } }",
}


async def test_idor_matrix(db: str, rel_gateway: GatewayProcess, figures: Figures) -> None:
    seeded = await seed_two_users()
    alice = rel_gateway.token(ALICE)
    tried = 0
    async with _http(rel_gateway) as http:
        # A missing id of each type is the reference answer: another user's id must look the same.
        for type_name, bob_id in seeded.bob_ids.items():
            missing = ids.encode(type_name, 10_000_000)
            own = seeded.alice_ids[type_name]
            mine = await _post(http, NODE_QUERY, {"id": own}, alice)
            assert mine["data"]["node"]["id"] == own  # the control: Alice reaches her own
            theirs = await _post(http, NODE_QUERY, {"id": bob_id}, alice)
            absent = await _post(http, NODE_QUERY, {"id": missing}, alice)
            assert theirs == absent == {"data": {"node": None}}, type_name
            tried += 2
        theirs = await _post(http, INVOICE_QUERY, {"id": seeded.bob_ids["Invoice"]}, alice)
        absent = await _post(http, INVOICE_QUERY, {"id": ids.encode("Invoice", 10_000_000)}, alice)
        assert theirs == absent == {"data": {"invoice": None}}
        tried += 1
        # Ids of one type passed where another is expected are not a way around the check.
        for type_name in ("Payment", "GiftCode", "Subscription"):
            cross = await _post(http, INVOICE_QUERY, {"id": seeded.bob_ids[type_name]}, alice)
            assert cross == {"data": {"invoice": None}}
            tried += 1

        # The PDF route: Bob's invoice with Alice's token, no token, or a forged link is a 404,
        # exactly like an invoice that does not exist.
        bob_pdf = f"/invoices/{seeded.bob_ids['Invoice']}/pdf"
        missing_pdf = f"/invoices/{ids.encode('Invoice', 10_000_000)}/pdf"
        attempts = [
            (bob_pdf, {"Authorization": f"Bearer {alice}"}),
            (bob_pdf, {}),
            (bob_pdf + f"?expires={_exp()}&signature=" + "0" * 64, {}),
            (bob_pdf + "?expires=9999999999&signature=", {}),
            (missing_pdf, {"Authorization": f"Bearer {alice}"}),
            (f"/invoices/{seeded.bob_ids['Payment']}/pdf", {"Authorization": f"Bearer {alice}"}),
            ("/invoices/not-an-id/pdf", {"Authorization": f"Bearer {alice}"}),
        ]
        bodies = set()
        for path, headers in attempts:
            response = await http.get(path, headers=headers)
            assert response.status_code == 404, (path, response.status_code)
            bodies.add(response.content)
            tried += 1
        assert len(bodies) == 1, "a refused PDF must not tell 'someone else's' from 'missing'"

        # Admin-only fields and mutations: FORBIDDEN for a user, nothing changes.
        variables = {"id": seeded.bob_ids["Payment"], "u": BOB, "c": seeded.bob_code}
        for name, query in ADMIN_MUTATIONS.items():
            used = {k: v for k, v in variables.items() if f"${k}" in query}
            result = await _post(http, query, used, alice)
            assert _codes(result) == ["FORBIDDEN"], (name, result)
            tried += 1
        # Alice's lists never hold Bob's rows.
        lists = await _post(
            http,
            "{ payments(first: 100) { edges { node { id amount } } }"
            " invoices(first: 100) { edges { node { id } } }"
            " giftCodes(first: 100) { edges { node { id code } } } subscription { id } }",
            token=alice,
        )
        text = str(lists)
        assert all(marker not in text for marker in seeded.bob_markers)
        # Bob's cursors are no way into Bob's lists either.
        for field in ("payments", "invoices", "giftCodes"):
            query = (
                f"query($a: String) {{ {field}(first: 1, after: $a) {{ edges {{ cursor node {{ id }} }} }} }}"
            )
            bob_page = await _post(http, query, {"a": None}, rel_gateway.token(BOB))
            bob_cursor = bob_page["data"][field]["edges"][0]["cursor"]
            paged = await _post(http, query, {"a": bob_cursor}, alice)
            assert all(marker not in str(paged) for marker in seeded.bob_markers), (field, paged)
            tried += 1
        # Anyone may look a code up, but who redeemed it is for the buyer and the redeemer only.
        looked = await _post(
            http,
            "query($c: String!) { giftCode(code: $c) { code redeemedBy } }",
            {"c": seeded.bob_redeemed_code},
            alice,
        )
        assert looked["data"]["giftCode"] == {"code": seeded.bob_redeemed_code, "redeemedBy": None}
        tried += 2
    bob_payment = await Payment.get(pk=ids.decode(seeded.bob_ids["Payment"])[1])
    assert bob_payment.status == "COMPLETED" and bob_payment.version == 1
    figures.record("IDOR matrix (node, invoice, PDF route, admin fields, lists, cursors)", tried)


# --- JWT --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def hardened_gateway(
    migrated_db: str, sandbox: SandboxServer, rsa_key: rsa.RSAPrivateKey
) -> Iterator[GatewayProcess]:
    """Production switches: RS256 tokens with an audience, no GraphiQL, no introspection."""
    public_pem = (
        rsa_key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    gateway = new_gateway(
        migrated_db,
        sandbox,
        AUTH_JWT_PUBLIC_KEY=public_pem,
        AUTH_JWT_AUDIENCE=AUDIENCE,
        GRAPHIQL="false",
        GRAPHQL_INTROSPECTION="false",
    )
    gateway.env.pop("AUTH_JWT_SECRET")
    gateway.start()
    yield gateway
    gateway.stop()


def _hs256(claims: dict, key: str | bytes) -> str:
    head = _segment({"alg": "HS256", "typ": "JWT"})
    body = _segment(claims)
    raw_key = key.encode() if isinstance(key, str) else key
    mac = hmac.new(raw_key, f"{head}.{body}".encode(), hashlib.sha256).digest()
    return f"{head}.{body}.{_b64(mac)}"


async def test_jwt_attacks(
    db: str,
    rel_gateway: GatewayProcess,
    hardened_gateway: GatewayProcess,
    rsa_key: rsa.RSAPrivateKey,
    figures: Figures,
) -> None:
    public_pem = rsa_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    other_rsa = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    good_claims = {"sub": ALICE, "exp": _exp(), "aud": AUDIENCE, "roles": ["admin"]}
    # Against the HS256 gateway.
    hs_attacks = {
        "alg none": f"{_segment({'alg': 'none', 'typ': 'JWT'})}.{_segment({'sub': ALICE, 'exp': _exp()})}.",
        "alg None, signature kept": _segment({"alg": "None"})
        + "."
        + _segment({"sub": ALICE, "exp": _exp()})
        + ".x",
        "wrong key": _hs256({"sub": ALICE, "exp": _exp()}, "x" * 40),
        "expired": _hs256({"sub": ALICE, "exp": _exp(-120)}, JWT_SECRET),
        "missing sub": _hs256({"exp": _exp()}, JWT_SECRET),
        "empty sub": _hs256({"sub": "", "exp": _exp()}, JWT_SECRET),
        "missing exp": _hs256({"sub": ALICE}, JWT_SECRET),
        "HS512": jwt.encode({"sub": ALICE, "exp": _exp()}, JWT_SECRET * 2, algorithm="HS512"),
        "RS256 to an HS gateway": jwt.encode({"sub": ALICE, "exp": _exp()}, rsa_key, algorithm="RS256"),
        "truncated signature": _hs256({"sub": ALICE, "exp": _exp()}, JWT_SECRET)[:-6],
        "garbage": "a.b.c",
        "two parts": "a.b",
    }
    rs_attacks = {
        "HS256 MACed with the RS public key (confusion)": _hs256(good_claims, public_pem),
        "HS256 with the old shared secret": _hs256(good_claims, JWT_SECRET),
        "RS256 by another key": jwt.encode(good_claims, other_rsa, algorithm="RS256"),
        "wrong audience": jwt.encode({**good_claims, "aud": "someone-else"}, rsa_key, algorithm="RS256"),
        "missing audience": jwt.encode(
            {k: v for k, v in good_claims.items() if k != "aud"}, rsa_key, algorithm="RS256"
        ),
        "alg none": f"{_segment({'alg': 'none'})}.{_segment(good_claims)}.",
        "expired": jwt.encode({**good_claims, "exp": _exp(-120)}, rsa_key, algorithm="RS256"),
        "PS256 by the same key": jwt.encode(good_claims, rsa_key, algorithm="PS256"),
    }
    tried = 0
    for gateway, attacks in ((rel_gateway, hs_attacks), (hardened_gateway, rs_attacks)):
        async with _http(gateway) as http:
            for name, forged in attacks.items():
                for query in ("{ premium { active } }", '{ userBilling(userId: "rel-bob") { userId } }'):
                    result = await _post(http, query, token=forged)
                    assert _codes(result) == ["UNAUTHENTICATED"], (name, result)
                    assert not any((result["data"] or {}).values()), (name, result)
                    tried += 1
            for header in ("Bearer", "Basic abc", "Bearer  x", "bearer " + "a" * 5000):
                response = await http.post(
                    "/graphql", json={"query": "{ premium { active } }"}, headers={"Authorization": header}
                )
                assert response.status_code in (200, 413, 431), header
                if response.status_code == 200:
                    assert _codes(response.json()) == ["UNAUTHENTICATED"], header
                tried += 1
    # The controls: the right token works on each.
    async with _http(hardened_gateway) as http:
        good = jwt.encode(good_claims, rsa_key, algorithm="RS256")
        result = await _post(http, '{ userBilling(userId: "rel-bob") { userId } }', token=good)
        assert result["data"]["userBilling"] is None or result["data"]["userBilling"]["userId"] == BOB
    async with _http(rel_gateway) as http:
        assert "errors" not in await _post(http, "{ premium { active } }", token=rel_gateway.token(ALICE))
    figures.record("JWT attacks (alg none, HS/RS confusion, keys, exp, sub, aud, headers)", tried)


async def test_graphiql_and_introspection_switch_off(
    db: str, rel_gateway: GatewayProcess, hardened_gateway: GatewayProcess, figures: Figures
) -> None:
    introspection = "{ __schema { queryType { name } } }"
    tried = 0
    async with _http(rel_gateway) as http:
        page = await http.get("/graphql", headers={"Accept": "text/html"})
        assert page.status_code == 200 and "graphiql" in page.text.lower()
        on = await _post(http, introspection)
        assert on["data"]["__schema"]["queryType"]["name"] == "Query"
    async with _http(hardened_gateway) as http:
        page = await http.get("/graphql", headers={"Accept": "text/html"})
        tried += 1
        assert page.status_code == 404
        for query in (
            introspection,
            '{ __type(name: "Query") { fields { name } } }',
            "{ prices { __typename } __schema { types { name } } }",
        ):
            off = await _post(http, query)
            tried += 1
            assert off["data"] is None and "introspection" in off["errors"][0]["message"].lower()
        # __typename alone is not introspection and keeps working (clients rely on it).
        assert (await _post(http, "{ prices { __typename } }"))["data"]["prices"]
        tried += 1
    figures.record("GraphiQL and introspection switched off", tried)


# --- redirect allow-list ----------------------------------------------------------------------

ALLOWED = "http://localhost:3000"
BYPASSES = [
    "http://localhost:3000@evil.example/",
    "http://localhost:3000:@evil.example/",
    "http://user:pass@localhost:3000/",
    "http://evil.example#@localhost:3000/",
    "http://evil.example?http://localhost:3000/",
    "//evil.example/",
    "//localhost:3000@evil.example/",
    "http:\\\\evil.example\\localhost:3000",
    "http://localhost:3000\\@evil.example/",
    "http://localhost:3000.evil.example/",
    "http://localhost.evil.example:3000/",
    "http://evil-localhost:3000/",
    "http://localhost:3001/",
    "http://localhost:80/",
    "http://localhost/",
    "https://localhost:3000/",
    "http://127.0.0.1:3000/",
    "http://[::1]:3000/",
    "http://0x7f.0.0.1:3000/",
    "ftp://localhost:3000/",
    "javascript:alert(1)//http://localhost:3000",
    "data:text/html,<script>alert(1)</script>",
    "file:///etc/passwd",
    "HTTP://EVIL.example/",
    "http://l\u043ecalhost:3000/",  # Cyrillic o
    "http://xn--lcalhost-9fg:3000/",
    "http://localhost%3a3000@evil.example/",
    " http://evil.example/",
    "http://evil.example/ http://localhost:3000/",
    "\thttp://evil.example/",
    "http://localhost:3000\n.evil.example/",
    "http://localhost:3000\r\n@evil.example/",
    "http://localhost:3000%00@evil.example/",
    "/premium/success",
    "premium/success",
    "",
    "http://",
    "http:///evil.example",
    "http://localhost:3000:3000/",
    "http://localhost:99999/",
]


async def test_redirect_allow_list_bypasses(
    rel_world: StripeWorld, rel_gateway: GatewayProcess, figures: Figures
) -> None:
    mutation = (
        "mutation($s: String!, $c: String!) { createCheckout(input: {productType: PREMIUM_MONTHLY,"
        " successUrl: $s, cancelUrl: $c}) { checkoutUrl payment { id } userErrors { code field } } }"
    )
    token = rel_gateway.token(ALICE)
    tried = 0
    async with _http(rel_gateway) as http:
        for url in BYPASSES:
            for variables, field in (
                ({"s": url, "c": f"{ALLOWED}/cancel"}, "successUrl"),
                ({"s": f"{ALLOWED}/ok", "c": url}, "cancelUrl"),
            ):
                result = await _post(http, mutation, variables, token)
                payload = result["data"]["createCheckout"]
                assert payload["checkoutUrl"] is None and payload["payment"] is None, url
                assert [e["code"] for e in payload["userErrors"]] == ["REDIRECT_URL_NOT_ALLOWED"], (
                    url,
                    payload,
                )
                assert payload["userErrors"][0]["field"] == ["input", field]
                tried += 1
        upper = await _post(http, mutation, {"s": "HTTP://LOCALHOST:3000/ok", "c": f"{ALLOWED}/c"}, token)
        ok = upper["data"]["createCheckout"]
        # Scheme and host are case-insensitive (RFC 3986): the same origin is allowed, nothing else.
        assert ok["userErrors"] == [] and ok["checkoutUrl"], upper
        tried += 1
    assert await Payment.filter(user_id=ALICE).count() == 1  # only the legitimate checkout
    figures.record("redirect allow-list bypass attempts (createCheckout)", tried)


# --- gift code guessing -----------------------------------------------------------------------


async def test_gift_code_guessing_hits_the_shared_rate_limit(
    db: str, rel_gateway: GatewayProcess, figures: Figures
) -> None:
    seeded = await seed_two_users()
    token = rel_gateway.token("rel-guesser")
    lookup = "query($c: String!) { giftCode(code: $c) { code } }"
    redeem = (
        "mutation($c: String!) { redeemGift(input: {code: $c}) { giftCode { code } userErrors { code } } }"
    )
    outcomes: list[str] = []
    async with _http(rel_gateway) as http:
        for i in range(30):  # the limit is 10 per 600 s, lookups and redeems together
            guess = f"GUESS{i:04d}XYZW"
            if i % 2:
                result = await _post(http, lookup, {"c": guess}, token)
                outcomes.append("RATE_LIMITED" if _codes(result) == ["RATE_LIMITED"] else "miss")
                if outcomes[-1] == "miss":
                    assert result["data"]["giftCode"] is None
            else:
                result = await _post(http, redeem, {"c": guess}, token)
                codes = [e["code"] for e in result["data"]["redeemGift"]["userErrors"]]
                outcomes.append("RATE_LIMITED" if codes == ["RATE_LIMITED"] else "miss")
                if outcomes[-1] == "miss":
                    assert codes == ["GIFT_CODE_NOT_FOUND"]
        assert outcomes[:10] == ["miss"] * 10 and outcomes[10:] == ["RATE_LIMITED"] * 20, outcomes
        # Even a right guess is refused once limited: the limit is what stops enumeration.
        right = await _post(http, redeem, {"c": seeded.bob_code}, token)
        assert [e["code"] for e in right["data"]["redeemGift"]["userErrors"]] == ["RATE_LIMITED"]
        # Another user is not limited by the guesser.
        other = await _post(http, lookup, {"c": seeded.bob_code}, rel_gateway.token(ALICE))
        assert other["data"]["giftCode"]["code"] == seeded.bob_code
    figures.record("gift code guessing (giftCode + redeemGift share RATE_LIMITED)", len(outcomes) + 2)


# --- bombs, limits, CORS ----------------------------------------------------------------------


async def _raw_status(port: int, path: str, content_length: str) -> int:
    """POST headers declaring `content_length` bytes, send none, and read the status code."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(
            f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            f"Content-Length: {content_length}\r\n\r\n".encode()
        )
        await writer.drain()
        status_line = await asyncio.wait_for(reader.readline(), 5)
        return int(status_line.split()[1])
    finally:
        writer.close()


async def test_query_bombs_rejected_cheaply(db: str, rel_gateway: GatewayProcess, figures: Figures) -> None:
    token = rel_gateway.token(ALICE)
    deep = "{ payments { edges { node { " + "giftCode { id } " + "} } } }"
    nested = '{ node(id: "x") { ' + "... on Payment { giftCode { " * 20 + "id" + " } }" * 20 + " } }"
    bombs = {
        "depth": nested,
        "aliases": "{ " + " ".join(f"a{i}: premium {{ active }}" for i in range(500)) + " }",
        "tokens": "{ premium { " + " ".join(["active"] * 5000) + " } }",
        "fragment cycle": "query { ...A } fragment A on Query { ...B } fragment B on Query { ...A }",
        "field duplication": "{ prices { " + "lookupKey " * 3000 + "} }",
        "directives": "{ premium @include(if: true)" + " @skip(if: false)" * 1000 + " { active } }",
        "deep lists": "{ prices { money { amount } } " + "prices { money { amount } } " * 400 + "}",
    }
    tried = 0
    async with _http(rel_gateway) as http:
        assert "errors" not in await _post(http, deep, token=token)  # an ordinary query is fine
        for name, query in bombs.items():
            started = time.perf_counter()
            result = await _post(http, query, token=token)
            elapsed = time.perf_counter() - started
            assert result.get("data") is None and result["errors"], name
            assert elapsed < 1.0, (name, elapsed)
            tried += 1
        # Batching (a JSON array of operations) is not accepted at all.
        batch = [{"query": "{ premium { active } }"}] * 200
        response = await http.post("/graphql", json=batch, headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 400
        tried += 1
    figures.record("query bombs: depth, aliases, tokens, fragment cycles, directives, batch", tried)


async def test_body_limits_and_cors(db: str, rel_gateway: GatewayProcess, figures: Figures) -> None:
    big = b'{"query": "{ prices { lookupKey } }", "variables": {"pad": "' + b"x" * 1_100_000 + b'"}}'

    async def chunked():
        for start in range(0, len(big), 65536):
            yield big[start : start + 65536]

    tried = 0
    async with _http(rel_gateway) as http:
        for path in ("/graphql", "/webhooks/stripe"):
            declared = await http.post(path, content=big, headers={"Content-Type": "application/json"})
            assert declared.status_code == 413, path
            streamed = await http.post(path, content=chunked(), headers={"Content-Type": "application/json"})
            assert streamed.status_code == 413, path
            # A declared length far over the limit is refused before any of the body is read.
            assert await _raw_status(rel_gateway.port, path, "99999999999") == 413, path
            tried += 3
        for origin in (
            "https://evil.example",
            "http://localhost:3000.evil.example",
            "null",
            "http://localhost:3001",
        ):
            preflight = await http.options(
                "/graphql",
                headers={
                    "Origin": origin,
                    "Access-Control-Request-Method": "POST",
                    "Access-Control-Request-Headers": "authorization, content-type",
                },
            )
            assert "access-control-allow-origin" not in preflight.headers, origin
            simple = await http.post(
                "/graphql", json={"query": "{ prices { lookupKey } }"}, headers={"Origin": origin}
            )
            assert "access-control-allow-origin" not in simple.headers, origin
            tried += 2
        allowed = await http.options(
            "/graphql",
            headers={"Origin": ALLOWED, "Access-Control-Request-Method": "POST"},
        )
        assert allowed.headers.get("access-control-allow-origin") == ALLOWED
    figures.record("request body limits (413) and CORS from disallowed origins", tried)
