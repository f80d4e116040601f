"""Bearer tokens: every field but `prices` needs a valid one; admin fields need the role."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import warnings
from datetime import UTC, datetime, timedelta

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from gql_helpers import ALICE, SECRET, codes, make_settings, token

from billing.deps import Viewer
from gateway.auth import Authenticator, AuthError, mint_token

PROTECTED = [
    "{ premium { active } }",
    "{ subscription { id } }",
    "{ payments { edges { cursor } } }",
    "{ invoices { edges { cursor } } }",
    '{ invoice(id: "SW52b2ljZTox") { id } }',
    "{ giftCodes { edges { cursor } } }",
    '{ giftCode(code: "ABC") { code } }',
    '{ node(id: "UGF5bWVudDox") { id } }',
    '{ userBilling(userId: "u") { userId } }',
    "mutation { reactivateSubscription { userErrors { code } } }",
    'mutation { redeemGift(input: {code: "X"}) { userErrors { code } } }',
    'mutation { refundPayment(input: {paymentId: "x"}) { userErrors { code } } }',
]


def _b64(part: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(part).encode()).decode().rstrip("=")


def _exp(delta: timedelta = timedelta(hours=1)) -> int:
    return int((datetime.now(UTC) + delta).timestamp())


def _rsa_key_pair() -> tuple[rsa.RSAPrivateKey, str]:
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return private, pem.decode()


def _hs256_maced_with(public_pem: str) -> str:
    """An admin token MACed with the RS256 public key as an HMAC secret (algorithm confusion)."""
    head = _b64({"alg": "HS256", "typ": "JWT"})
    body = _b64({"sub": ALICE, "exp": _exp(), "roles": ["admin"]})
    mac = hmac.new(public_pem.encode(), f"{head}.{body}".encode(), hashlib.sha256).digest()
    return f"{head}.{body}.{base64.urlsafe_b64encode(mac).decode().rstrip('=')}"


def _hs512(claims: dict) -> str:
    """Same secret, another HMAC algorithm: refused because only HS256 is configured."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PyJWT warns that the key is short for SHA-512
        return jwt.encode(claims, SECRET, algorithm="HS512")


def _bad_tokens() -> dict[str, str]:
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return {
        "expired": mint_token(SECRET, ALICE, ttl=timedelta(seconds=-120)),
        "alg none": f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64({'sub': ALICE, 'exp': _exp()})}.",
        "wrong key": mint_token("another-secret-another-secret-0000", ALICE),
        "missing sub": jwt.encode({"exp": _exp()}, SECRET, algorithm="HS256"),
        "missing exp": jwt.encode({"sub": ALICE}, SECRET, algorithm="HS256"),
        "numeric sub": jwt.encode({"sub": 42, "exp": _exp()}, SECRET, algorithm="HS256"),
        "HS512 not allowed": _hs512({"sub": ALICE, "exp": _exp()}),
        "RS256 not configured": jwt.encode({"sub": ALICE, "exp": _exp()}, rsa_key, algorithm="RS256"),
        "garbage": "not.a.jwt",
        "tampered": token()[:-4] + "AAAA",
    }


@pytest.mark.parametrize("query", PROTECTED)
async def test_missing_token_is_unauthenticated(gql, db, query):
    result = await gql(query, user=None)
    assert codes(result) == ["UNAUTHENTICATED"], result


@pytest.mark.parametrize("case", list(_bad_tokens()))
async def test_bad_tokens_are_unauthenticated(gql, db, case):
    bad = _bad_tokens()[case]
    result = await gql("{ premium { active } }", headers={"Authorization": f"Bearer {bad}"})
    assert codes(result) == ["UNAUTHENTICATED"], (case, result)
    assert result["data"] is None


@pytest.mark.parametrize("header", ["Basic abc", "Bearer", "Bearer   ", "token-without-scheme"])
async def test_malformed_authorization_header(gql, db, header):
    result = await gql("{ premium { active } }", headers={"Authorization": header})
    assert codes(result) == ["UNAUTHENTICATED"]


