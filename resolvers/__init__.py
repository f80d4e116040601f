"""Thin GraphQL resolvers: check the caller, validate input, call billing, map rows to schema types.

Authentication and admin checks are permission classes on the root fields
(schema.root); resolvers still take the viewer from the context and scope
every query by it, so a foreign ID can only ever come back as "not found".
"""
