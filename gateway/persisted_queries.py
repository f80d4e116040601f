"""Persisted operations over HTTP: Apollo's automatic persisted queries, and the manifests.

Mobile clients (Apollo Client, Apollo Kotlin, urql, Relay) send an operation by
its hash to save bandwidth, ``extensions.persistedQuery = {version: 1,
sha256Hash}``, first without its text (a GET, so a CDN can cache it), and with
the text only when the server answers PERSISTED_QUERY_NOT_FOUND. The protocol
(Apollo's "Automatic persisted queries"; the same in GraphQL Yoga's and
graphql-java's implementations):

- hash only, known -> the operation runs; unknown -> ``PersistedQueryNotFound``
  with ``extensions.code`` PERSISTED_QUERY_NOT_FOUND (HTTP 200: the client's
  link reads it and sends the text);
- hash and text -> the text must hash to it (else 400), is registered, and runs.

Registered texts live in the database (`models.PersistedQuery`), so a hash
registered through one replica is known to all; each process keeps an LRU of
the ones it has seen (a hash names one text forever: nothing to invalidate).

The manifests (``persisted_queries/*.json``, Apollo's persisted query manifest
format, checked in) list the operations of the published clients: the web
client's (generated from ``web/operations.graphql``) and the mobile app's
(from ``persisted_queries/mobile.graphql``); `billing-gateway manifests`
rewrites them and a test keeps them current. Their operations are always known
by hash. With GRAPHQL_PERSISTED_ONLY only they run (`schema.persisted`), and
nothing is registered.

A resolved request continues as if the client had sent the text, so persisted
operations take the same fast path as any known query (`gateway.graphql_view`).
"""

from __future__ import annotations

import json
import re
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from graphql import GraphQLError, OperationDefinitionNode, parse
from tortoise.exceptions import IntegrityError

from models import PersistedQuery
from schema.persisted import NOT_IN_LIST_MESSAGE, operation_hash
from schema.types.errors import TopLevelCode

ROOT = Path(__file__).resolve().parents[1]
MANIFEST_DIR = ROOT / "persisted_queries"
#: The published clients' manifests and where their operations come from.
MANIFEST_SOURCES = {
    "web.json": ROOT / "web" / "operations.graphql",
    "mobile.json": MANIFEST_DIR / "mobile.graphql",
}
MANIFEST_FORMAT = "apollo-persisted-query-manifest"
#: Largest text registered by hash (the manifests' longest operation is well under 2 KB).
MAX_REGISTERED_CHARS = 20_000
CACHE_SIZE = 4096
_SHA256 = re.compile(r"[0-9a-f]{64}")

NOT_FOUND_MESSAGE = "PersistedQueryNotFound"  # Apollo's exact message: clients match on it


@dataclass(frozen=True)
class Refusal:
    """An answer given instead of running the request (a GraphQL error body and its status)."""

    status: int
    code: TopLevelCode
    message: str

    def body(self) -> dict[str, Any]:
        return {"errors": [{"message": self.message, "extensions": {"code": str(self.code)}}]}


NOT_FOUND = Refusal(200, TopLevelCode.PERSISTED_QUERY_NOT_FOUND, NOT_FOUND_MESSAGE)
NOT_IN_LIST = Refusal(200, TopLevelCode.PERSISTED_QUERY_NOT_IN_LIST, NOT_IN_LIST_MESSAGE)


def _bad(message: str) -> Refusal:
    return Refusal(400, TopLevelCode.BAD_USER_INPUT, message)


# -- manifests ---------------------------------------------------------------------------------


def operations_of(source: str, origin: str) -> dict[str, str]:
    """Each named operation of a document with its exact text (keyword to closing brace).

    The same cut as the web client's `splitOperations` (web/graphql.js), so a
    manifest's hash is the hash of what the client sends.
    """
    operations: dict[str, str] = {}
    for definition in parse(source).definitions:
        if not isinstance(definition, OperationDefinitionNode) or definition.name is None:
            raise ValueError(f"{origin} may hold only named operations")
        if definition.loc is None:
            raise ValueError(f"{origin} parsed without locations")
        operations[definition.name.value] = source[definition.loc.start : definition.loc.end]
    return operations


def build_manifest(source: Path) -> dict[str, Any]:
    """Apollo's persisted query manifest of the operations in `source`."""
    operations = operations_of(source.read_text(encoding="utf-8"), source.name)
    entries = []
    for name, body in operations.items():
        kind = parse(body).definitions[0].operation.value  # type: ignore[attr-defined]
        entries.append({"id": operation_hash(body), "name": name, "type": kind, "body": body})
    return {"format": MANIFEST_FORMAT, "version": 1, "operations": entries}


