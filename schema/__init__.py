"""The GraphQL schema: `schema.types` (leaf: object types, inputs, payloads, errors,
connections) and `schema.root` (binds `resolvers` into Query/Mutation and builds the Schema)."""
