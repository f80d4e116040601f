"""`Money`: integer minor units plus their decimal and display forms (billing.money knows exponents)."""

from __future__ import annotations

import strawberry

from billing import money as _money
from schema.types.enums import Currency


@strawberry.type(description="An amount in the currency's minor unit (cents; JPY has none).")
class Money:
    amount: int
    currency: Currency

    @strawberry.field(description='"4.99", "780"')
    def decimal(self) -> str:
        return _money.decimal_string(self.amount, self.currency)

    @strawberry.field(description='"$4.99", "€4.99", "¥780"')
    def formatted(self) -> str:
        return _money.formatted(self.amount, self.currency)


def money(amount: int, currency: str) -> Money:
    return Money(amount=amount, currency=currency)  # type: ignore[arg-type]