def write_manifests() -> list[Path]:
    """Rewrite every manifest from its source (`billing-gateway manifests`)."""
    written = []
    for name, source in MANIFEST_SOURCES.items():
        path = MANIFEST_DIR / name
        text = json.dumps(build_manifest(source), indent=2, ensure_ascii=False) + "\n"
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def load_manifests(directory: Path = MANIFEST_DIR) -> dict[str, str]:
    """hash -> text of every operation in the checked-in manifests; ValueError naming a bad entry."""
    known: dict[str, str] = {}
    for path in sorted(directory.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict) or data.get("format") != MANIFEST_FORMAT or data.get("version") != 1:
            raise ValueError(f"{path.name}: not an {MANIFEST_FORMAT} (version 1)")
        for entry in data.get("operations", []):
            body, id_ = entry.get("body"), entry.get("id")
            if not isinstance(body, str) or id_ != operation_hash(body):
                raise ValueError(
                    f"{path.name}: operation {entry.get('name')!r}: its id is not its body's SHA-256"
                )
            known[id_] = body
    return known


# -- the protocol ------------------------------------------------------------------------------


class PersistedQueries:
    """Resolves ``extensions.persistedQuery`` in a request into the text it names."""

    def __init__(self, *, only: bool, manifests: Mapping[str, str] | None = None) -> None:
        self.only = only
        self.manifest: Mapping[str, str] = load_manifests() if manifests is None else manifests
        self._seen: OrderedDict[str, str] = OrderedDict()

    def allowed(self, query: str) -> bool:
        """Whether a text may run: anything, or with GRAPHQL_PERSISTED_ONLY only a manifest's."""
        return not self.only or operation_hash(query) in self.manifest

    async def resolve(self, request: dict[str, Any], now: datetime) -> dict[str, Any] | Refusal:
        """The request with its text filled in and ``persistedQuery`` gone, or the refusal."""
        extensions = request.get("extensions")
        if not isinstance(extensions, dict) or "persistedQuery" not in extensions:
            return request
        marker = extensions["persistedQuery"]
        if not isinstance(marker, dict) or marker.get("version") != 1:
            return _bad("Unsupported persisted query version: extensions.persistedQuery.version must be 1.")
        sha = marker.get("sha256Hash")
        if not isinstance(sha, str) or not _SHA256.fullmatch(sha):
            return _bad("extensions.persistedQuery.sha256Hash must be 64 lowercase hex digits (SHA-256).")
        query = request.get("query")
        if query is None:
            query = await self.text(sha)
            if query is None:
                return NOT_IN_LIST if self.only else NOT_FOUND
        elif not isinstance(query, str):
            return _bad("query must be a string.")
        elif operation_hash(query) != sha:
            return _bad(
                "provided sha does not match query: sha256Hash must be the SHA-256 of the query text."
            )
        elif self.only:
            if sha not in self.manifest:
                return NOT_IN_LIST
        else:
            await self.register(sha, query, now)
        rest = {k: v for k, v in extensions.items() if k != "persistedQuery"}
        return {**request, "query": query, "extensions": rest or None}

    async def text(self, sha: str) -> str | None:
        """The text registered under `sha`: a manifest's, this process's, or another replica's."""
        if (known := self.manifest.get(sha)) is not None:
            return known
        if (seen := self._seen.get(sha)) is not None:
            self._seen.move_to_end(sha)
            return seen
        if self.only:
            return None
        row = await PersistedQuery.filter(sha256=sha).first().values_list("query", flat=True)
        if row is not None:
            self._remember(sha, str(row))
        return None if row is None else str(row)

    async def register(self, sha: str, query: str, now: datetime) -> None:
        """Keep `query` under `sha` for every replica: only parseable texts of a bounded size, so
        the table holds operations, not whatever a client cares to store."""
        if sha in self.manifest or sha in self._seen or len(query) > MAX_REGISTERED_CHARS:
            return
        try:
            parse(query, no_location=True)
        except GraphQLError:
            return  # the view reports the syntax error; nothing worth keeping
        try:
            await PersistedQuery.get_or_create(sha256=sha, defaults={"query": query, "created_at": now})
        except IntegrityError:  # another replica registered it at the same moment
            pass
        self._remember(sha, query)

    def _remember(self, sha: str, query: str) -> None:
        self._seen[sha] = query
        if len(self._seen) > CACHE_SIZE:
            self._seen.popitem(last=False)