async def test_prices_need_no_token_even_with_a_bad_one(gql, db):
    result = await gql("{ prices { lookupKey } }", headers={"Authorization": "Bearer nonsense"})
    assert "errors" not in result and len(result["data"]["prices"]) == 24


async def test_non_admin_gets_forbidden_on_admin_fields(gql, db):
    for query in (
        '{ userBilling(userId: "u") { userId } }',
        'mutation { refundPayment(input: {paymentId: "x"}) { userErrors { code } } }',
        'mutation { setPurchaseRestriction(input: {userId: "u", restricted: true}) { userErrors { code } } }',
        'mutation { revokeGiftCode(input: {code: "X"}) { userErrors { code } } }',
    ):
        assert codes(await gql(query)) == ["FORBIDDEN"], query


def test_authenticator_accepts_roles_and_checks_audience_and_issuer():
    auth = Authenticator.from_settings(
        make_settings(auth_jwt_audience="billing", auth_jwt_issuer="https://id.example")
    )
    assert auth is not None
    good = mint_token(SECRET, ALICE, admin=True, audience="billing", issuer="https://id.example")
    assert auth.authenticate(f"Bearer {good}") == Viewer(ALICE, is_admin=True)
    for bad in (
        mint_token(SECRET, ALICE, audience="other", issuer="https://id.example"),
        mint_token(SECRET, ALICE, audience="billing", issuer="https://evil.example"),
        mint_token(SECRET, ALICE),
    ):
        with pytest.raises(AuthError):
            auth.authenticate(f"Bearer {bad}")
    assert auth.authenticate(None) is None


def test_rs256_public_key_and_hs256_confusion_refused():
    private, public_pem = _rsa_key_pair()
    auth = Authenticator.from_settings(make_settings(auth_jwt_secret=None, auth_jwt_public_key=public_pem))
    assert auth is not None and auth.algorithm == "RS256"
    good = jwt.encode({"sub": ALICE, "exp": _exp(), "roles": ["admin"]}, private, algorithm="RS256")
    assert auth.verify(good) == Viewer(ALICE, is_admin=True)
    # Algorithm confusion: an HS256 token MACed with the (public) PEM must be refused.
    with pytest.raises(AuthError):
        auth.verify(_hs256_maced_with(public_pem))
    with pytest.raises(AuthError):
        auth.verify(mint_token(SECRET, ALICE))


def test_roles_must_be_a_list():
    auth = Authenticator.from_settings(make_settings())
    assert auth is not None
    claims = {"sub": ALICE, "exp": _exp(), "roles": "admin"}
    with pytest.raises(AuthError):
        auth.verify(jwt.encode(claims, SECRET, algorithm="HS256"))
    user = auth.verify(jwt.encode({**claims, "roles": ["support"]}, SECRET, algorithm="HS256"))
    assert user == Viewer(ALICE, is_admin=False)


def test_a_verified_token_is_remembered_until_it_expires_and_no_longer(monkeypatch):
    auth = Authenticator.from_settings(make_settings())
    assert auth is not None
    decoded = []
    real_decode = jwt.decode

    def counting_decode(*args, **kwargs):
        decoded.append(args[0])
        return real_decode(*args, **kwargs)

    monkeypatch.setattr(jwt, "decode", counting_decode)
    good = mint_token(SECRET, ALICE, admin=True)
    assert auth.verify(good) == auth.verify(good) == Viewer(ALICE, is_admin=True)
    assert decoded == [good]  # the second time came from the cache
    forged = good[:-4] + ("AAAA" if not good.endswith("AAAA") else "BBBB")
    for _ in range(2):  # a refusal is never remembered
        with pytest.raises(AuthError):
            auth.verify(forged)
    assert decoded == [good, forged, forged]


