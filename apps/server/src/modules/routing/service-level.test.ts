import { describe, expect, it } from 'vitest';
import { colourFor, serviceLevelStats, type ServiceLevelItem, type ServiceLevelStats, type ServiceLevelThresholds } from './service-level.ts';

const NOW = Date.UTC(2024, 0, 15, 12);
const ago = (sec: number): number => NOW - sec * 1000;
const later = (sec: number): number => NOW + sec * 1000;
const thresholds: ServiceLevelThresholds = { serviceLevelSec: 60, dropoutSec: 300, chatTimeSec: 1800, acdSec: 120 };
/** Arrived `waitedSec + handledSec` ago, accepted after `waitedSec`, optionally closed after `handledSec`. */
const answered = (waitedSec: number, handledSec: number | null = null, closedAgoSec = 0): ServiceLevelItem => {
  const createdAt = ago(waitedSec + (handledSec ?? 0) + closedAgoSec + 10);
  const acceptedAt = createdAt + waitedSec * 1000;
  return { createdAt, acceptedAt, closedAt: handledSec === null ? null : acceptedAt + handledSec * 1000 };
};
const ok = { longestWait: 'ok', serviceLevel: 'ok', dropout: 'ok', handling: 'ok' } as const;

describe('serviceLevelStats', () => {
  it.each<[string, ServiceLevelItem[], Partial<ServiceLevelThresholds>, Partial<ServiceLevelStats>]>([
    ['nothing yet', [], {}, { waiting: 0, longestWaitSec: 0, accepted: 0, abandoned: 0, serviceLevelPct: null, dropoutPct: null, avgAnswerSec: null, avgHandlingSec: null, colours: ok }],
    ['one fresh mail waiting: no outcome yet', [{ createdAt: ago(30) }], {}, { waiting: 1, longestWaitSec: 30, serviceLevelPct: null, dropoutPct: null, colours: ok }],
    ['waiting past the SL time has already missed it', [{ createdAt: ago(100) }], {}, { waiting: 1, longestWaitSec: 100, serviceLevelPct: 0, dropoutPct: null, colours: { ...ok, longestWait: 'warn' } }],
    ['waiting past the dropout time counts as abandoned, and still waits', [{ createdAt: ago(400) }], {}, { waiting: 1, abandoned: 1, longestWaitSec: 400, serviceLevelPct: 0, dropoutPct: 100, colours: { ...ok, longestWait: 'bad', dropout: 'bad' } }],
    ['dropout 0: only explicit abandonment counts', [{ createdAt: ago(10_000) }], { dropoutSec: 0 }, { waiting: 1, abandoned: 0, serviceLevelPct: 0, dropoutPct: null, colours: { ...ok, longestWait: 'bad' } }],
    ['ACD 0: the longest wait is never coloured', [{ createdAt: ago(10_000) }], { acdSec: 0, dropoutSec: 0 }, { colours: ok }],
    ['nearing the dropout time warns', [{ createdAt: ago(250) }], { acdSec: 0 }, { abandoned: 0, colours: { ...ok, dropout: 'warn' } }],
    ['the longest wait is the oldest waiting one', [{ createdAt: ago(5) }, { createdAt: ago(50.9) }, answered(500)], {}, { waiting: 2, longestWaitSec: 50 }],
    ['accepted exactly at the SL time is within it', [answered(60), answered(61)], {}, { accepted: 2, acceptedWithinSl: 1, serviceLevelPct: 50, dropoutPct: 0, avgAnswerSec: 61, colours: { ...ok, serviceLevel: 'bad' } }],
    ['SL: within / (accepted + abandoned + missed while waiting)', [answered(10), answered(20), answered(90), { createdAt: ago(600), closedAt: ago(10) }, { createdAt: ago(70) }, { createdAt: ago(20) }], {}, { accepted: 3, acceptedWithinSl: 2, abandoned: 1, waiting: 2, serviceLevelPct: 40, dropoutPct: 25 }],
    ['closed without being accepted is a dropout', [{ createdAt: ago(20), closedAt: ago(5) }, answered(5)], {}, { waiting: 0, abandoned: 1, dropoutPct: 50, serviceLevelPct: 50, colours: { ...ok, dropout: 'bad' } }],
    ['explicitly abandoned is a dropout', [{ createdAt: ago(20), abandonedAt: ago(5) }], {}, { waiting: 0, abandoned: 1, dropoutPct: 100 }],
    ['accepted late is not a dropout', [answered(1000)], {}, { abandoned: 0, dropoutPct: 0, serviceLevelPct: 0 }],
    ['rates to one decimal', [answered(1), answered(1), answered(100)], {}, { serviceLevelPct: 66.7, avgAnswerSec: 34 }],
    ['average answer below 80 % of the SL threshold is ok', [answered(40), answered(50)], {}, { avgAnswerSec: 45, colours: ok }],
    ['average answer from 80 % of the SL threshold warns', [answered(40), answered(60)], {}, { avgAnswerSec: 50, colours: { ...ok, serviceLevel: 'warn' } }],
    ['handling: accepted to closed, over closed ones only', [answered(10, 1000), answered(10, 2000), answered(10)], {}, { avgHandlingSec: 1500, colours: { ...ok, handling: 'warn' } }],
    ['handling at the chat-time limit is bad', [answered(10, 1800)], {}, { avgHandlingSec: 1800, colours: { ...ok, handling: 'bad' } }],
    ['handling below 80 % of chat time is ok', [answered(10, 1439)], {}, { avgHandlingSec: 1439, colours: ok }],
    ['an acceptance after now has not happened: still waiting', [{ createdAt: ago(30), acceptedAt: later(5) }], {}, { waiting: 1, accepted: 0 }],
    ['a close after now has not happened: no handling yet', [{ createdAt: ago(30), acceptedAt: ago(20), closedAt: later(5) }], {}, { accepted: 1, avgHandlingSec: null }],
    ['an interaction created after now is ignored', [{ createdAt: later(1) }], {}, { waiting: 0, longestWaitSec: 0 }],
    // createdAt is when it last entered the queue: an acceptance before that answered an earlier wait
    ['reopened mail waiting for its sticky agent waits, whatever its first acceptance', [{ createdAt: ago(90), acceptedAt: ago(3600), closedAt: ago(1800) }], {}, { waiting: 1, longestWaitSec: 90, accepted: 0, abandoned: 0, serviceLevelPct: 0, colours: ok }],
    ['mail transferred from another campaign waits in its new one', [{ createdAt: ago(200), acceptedAt: ago(600) }, answered(10)], {}, { waiting: 1, longestWaitSec: 200, accepted: 1, avgAnswerSec: 10 }],
  ])('%s', (_name, items, overrides, expected) => {
    expect(serviceLevelStats(items, { serviceLevelSec: 60, thresholds: { ...thresholds, ...overrides }, now: NOW })).toMatchObject(expected);
  });

  it('uses the queue service-level seconds for SL, not the threshold', () => {
    const stats = serviceLevelStats([answered(90)], { serviceLevelSec: 120, thresholds, now: NOW });
    expect(stats).toMatchObject({ serviceLevelPct: 100, colours: { serviceLevel: 'bad' } });
  });
});

describe('colourFor', () => {
  it.each<[number | null, number, string]>([
    [null, 60, 'ok'],
    [0, 60, 'ok'],
    [47.9, 60, 'ok'],
    [48, 60, 'warn'],
    [59, 60, 'warn'],
    [60, 60, 'bad'],
    [600, 60, 'bad'],
    [600, 0, 'ok'],
  ])('%s s against %i s → %s', (value, limit, expected) => expect(colourFor(value, limit)).toBe(expected));
});
