"""Mutation resolvers, one module per family. Bound into `Mutation` by schema.root.

Each function's signature is the contract's; the permission classes
(authenticated / admin) are attached in schema.root, so a resolver may assume
`info.context.viewer` is set. Expected failures go into ``userErrors``; only
bugs raise (and are masked as "Unexpected error.").
"""
