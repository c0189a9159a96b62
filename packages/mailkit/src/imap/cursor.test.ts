import { describe, expect, it } from 'vitest';
import { byteBatches, inResync, planFolder, uidChunks, uidsWithin, type FolderCursor } from './cursor.ts';

const at = (uidvalidity: number, lastUid: number, resyncBelow: number | null = null): FolderCursor => ({ uidvalidity, lastUid, resyncBelow });

describe('planFolder', () => {
  it.each([
    ['a new folder takes everything', null, { uidvalidity: 7, uidNext: 40 }, { action: 'fetch', fromUid: 1, reset: true, cursor: at(7, 0) }],
    ['an empty new folder still gets a cursor', null, { uidvalidity: 7, uidNext: 1 }, { action: 'fetch', fromUid: 1, reset: true, cursor: at(7, 0) }],
    ['nothing new', at(7, 39), { uidvalidity: 7, uidNext: 40 }, { action: 'up_to_date', cursor: at(7, 39) }],
    ['new mail', at(7, 39), { uidvalidity: 7, uidNext: 45 }, { action: 'fetch', fromUid: 40, reset: false, cursor: at(7, 39) }],
    ['UIDNEXT unknown (0) fetches to be sure', at(7, 39), { uidvalidity: 7, uidNext: 0 }, { action: 'fetch', fromUid: 40, reset: false, cursor: at(7, 39) }],
    ['UIDNEXT behind the cursor (a server bug) is up to date', at(7, 39), { uidvalidity: 7, uidNext: 20 }, { action: 'up_to_date', cursor: at(7, 39) }],
    ['UIDVALIDITY changed: start over, dedupe below the new UIDNEXT', at(7, 39), { uidvalidity: 8, uidNext: 31 }, { action: 'fetch', fromUid: 1, reset: true, cursor: at(8, 0, 30) }],
    ['UIDVALIDITY changed on an empty folder', at(7, 39), { uidvalidity: 9, uidNext: 1 }, { action: 'fetch', fromUid: 1, reset: true, cursor: at(9, 0, 0) }],
    ['a resync in progress carries on', at(8, 10, 30), { uidvalidity: 8, uidNext: 31 }, { action: 'fetch', fromUid: 11, reset: false, cursor: at(8, 10, 30) }],
  ] as const)('%s', (_name, cursor, server, expected) => {
    expect(planFolder(cursor, server)).toEqual(expected);
  });
});

describe('inResync', () => {
  it.each([
    [at(8, 0, 30), 1, true],
    [at(8, 0, 30), 30, true],
    [at(8, 0, 30), 31, false],
    [at(8, 0, null), 1, false],
  ] as const)('%o uid %i → %s', (cursor, uid, expected) => expect(inResync(cursor, uid)).toBe(expected));
});

describe('uidChunks', () => {
  it.each([
    [[], 50, []],
    [[5], 50, ['5']],
    [[5, 6, 7, 9, 12, 13], 50, ['5:7,9,12:13']],
    [[3, 1, 2, 2], 50, ['1:3']],
    [[1, 2, 3, 4, 5], 2, ['1:2', '3:4', '5']],
    [[0, -1, 1.5, 4], 50, ['4']],
  ] as const)('%j by %i', (uids, chunk, expected) => expect(uidChunks(uids, chunk)).toEqual(expected));
});

describe('byteBatches', () => {
  const limits = { maxCount: 3, maxBytes: 100 };
  it.each([
    ['nothing', [], []],
    ['fits in one', [{ uid: 1, size: 10 }, { uid: 2, size: 10 }], [[1, 2]]],
    ['by count', [1, 2, 3, 4].map((uid) => ({ uid, size: 1 })), [[1, 2, 3], [4]]],
    ['by bytes', [{ uid: 1, size: 60 }, { uid: 2, size: 60 }, { uid: 3, size: 30 }], [[1], [2, 3]]],
    ['a giant goes alone', [{ uid: 1, size: 5 }, { uid: 2, size: 500 }, { uid: 3, size: 5 }], [[1], [2], [3]]],
    ['unsorted input comes out ascending', [{ uid: 9, size: 1 }, { uid: 4, size: 1 }], [[4, 9]]],
  ] as const)('%s', (_name, items, expected) => expect(byteBatches(items, limits)).toEqual(expected));

  it('puts a message of aloneFrom bytes or more in a round of its own, even within the byte limit', () => {
    const sizes = [5, 40, 5, 5, 45, 50, 5].map((size, i) => ({ uid: i + 1, size }));
    expect(byteBatches(sizes, { ...limits, aloneFrom: 40 })).toEqual([[1], [2], [3, 4], [5], [6], [7]]);
  });
});

describe('uidsWithin', () => {
  it.each([
    ['"n:*" answered with the highest UID below n', [7], 10, undefined, []],
    ['what lies from n on', [9, 10, 11, 40], 10, undefined, [10, 11, 40]],
    ['the catch-up window between the two cursors, both ends counted', [3, 4, 5, 6, 7], 4, 6, [4, 5, 6]],
    ['a server listing UIDs beyond the window', [4, 99], 4, 6, [4]],
    ['nothing found', [], 1, 5, []],
    ['garbage from a broken server', [0, -1, 2.5, 3], 1, 5, [3]],
  ] as const)('%s', (_name, found, from, to, expected) => expect(uidsWithin(found, from, to)).toEqual(expected));
});
