import { describe, expect, it } from 'vitest';
import { deskScheduleNote } from './campaign-state.ts';

describe('deskScheduleNote', () => {
  const c = (name: string, open: boolean, nextOpening: string | null) => ({ name, open, nextOpening });
  const cases: Array<[string, Parameters<typeof deskScheduleNote>[0], ReturnType<typeof deskScheduleNote>]> = [
    ['no campaigns: nothing to say about schedules', [], { kind: 'open' }],
    ['one open campaign', [c('Support', true, '2026-12-02T10:00:00.000Z')], { kind: 'open' }],
    ['one open among closed ones', [c('Billing', false, '2026-12-03T08:00:00.000Z'), c('Support', true, '2026-12-02T10:00:00.000Z')], { kind: 'open' }],
    ['all closed: the first to open', [c('Billing', false, '2026-12-03T08:00:00.000Z'), c('Support', false, '2026-12-02T18:00:00.000Z')], { kind: 'closed', next: { name: 'Support', at: '2026-12-02T18:00:00.000Z' } }],
    ['all closed, one never opens', [c('Archive', false, null), c('Support', false, '2026-12-04T08:00:00.000Z')], { kind: 'closed', next: { name: 'Support', at: '2026-12-04T08:00:00.000Z' } }],
    ['all closed for good', [c('Archive', false, null)], { kind: 'closed', next: null }],
  ];
  it.each(cases)('%s', (_name, campaigns, expected) => {
    expect(deskScheduleNote(campaigns)).toEqual(expected);
  });
});
