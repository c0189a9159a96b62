import { describe, expect, it } from 'vitest';
import { penaltyWeight, selectAgents, type RoutingMember, type SelectionInput } from './select-agents.ts';
import type { RoutingStrategy } from './strategy.ts';

const m = (userId: string, over: Partial<RoutingMember> = {}): RoutingMember => ({
  userId,
  presence: 'available',
  activeInteractions: 0,
  pendingOffers: 0,
  penalty: 0,
  lastFinishedAt: 1000,
  completedToday: 0,
  order: 0,
  ...over,
});

const never = (): number => {
  throw new Error('random must not be called');
};

const pick = (strategy: RoutingStrategy, members: RoutingMember[], over: Partial<SelectionInput> = {}) =>
  selectAgents({ strategy, members, maxPerAgent: 2, rrCursor: null, random: never, ...over });

const ALL: RoutingStrategy[] = ['ringall', 'rrmemory', 'leastrecent', 'fewestcalls', 'random', 'linear', 'wrandom'];

describe('eligibility (every strategy)', () => {
  const cases: [string, RoutingMember[], Partial<SelectionInput>][] = [
    ['no members', [], {}],
    ['paused', [m('a', { presence: 'paused' })], {}],
    ['offline', [m('a', { presence: 'offline' })], {}],
    ['at capacity', [m('a', { activeInteractions: 2 })], {}],
    ['pending offers count toward capacity', [m('a', { activeInteractions: 1, pendingOffers: 1 })], {}],
    ['offers alone fill capacity', [m('a', { pendingOffers: 2 })], {}],
    ['excluded (declined or timed out)', [m('a')], { excludeUserIds: ['a'] }],
    ['a maximum of 0 admits nobody', [m('a')], { maxPerAgent: 0 }],
  ];
  for (const strategy of ALL) {
    it.each(cases)(`${strategy}: %s → nobody, cursor kept`, (_name, members, over) => {
      expect(pick(strategy, members, { rrCursor: 'z', ...over })).toEqual({ userIds: [], nextRrCursor: 'z' });
    });
  }

  it.each(ALL)('%s: the only eligible member is chosen among ineligible ones', (strategy) => {
    const members = [
      m('a', { presence: 'paused', order: 1 }),
      m('b', { presence: 'offline', order: 2 }),
      m('c', { activeInteractions: 2, order: 3 }),
      m('d', { activeInteractions: 1, pendingOffers: 1, order: 4 }),
      m('e', { order: 5 }),
      m('f', { activeInteractions: 1, order: 6 }),
    ];
    const got = pick(strategy, members, { excludeUserIds: ['f'], random: () => 0.99 });
    expect(got.userIds).toEqual(['e']);
  });

  it('one below capacity is eligible', () => {
    expect(pick('linear', [m('a', { activeInteractions: 1 })]).userIds).toEqual(['a']);
  });
});

