// Live updates: GraphQL subscriptions over one websocket at /graphql, speaking the
// graphql-transport-ws protocol (the one the gateway serves). A few dozen lines instead of a
// library: connection_init with the token (browsers cannot set headers on a websocket),
// subscribe/next/error/complete, ping/pong, and a reconnect with backoff that subscribes again
// (PremiumLive then sends the current state first, so nothing missed while away stays missed).

const PROTOCOL = "graphql-transport-ws";
const TOKEN_REFUSED = new Set([4401, 4403]); // expired while open / refused at connection_init

export class LiveUpdates {
  constructor({ url, token, onStatus = () => {}, onReconnect = () => {} }) {
    this.url = url;
    this.token = token;
    this.onStatus = onStatus;
    this.onReconnect = onReconnect; // called after a reconnect, once the server acknowledged
    this.subscriptions = new Map(); // id -> {payload, next, error}
    this.nextId = 1;
    this.socket = null;
    this.acknowledged = false;
    this.stopped = false;
    this.retries = 0;
    this.everConnected = false;
  }

  static urlFor(location) {
    return `${location.protocol === "https:" ? "wss:" : "ws:"}//${location.host}/graphql`;
  }

  /** Starts a subscription (now, or once connected); returns a function that ends it. */
  subscribe(operationName, query, { next, error = () => {} }) {
    const id = String(this.nextId++);
    this.subscriptions.set(id, { payload: { query, operationName, variables: {} }, next, error });
    if (this.acknowledged) this.send({ id, type: "subscribe", payload: this.subscriptions.get(id).payload });
    else this.connect();
    return () => {
      if (this.subscriptions.delete(id) && this.acknowledged) this.send({ id, type: "complete" });
    };
  }

  stop() {
    this.stopped = true;
    this.subscriptions.clear();
    if (this.socket) this.socket.close(1000, "done");
  }

  connect() {
    if (this.socket || this.stopped) return;
    this.onStatus(this.everConnected ? "reconnecting" : "connecting");
    const socket = new WebSocket(this.url, PROTOCOL);
    this.socket = socket;
    socket.addEventListener("open", () => {
      this.send({ type: "connection_init", payload: { Authorization: `Bearer ${this.token}` } });
    });
    socket.addEventListener("message", (event) => this.receive(event.data));
    socket.addEventListener("close", (event) => this.closed(socket, event.code));
  }

  send(message) {
    if (this.socket && this.socket.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(message));
  }

  receive(data) {
    let message;
    try {
      message = JSON.parse(data);
    } catch {
      return;
    }
    const subscription = this.subscriptions.get(message.id);
    switch (message.type) {
      case "connection_ack": {
        this.acknowledged = true;
        this.retries = 0;
        const again = this.everConnected;
        this.everConnected = true;
        this.onStatus("live");
        for (const [id, sub] of this.subscriptions) this.send({ id, type: "subscribe", payload: sub.payload });
        if (again) this.onReconnect();
        break;
      }
      case "ping":
        this.send({ type: "pong" });
        break;
      case "next":
        if (!subscription) break;
        if (message.payload?.errors?.length) subscription.error(message.payload.errors[0]);
        else subscription.next(message.payload.data);
        break;
      case "error":
        if (subscription) subscription.error((message.payload || [])[0] || { message: "subscription failed" });
        break;
      case "complete":
        this.subscriptions.delete(message.id);
        break;
    }
  }

  closed(socket, code) {
    if (socket !== this.socket) return;
    this.socket = null;
    this.acknowledged = false;
    if (this.stopped) return;
    if (TOKEN_REFUSED.has(code)) {
      this.onStatus("refused");
      return;
    }
    this.onStatus("reconnecting");
    const delay = Math.min(30_000, 1000 * 2 ** this.retries++);
    setTimeout(() => this.connect(), delay);
  }
}
