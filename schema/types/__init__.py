"""Leaf package of GraphQL object types, inputs, payloads, errors and connections.

Resolvers import these; nothing here imports `resolvers` or `schema.root`.
"""