describe('selectAgents', () => {
  const trio = [m('c', { order: 2 }), m('a', { order: 1 }), m('b', { order: 1 })];
  it.each<[string, RoutingStrategy, RoutingMember[], Partial<SelectionInput>, string[], string | null]>([
    // ringall
    ['ringall offers to all eligible in stable order', 'ringall', [...trio, m('d', { presence: 'paused' })], {}, ['a', 'b', 'c'], null],
    ['ringall leaves the rr cursor alone', 'ringall', trio, { rrCursor: 'b' }, ['a', 'b', 'c'], 'b'],
    // linear
    ['linear takes the lowest order', 'linear', trio, {}, ['a'], null],
    ['linear ties on order by userId', 'linear', [m('b', { order: 1 }), m('a', { order: 1 })], {}, ['a'], null],
    ['linear skips the unavailable first', 'linear', [m('a', { order: 0, presence: 'paused' }), m('b', { order: 5 })], {}, ['b'], null],
    ['linear skips the excluded first', 'linear', trio, { excludeUserIds: ['a'] }, ['b'], null],
    ['negative order comes first', 'linear', [m('a', { order: 0 }), m('b', { order: -1 })], {}, ['b'], null],
    // rrmemory
    ['rrmemory without cursor starts at the top', 'rrmemory', trio, {}, ['a'], 'a'],
    ['rrmemory takes the next after the cursor', 'rrmemory', trio, { rrCursor: 'a' }, ['b'], 'b'],
    ['rrmemory wraps around', 'rrmemory', trio, { rrCursor: 'c' }, ['a'], 'a'],
    ['rrmemory skips an ineligible next', 'rrmemory', [m('a', { order: 1 }), m('b', { order: 2, presence: 'paused' }), m('c', { order: 3 })], { rrCursor: 'a' }, ['c'], 'c'],
    ['rrmemory: cursor agent now paused still marks the place', 'rrmemory', [m('a', { order: 1 }), m('b', { order: 2, presence: 'paused' }), m('c', { order: 3 })], { rrCursor: 'b' }, ['c'], 'c'],
    ['rrmemory: cursor agent left the campaign → from the top', 'rrmemory', trio, { rrCursor: 'gone' }, ['a'], 'a'],
    ['rrmemory: the cursor agent again when alone', 'rrmemory', [m('a')], { rrCursor: 'a' }, ['a'], 'a'],
    ['rrmemory wraps past excluded', 'rrmemory', trio, { rrCursor: 'b', excludeUserIds: ['c'] }, ['a'], 'a'],
    // leastrecent
    ['leastrecent: finished longest ago', 'leastrecent', [m('a', { lastFinishedAt: 300 }), m('b', { lastFinishedAt: 100 }), m('c', { lastFinishedAt: 200 })], {}, ['b'], null],
    ['leastrecent: never finished counts as longest ago', 'leastrecent', [m('a', { lastFinishedAt: 1 }), m('b', { lastFinishedAt: null })], {}, ['b'], null],
    ['leastrecent: tie → fewer active + pending', 'leastrecent', [m('a', { pendingOffers: 1 }), m('b')], {}, ['b'], null],
    ['leastrecent: both never finished → fewer active', 'leastrecent', [m('a', { lastFinishedAt: null, activeInteractions: 1 }), m('b', { lastFinishedAt: null })], {}, ['b'], null],
    ['leastrecent: full tie → userId', 'leastrecent', [m('b', { order: 0 }), m('a', { order: 9 })], {}, ['a'], null],
    ['leastrecent ignores an unavailable idler', 'leastrecent', [m('a', { lastFinishedAt: null, presence: 'offline' }), m('b', { lastFinishedAt: 5 })], {}, ['b'], null],
    ['leastrecent keeps the cursor', 'leastrecent', trio, { rrCursor: 'c' }, ['a'], 'c'],
    // fewestcalls
    ['fewestcalls: fewest completed today', 'fewestcalls', [m('a', { completedToday: 3 }), m('b', { completedToday: 1 }), m('c', { completedToday: 2 })], {}, ['b'], null],
    ['fewestcalls: tie → fewer active + pending', 'fewestcalls', [m('a', { completedToday: 1, activeInteractions: 1 }), m('b', { completedToday: 1 })], {}, ['b'], null],
    ['fewestcalls: full tie → userId', 'fewestcalls', [m('b', { completedToday: 1 }), m('a', { completedToday: 1 })], {}, ['a'], null],
    // random
    ['random 0 → first eligible in stable order', 'random', trio, { random: () => 0 }, ['a'], null],
    ['random 0.5 of three → the second', 'random', trio, { random: () => 0.5 }, ['b'], null],
    ['random 0.999 → the last', 'random', trio, { random: () => 0.999 }, ['c'], null],
    ['random 1 (bad source) is clamped to the last', 'random', trio, { random: () => 1 }, ['c'], null],
    ['random NaN (bad source) → the first', 'random', trio, { random: () => Number.NaN }, ['a'], null],
    ['random negative (bad source) → the first', 'random', trio, { random: () => -3 }, ['a'], null],
    // wrandom: weights 1/(1+penalty); a (p 0) = 1, b (p 1) = 0.5, c (p 3) = 0.25; total 1.75
    ['wrandom 0 → a', 'wrandom', [m('a', { penalty: 0, order: 1 }), m('b', { penalty: 1, order: 2 }), m('c', { penalty: 3, order: 3 })], { random: () => 0 }, ['a'], null],
    ['wrandom just below 1/1.75 → a', 'wrandom', [m('a', { penalty: 0, order: 1 }), m('b', { penalty: 1, order: 2 }), m('c', { penalty: 3, order: 3 })], { random: () => 0.57 }, ['a'], null],
    ['wrandom just above 1/1.75 → b', 'wrandom', [m('a', { penalty: 0, order: 1 }), m('b', { penalty: 1, order: 2 }), m('c', { penalty: 3, order: 3 })], { random: () => 0.58 }, ['b'], null],
    ['wrandom below 1.5/1.75 → b', 'wrandom', [m('a', { penalty: 0, order: 1 }), m('b', { penalty: 1, order: 2 }), m('c', { penalty: 3, order: 3 })], { random: () => 0.85 }, ['b'], null],
    ['wrandom above 1.5/1.75 → c', 'wrandom', [m('a', { penalty: 0, order: 1 }), m('b', { penalty: 1, order: 2 }), m('c', { penalty: 3, order: 3 })], { random: () => 0.86 }, ['c'], null],
    ['wrandom near 1 → c', 'wrandom', [m('a', { penalty: 0, order: 1 }), m('b', { penalty: 1, order: 2 }), m('c', { penalty: 3, order: 3 })], { random: () => 0.9999 }, ['c'], null],
    ['wrandom equal penalties are plain random', 'wrandom', [m('a', { penalty: 2 }), m('b', { penalty: 2 })], { random: () => 0.5 }, ['b'], null],
    ['wrandom skips ineligible weights', 'wrandom', [m('a', { presence: 'paused' }), m('b', { penalty: 1 }), m('c', { penalty: 1 })], { random: () => 0.49 }, ['b'], null],
  ])('%s', (_name, strategy, members, over, userIds, nextRrCursor) => {
    expect(pick(strategy, members, over)).toEqual({ userIds, nextRrCursor });
  });

  it('does not call random for strategies that do not need it', () => {
    for (const s of ['ringall', 'rrmemory', 'leastrecent', 'fewestcalls', 'linear'] as const) expect(() => pick(s, trio)).not.toThrow();
  });

  it('does not reorder or change the input', () => {
    const members = [m('c', { order: 2 }), m('a', { order: 1 })];
    const copy = structuredClone(members);
    pick('ringall', members);
    expect(members).toEqual(copy);
  });
});

