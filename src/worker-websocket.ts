// The WebSocket client streams use on Workers. workerd has no outbound `new WebSocket(url)`: a
// Worker (here, the streams' Durable Object) opens one with `fetch(url, { headers: { Upgrade:
// "websocket" } })` and accepts the socket the response carries. This class gives masto's and
// @skyware/jetstream's clients the constructor they expect on top of that: it connects on
// construction, then reports open, message, close and error as a browser WebSocket does. Workers'
// own fetch cannot reach private networks, so no address guard is needed here. Part of the Worker
// entry point.
export type WebSocketCtor = new (url: string | URL, protocols?: string | string[]) => WebSocket;

const CONNECTING = 0;
const OPEN = 1;
const CLOSING = 2;
const CLOSED = 3;

export function fetchUpgradeWebSocket(fetcher: typeof fetch, userAgent: string): WebSocketCtor {
  return class FetchUpgradeWebSocket extends EventTarget {
    static readonly CONNECTING = CONNECTING;
    static readonly OPEN = OPEN;
    static readonly CLOSING = CLOSING;
    static readonly CLOSED = CLOSED;
    readonly CONNECTING = CONNECTING;
    readonly OPEN = OPEN;
    readonly CLOSING = CLOSING;
    readonly CLOSED = CLOSED;
    readyState = CONNECTING;
    readonly url: string;
    protocol = "";
    binaryType: BinaryType = "blob";
    bufferedAmount = 0;
    extensions = "";
    onopen: ((e: Event) => void) | null = null;
    onmessage: ((e: MessageEvent) => void) | null = null;
    onclose: ((e: CloseEvent) => void) | null = null;
    onerror: ((e: Event) => void) | null = null;
    private socket: WebSocket | null = null;

    constructor(url: string | URL, protocols?: string | string[]) {
      super();
      this.url = String(url);
      const list = protocols === undefined || protocols === null ? [] : Array.isArray(protocols) ? protocols : [protocols];
      void this.connect(list);
    }

    private emit(event: Event): void {
      this.dispatchEvent(event);
      const handler = (this as unknown as Record<string, ((e: Event) => void) | null>)[`on${event.type}`];
      handler?.call(this, event);
    }

    private async connect(protocols: string[]): Promise<void> {
      try {
        // Never followed elsewhere (a token may ride in the protocol header), and never left hanging.
        const res = await fetcher(this.url.replace(/^ws(s?):/i, "http$1:"), {
          redirect: "manual",
          signal: AbortSignal.timeout(10_000),
          headers: {
            upgrade: "websocket",
            "user-agent": userAgent,
            ...(protocols.length ? { "sec-websocket-protocol": protocols.join(", ") } : {}),
          },
        });
        const socket = (res as Response & { webSocket?: WebSocket | null }).webSocket;
        if (!socket) throw new Error(`The server answered ${res.status} instead of opening a WebSocket.`);
        (socket as WebSocket & { accept(): void }).accept();
        this.socket = socket;
        this.protocol = res.headers.get("sec-websocket-protocol") ?? "";
        socket.addEventListener("message", (e) => this.emit(new MessageEvent("message", { data: e.data })));
        socket.addEventListener("close", (e) => {
          this.readyState = CLOSED;
          this.emit(new CloseEvent("close", { code: e.code, reason: e.reason, wasClean: e.wasClean }));
        });
        socket.addEventListener("error", () => this.emit(new Event("error")));
        if (this.readyState === CLOSING) {
          socket.close(1000, "closed before it opened");
          this.readyState = CLOSED;
          this.emit(new CloseEvent("close", { code: 1000, reason: "closed before it opened", wasClean: true }));
          return;
        }
        this.readyState = OPEN;
        this.emit(new Event("open"));
      } catch (err) {
        this.readyState = CLOSED;
        const error = new Event("error") as Event & { error?: unknown; message?: string };
        error.error = err;
        error.message = String(err);
        this.emit(error);
        this.emit(new CloseEvent("close", { code: 1006, reason: String(err).slice(0, 120), wasClean: false }));
      }
    }

    send(data: string | ArrayBuffer | ArrayBufferView | Blob): void {
      if (this.readyState !== OPEN || !this.socket) throw new Error("The WebSocket is not open.");
      this.socket.send(data as string);
    }

    close(code = 1000, reason = ""): void {
      if (this.readyState === CLOSED) return;
      if (this.socket) {
        this.readyState = CLOSING;
        this.socket.close(code, reason);
      } else this.readyState = CLOSING;
    }
  } as unknown as WebSocketCtor;
}
