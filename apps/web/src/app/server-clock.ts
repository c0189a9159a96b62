// The server's clock as the console sees it. Times on screen ("2 minutes
// ago", an offer's countdown) compare the server's timestamps with "now"; a
// browser whose clock is off by seconds would show a message just sent as
// "in 12 seconds". Every API answer carries an HTTP Date header: the offset
// is estimated from the answer with the shortest round trip seen lately
// (its Date is the least uncertain), so one slow answer cannot skew it.

interface Sample {
  offsetMs: number;
  roundTripMs: number;
  at: number;
}

const KEEP_MS = 10 * 60_000;
let best: Sample | null = null;

/**
 * Records one answer's Date header. `sentAt` and `receivedAt` are the
 * browser's clock around the request; the server stamped the header in
 * between, and Date has a one-second resolution, so half a second is added.
 */
export function noteServerDate(header: string | null, sentAt: number, receivedAt: number): void {
  if (!header) return;
  const server = Date.parse(header);
  if (Number.isNaN(server)) return;
  const roundTripMs = Math.max(0, receivedAt - sentAt);
  const offsetMs = server + 500 - (sentAt + receivedAt) / 2;
  // a fresher sample replaces an old one even when its round trip was longer
  if (!best || roundTripMs <= best.roundTripMs || receivedAt - best.at > KEEP_MS) best = { offsetMs, roundTripMs, at: receivedAt };
}

/** Milliseconds to add to the browser's clock to get the server's (0 until an answer arrived). */
export function serverClockOffsetMs(): number {
  // within a second the Date header cannot tell; do not move times for nothing
  return best && Math.abs(best.offsetMs) > 1_000 ? best.offsetMs : 0;
}

/** Now, by the server's clock. */
export const serverNow = (): number => Date.now() + serverClockOffsetMs();

/** Forgets every sample (tests). */
export function resetServerClock(): void {
  best = null;
}
