import { describe, expect, it } from 'vitest';
import { formatBytes } from './format-bytes.ts';

describe('formatBytes', () => {
  it('keeps small sizes in bytes', () => {
    expect(formatBytes(0, 'en')).toBe('0 B');
    expect(formatBytes(812, 'en')).toBe('812 B');
  });

  it('steps up by 1024 with one decimal below 100', () => {
    expect(formatBytes(1536, 'en')).toBe('1.5 kB');
    expect(formatBytes(25 * 1024 * 1024, 'en')).toBe('25 MB');
    expect(formatBytes(150 * 1024, 'en')).toBe('150 kB');
  });

  it("uses the language's decimal separator", () => {
    expect(formatBytes(1536, 'it')).toBe('1,5 kB');
  });
});
