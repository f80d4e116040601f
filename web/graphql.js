// The client's only way to the gateway: its public GraphQL API over HTTP (POST /graphql).
// Every operation comes from operations.graphql, by name: nothing here writes a query.

/** Thrown for top-level GraphQL errors (bad token, rate limit, a server fault) and HTTP failures. */
export class ApiError extends Error {
  constructor(message, code) {
    super(message);
    this.name = "ApiError";
    this.code = code; // extensions.code: UNAUTHENTICATED, RATE_LIMITED, ... (or HTTP_<status>)
  }
}

/**
 * The operations of a document, by name, each with its exact text.
 *
 * A block starts at a line that begins with `query`, `mutation` or `subscription` and ends at
 * its matching closing brace (braces inside strings and comments do not count). graphql-core's
 * locations give the same texts (tests compare them), so a manifest made in Python names what
 * the browser sends.
 */
export function splitOperations(text) {
  const operations = new Map();
  const start = /^(query|mutation|subscription)\s+([_A-Za-z][_0-9A-Za-z]*)/gm;
  let match;
  while ((match = start.exec(text)) !== null) {
    const end = closingBrace(text, match.index);
    if (end < 0) throw new Error(`operation ${match[2]} has no closing brace`);
    operations.set(match[2], text.slice(match.index, end + 1));
    start.lastIndex = end + 1;
  }
  return operations;
}

function closingBrace(text, from) {
  let depth = 0;
  for (let i = from; i < text.length; i++) {
    const ch = text[i];
    if (ch === "#") {
      i = text.indexOf("\n", i);
      if (i < 0) return -1;
    } else if (ch === '"') {
      i++;
      while (i < text.length && text[i] !== '"') i += text[i] === "\\" ? 2 : 1;
    } else if (ch === "{") {
      depth++;
    } else if (ch === "}") {
      depth--;
      if (depth === 0) return i;
    }
  }
  return -1;
}

export class GraphQLClient {
  constructor({ url = "/graphql", operations, token = null }) {
    this.url = url;
    this.operations = operations;
    this.token = token;
  }

  static async load(url = "/web/operations.graphql") {
    const response = await fetch(url, { cache: "no-cache" });
    if (!response.ok) throw new ApiError(`could not load ${url}`, `HTTP_${response.status}`);
    return new GraphQLClient({ operations: splitOperations(await response.text()) });
  }

  text(name) {
    const query = this.operations.get(name);
    if (!query) throw new Error(`unknown operation ${name}`);
    return query;
  }

  /** Runs a named operation; resolves to `data`, rejects with ApiError on any top-level error. */
  async run(name, variables = {}) {
    const headers = { "Content-Type": "application/json", Accept: "application/json" };
    if (this.token) headers.Authorization = `Bearer ${this.token}`;
    let response;
    try {
      response = await fetch(this.url, {
        method: "POST",
        headers,
        body: JSON.stringify({ query: this.text(name), operationName: name, variables }),
      });
    } catch {
      throw new ApiError("The gateway cannot be reached. Check your connection and try again.", "NETWORK");
    }
    let body = null;
    try {
      body = await response.json();
    } catch {
      // not JSON: reported below by status
    }
    if (body && Array.isArray(body.errors) && body.errors.length) {
      const first = body.errors[0];
      throw new ApiError(first.message, first.extensions?.code ?? "ERROR");
    }
    if (!response.ok || !body || !body.data) {
      throw new ApiError(`The gateway answered ${response.status}.`, `HTTP_${response.status}`);
    }
    return body.data;
  }
}