def test_remembered_tokens_keep_pyjwt_time_rules():
    from gateway.auth import LEEWAY, VerifiedTokens

    leeway = LEEWAY.total_seconds()
    cache = VerifiedTokens(size=4)
    viewer = Viewer(ALICE)
    cache.add("t", viewer, {"sub": ALICE, "iat": 1000, "nbf": 1100, "exp": 2000}, leeway)
    assert cache.get("t", 1100 - leeway - 1) is None  # not valid yet (nbf), but kept
    assert cache.get("t", 1100 - leeway) is viewer
    assert cache.get("t", 2000 + leeway - 0.001) is viewer
    assert cache.get("t", 2000 + leeway) is None  # expired (PyJWT: exp <= now - leeway)
    assert cache.get("t", 1500) is None  # and forgotten
    for n in range(6):  # bounded: the oldest half goes when full
        cache.add(f"t{n}", viewer, {"exp": 3000}, leeway)
    assert len(cache._entries) <= 4 and cache.get("t5", 1500) is viewer
    cache.add("no-exp", viewer, {"sub": ALICE}, leeway)  # cannot say until when: not remembered
    assert cache.get("no-exp", 1500) is None


OLD_SECRET = "the-key-being-rotated-out-0123456789"


def test_previous_key_still_works_during_rotation_and_only_while_configured():
    rotating = Authenticator.from_settings(make_settings(auth_jwt_previous_secret=OLD_SECRET))
    rotated = Authenticator.from_settings(make_settings())
    assert rotating is not None and rotated is not None
    old, new = mint_token(OLD_SECRET, ALICE, admin=True), mint_token(SECRET, "bob")
    assert rotating.verify(old) == Viewer(ALICE, is_admin=True)
    assert rotating.verify(new) == Viewer("bob")
    with pytest.raises(AuthError):  # the previous key removed: its tokens are done
        rotated.verify(old)
    for bad in (
        mint_token("a-third-key-nobody-configured-0000000", ALICE),
        mint_token(OLD_SECRET, ALICE, ttl=timedelta(seconds=-120)),  # old key, but expired
        jwt.encode({"exp": _exp()}, OLD_SECRET, algorithm="HS256"),  # old key, no sub
        _b64({"alg": "none", "typ": "JWT"}) + "." + _b64({"sub": ALICE, "exp": _exp()}) + ".",
    ):
        with pytest.raises(AuthError):
            rotating.verify(bad)


def test_rotation_from_hs256_to_rs256_accepts_both_and_no_confusion():
    private, public_pem = _rsa_key_pair()
    auth = Authenticator.from_settings(
        make_settings(
            auth_jwt_secret=None, auth_jwt_public_key=public_pem, auth_jwt_previous_secret=OLD_SECRET
        )
    )
    assert auth is not None and auth.algorithm == "RS256"
    assert auth.verify(jwt.encode({"sub": ALICE, "exp": _exp()}, private, algorithm="RS256")) == Viewer(ALICE)
    assert auth.verify(mint_token(OLD_SECRET, "bob")) == Viewer("bob")
    # HS256 MACed with the public PEM: the previous key is a secret of its own, never the PEM.
    with pytest.raises(AuthError):
        auth.verify(_hs256_maced_with(public_pem))


async def test_a_token_of_the_previous_key_reads_over_graphql(app_factory, db):
    """Through the app: a frontend still holding an old-key token keeps working mid-rotation."""
    query = {"query": "{ premium { active source } }"}
    headers = {"Authorization": f"Bearer {mint_token(OLD_SECRET, ALICE)}"}
    for overrides, expected in (
        ({"auth_jwt_previous_secret": OLD_SECRET}, {"premium": {"active": False, "source": "NONE"}}),
        ({}, None),
    ):
        transport = httpx.ASGITransport(app=app_factory(**overrides))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            body = (await http.post("/graphql", json=query, headers=headers)).json()
        assert body["data"] == expected, body
        if expected is None:
            assert codes(body) == ["UNAUTHENTICATED"]
