import { describe, expect, it } from 'vitest';
import { formatDuration } from './format-duration.ts';

describe('formatDuration', () => {
  it.each([
    [null, '–'],
    [0, '0:00'],
    [42, '0:42'],
    [59.9, '0:59'],
    [725, '12:05'],
    [3600, '1:00:00'],
    [11229, '3:07:09'],
    [-5, '0:00'],
    [Number.NaN, '–'],
  ])('%s → %s', (input, out) => expect(formatDuration(input)).toBe(out));
});
