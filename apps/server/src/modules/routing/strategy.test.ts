import { describe, expect, it } from 'vitest';
import { Strategy } from '../campaigns/index.ts';
import { ROUTING_STRATEGIES, toRoutingStrategy } from './strategy.ts';

describe('toRoutingStrategy', () => {
  it.each([
    ['ring_all', 'ringall'],
    ['round_robin', 'rrmemory'],
    ['least_recent', 'leastrecent'],
    ['fewest_interactions', 'fewestcalls'],
    ['random', 'random'],
    ['linear', 'linear'],
    ['wrandom', 'wrandom'],
    ['rrmemory', 'rrmemory'],
    ['Round_Robin', null],
    ['', null],
    ['toString', null],
    ['__proto__', null],
  ] as const)('%j → %j', (stored, expected) => expect(toRoutingStrategy(stored)).toBe(expected));

  it('maps every value the campaign schema can store', () => {
    for (const stored of Strategy.options) expect(ROUTING_STRATEGIES).toContain(toRoutingStrategy(stored));
  });
});
