import net from 'node:net';

/**
 * A tiny loopback TCP load balancer for the multi-node drill, playing the
 * one docs/OPERATIONS.md describes: each new client connection goes to the
 * first backend that accepts a TCP connection (a killed node refuses, so the
 * next one gets it), and its bytes are piped both ways untouched — HTTP
 * requests and WebSocket upgrades alike, no stickiness. When a backend's
 * connection ends or fails, its client connection is destroyed, as a real
 * balancer does when a node dies: the browser sees a network error and
 * reconnects through the balancer.
 *
 * `hold(backend)` keeps what a backend sends back from reaching clients (the
 * requests still reach it): a test can let a node commit a request and die
 * before its answer arrives.
 */
export interface Balancer {
  url: string;
  /** Every client connection routed so far: its backend and the first line it sent (e.g. `GET /api/ws HTTP/1.1`). */
  routed: Array<{ backend: string; firstLine: string }>;
  /** Every HTTP request line seen going to a backend (one per request, also on kept-alive connections). */
  requests: Array<{ backend: string; line: string }>;
  hold(backend: string): void;
  close(): Promise<void>;
}

/** Starts a balancer on a free loopback port in front of backends given as http://host:port URLs, in order of preference. */
export async function startBalancer(backends: string[]): Promise<Balancer> {
  const targets = backends.map((u) => {
    const url = new URL(u);
    return { name: u, host: url.hostname, port: Number(url.port) };
  });
  const held = new Set<string>();
  const routed: Balancer['routed'] = [];
  const requests: Balancer['requests'] = [];
  const sockets = new Set<net.Socket>();

  const connectFirst = async (): Promise<{ name: string; socket: net.Socket } | null> => {
    for (const t of targets) {
      const socket = await new Promise<net.Socket | null>((resolve) => {
        const s = net.connect({ host: t.host, port: t.port });
        s.once('connect', () => resolve(s));
        s.once('error', () => resolve(null));
      });
      if (socket) return { name: t.name, socket };
    }
    return null;
  };

  const server = net.createServer((client) => {
    sockets.add(client);
    client.once('close', () => sockets.delete(client));
    client.on('error', () => undefined);
    client.pause(); // nothing is lost while the backend is chosen
    void connectFirst().then((picked) => {
      if (!picked) return client.destroy();
      const { name, socket: backend } = picked;
      sockets.add(backend);
      const entry = { backend: name, firstLine: '' };
      routed.push(entry);
      client.on('data', (chunk: Buffer) => {
        const line = chunk.toString('latin1', 0, Math.min(chunk.length, 300)).split('\r\n', 1)[0]!;
        if (!entry.firstLine) entry.firstLine = line;
        // a request's head starts a chunk in practice; a body that happens to look like one would only add a line
        if (/^[A-Z]+ \S+ HTTP\/1\.[01]$/.test(line)) requests.push({ backend: name, line });
        backend.write(chunk);
      });
      backend.on('data', (chunk: Buffer) => {
        if (!held.has(name)) client.write(chunk);
      });
      client.once('end', () => backend.end());
      client.once('close', () => backend.destroy());
      // a held backend's answers never arrive; otherwise what it sent is flushed before the client's end
      backend.once('end', () => (held.has(name) ? client.destroy() : client.end()));
      backend.once('close', () => {
        sockets.delete(backend);
        if (held.has(name)) client.destroy();
        else client.end();
      });
      backend.on('error', () => undefined);
      client.resume();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    routed,
    requests,
    hold: (backend) => void held.add(backend),
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    },
  };
}
