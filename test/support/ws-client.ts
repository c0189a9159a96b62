import WebSocket from 'ws';

/** A workspace socket for tests: every message kept in order, with a way to wait for one. */
export interface TestSocket {
  messages: any[];
  socket: WebSocket;
  /** Resolves with the first message (already received or coming) that matches, or rejects after timeoutMs. */
  next(match: (m: any) => boolean, timeoutMs?: number): Promise<any>;
  closed: Promise<{ code: number; reason: string }>;
  close(): void;
}

/** Opens /api/ws with a session cookie (sent with our own Origin, as a browser would) or a bearer token. */
export function openSocket(baseUrl: string, auth: { cookie?: string; token?: string; origin?: string }): Promise<TestSocket> {
  const headers: Record<string, string> = {};
  if (auth.cookie) headers.cookie = auth.cookie;
  if (auth.token) headers.authorization = `Bearer ${auth.token}`;
  const origin = auth.origin ?? (auth.cookie ? baseUrl : undefined);
  const socket = new WebSocket(baseUrl.replace(/^http/, 'ws') + '/api/ws', { headers, ...(origin ? { origin } : {}) });
  const messages: any[] = [];
  const waiters: Array<{ match: (m: any) => boolean; resolve: (m: any) => void }> = [];
  socket.on('message', (data) => {
    const m = JSON.parse(String(data));
    messages.push(m);
    for (const w of [...waiters]) {
      if (w.match(m)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(m);
      }
    }
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) => socket.on('close', (code, reason) => resolve({ code, reason: String(reason) })));
  const s: TestSocket = {
    messages,
    socket,
    closed,
    next(match, timeoutMs = 10_000) {
      const seen = messages.find(match);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no matching message within ${timeoutMs} ms; got ${JSON.stringify(messages.slice(-5))}`)), timeoutMs);
        waiters.push({ match, resolve: (m) => (clearTimeout(timer), resolve(m)) });
      });
    },
    close: () => socket.close(),
  };
  return new Promise((resolve, reject) => {
    socket.once('open', () => resolve(s));
    socket.once('error', reject);
    // a refused socket opens and is closed at once with our code; let the caller read it
    socket.once('close', () => resolve(s));
  });
}
