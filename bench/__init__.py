"""The benchmark harness (issue 7): `python -m bench run [--quick]`.

It starts the real `billing-gateway serve` (PostgreSQL, 2 uvicorn workers)
against the Stripe sandbox, a raw ceiling (Starlette + asyncpg + orjson, the
same SQL and JSON), seeds a realistic volume once, drives each scenario from
separate load-generator processes and writes a table plus JSON to
`bench/results/`. See README.md "Benchmarks" for what each figure means.
"""