describe('penaltyWeight', () => {
  it.each([
    [0, 1],
    [1, 0.5],
    [3, 0.25],
    [-2, 1],
    [Number.NaN, 1],
    [Number.POSITIVE_INFINITY, 1],
  ])('penalty %d → %d', (penalty, weight) => expect(penaltyWeight(penalty)).toBe(weight));
});

describe('distribution', () => {
  it('rrmemory over 1,000 assignments among 10 agents differs by at most 1', () => {
    const members = Array.from({ length: 10 }, (_, i) => m(`agent-${i}`, { order: (i * 7) % 10 }));
    const counts = new Map<string, number>();
    let rrCursor: string | null = null;
    for (let i = 0; i < 1000; i++) {
      const got = selectAgents({ strategy: 'rrmemory', members, maxPerAgent: 5, rrCursor, random: never });
      const [chosen] = got.userIds;
      expect(got.userIds).toHaveLength(1);
      counts.set(chosen ?? '', (counts.get(chosen ?? '') ?? 0) + 1);
      rrCursor = got.nextRrCursor;
    }
    expect(counts.size).toBe(10);
    expect(Math.max(...counts.values()) - Math.min(...counts.values())).toBeLessThanOrEqual(1);
  });

  it('wrandom follows the penalty weights over an even sweep of random values', () => {
    const members = [m('a', { penalty: 0 }), m('b', { penalty: 1 }), m('c', { penalty: 3 })];
    const counts: Record<string, number> = { a: 0, b: 0, c: 0 };
    const n = 7000;
    for (let i = 0; i < n; i++) {
      const [chosen] = selectAgents({ strategy: 'wrandom', members, maxPerAgent: 5, rrCursor: null, random: () => (i + 0.5) / n }).userIds;
      counts[chosen ?? ''] = (counts[chosen ?? ''] ?? 0) + 1;
    }
    // shares 1 : 0.5 : 0.25 of 1.75 → 4000 : 2000 : 1000
    expect(counts).toEqual({ a: 4000, b: 2000, c: 1000 });
  });
});
