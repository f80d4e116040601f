"""How much data and how long: the full run, `--quick`, and the smoke test's tiny run."""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace


@dataclass(frozen=True)
class DataSpec:
    """The seeded volume. Stored with the data, so a matching database is reused as is."""

    users: int = 20_000
    payments: int = 500_000
    heavy_users: int = 4
    heavy_payments: int = 13_000  # each; 500 pages of 25 deep needs more than 12,500
    invoices: int = 100_000
    gift_every: int = 10  # every 10th payment is a gift with its code: 50,000 codes

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


@dataclass(frozen=True)
class RunSpec:
    data: DataSpec
    seconds: float = 10.0  # measured time per scenario run
    warmup: float = 2.0
    repetitions: int = 3  # alternating gateway/ceiling runs; medians reported
    connections: int = 16
    s2_depth_pages: int = 500
    s4_users: int = 1_200  # distinct subscriptions whose renewal invoice.paid events are sent
    s4_duplicate_share: float = 0.10
    s5_seconds: float = 8.0
    s5_connections: int = 8
    token_users: int = 4_000  # random users with a pre-minted token (S1/S3)
    instrumented_requests: int = 20
    leak_requests: int = 100_000  # S1 requests of the leak check: RSS after the first half vs the end


FULL = RunSpec(DataSpec())
QUICK = replace(
    FULL, seconds=4.0, warmup=1.0, repetitions=1, s4_users=400, s5_seconds=4.0, leak_requests=20_000
)
SMOKE = RunSpec(
    DataSpec(users=60, payments=2_000, heavy_users=1, heavy_payments=400, invoices=200),
    seconds=1.0,
    warmup=0.0,
    repetitions=1,
    connections=4,
    s2_depth_pages=10,
    s4_users=6,
    s5_seconds=1.0,
    s5_connections=2,
    token_users=40,
    instrumented_requests=3,
    leak_requests=200,
)
