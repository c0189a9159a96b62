import { describe, expect, it } from 'vitest';
import { isFresh, refreshMarginMs } from './access-token.ts';

const at = (iso: string) => new Date(iso);
const token = (issued: string, expires: string) => ({ access_issued_at: at(issued), access_expires_at: at(expires) });

describe('when an access token is refreshed', () => {
  it.each([
    ['a 60 s token: a quarter of its life', token('2026-01-01T00:00:00Z', '2026-01-01T00:01:00Z'), 15_000],
    ['a one-hour token: five minutes at most', token('2026-01-01T00:00:00Z', '2026-01-01T01:00:00Z'), 300_000],
    ['a 10 min token: 2.5 min', token('2026-01-01T00:00:00Z', '2026-01-01T00:10:00Z'), 150_000],
    ['a token issued already expired: no margin', token('2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z'), 0],
  ])('%s', (_name, t, margin) => {
    expect(refreshMarginMs(t)).toBe(margin);
  });

  it.each([
    ['just issued', '2026-01-01T00:00:01Z', true],
    ['46 s into a 60 s life (inside the 15 s margin)', '2026-01-01T00:00:46Z', false],
    ['44 s into a 60 s life', '2026-01-01T00:00:44Z', true],
    ['expired', '2026-01-01T00:02:00Z', false],
  ])('a 60 s token %s is fresh: %s', (_name, now, fresh) => {
    expect(isFresh(token('2026-01-01T00:00:00Z', '2026-01-01T00:01:00Z'), at(now))).toBe(fresh);
  });
});
