import { describe, expect, it } from 'vitest';
import { buildReplyHeaders, cleanMessageId, MAX_REFERENCES, type ReplyHeaders, type ReplyParent } from './references.ts';

const ids = (n: number): string[] => Array.from({ length: n }, (_, i) => `m${i + 1}@example.com`);

describe('buildReplyHeaders', () => {
  const cases: Array<[string, ReplyParent, ReplyHeaders]> = [
    ['a first message: references are its own id', { messageId: 'p@example.com', references: [] }, { inReplyTo: 'p@example.com', references: ['p@example.com'] }],
    [
      'appends the parent to its references',
      { messageId: '<p@example.com>', references: ['<a@example.com>', '<b@example.com>'] },
      { inReplyTo: 'p@example.com', references: ['a@example.com', 'b@example.com', 'p@example.com'] },
    ],
    [
      'no References: uses the parent\u2019s In-Reply-To (RFC 5322 §3.6.4)',
      { messageId: 'p@example.com', references: [], inReplyTo: '<a@example.com>' },
      { inReplyTo: 'p@example.com', references: ['a@example.com', 'p@example.com'] },
    ],
    [
      'References win over In-Reply-To',
      { messageId: 'p@example.com', references: ['r@example.com'], inReplyTo: 'a@example.com' },
      { inReplyTo: 'p@example.com', references: ['r@example.com', 'p@example.com'] },
    ],
    [
      'splits a raw header value holding several ids',
      { messageId: 'p@example.com', references: ['<a@example.com> <b@example.com>\r\n <c@example.com>'] },
      { inReplyTo: 'p@example.com', references: ['a@example.com', 'b@example.com', 'c@example.com', 'p@example.com'] },
    ],
    [
      'drops duplicates, keeping the first place',
      { messageId: 'a@example.com', references: ['a@example.com', 'b@example.com', 'b@example.com'] },
      { inReplyTo: 'a@example.com', references: ['a@example.com', 'b@example.com'] },
    ],
    [
      'drops malformed ids from hostile headers',
      { messageId: 'p@example.com', references: ['no-at-sign', 'a@example.com', 'x@y\r\nBcc: z@evil.example', '<b c@example.com>', '@example.com', 'ok@example.com'] },
      { inReplyTo: 'p@example.com', references: ['a@example.com', 'ok@example.com', 'p@example.com'] },
    ],
    [
      'a malformed parent id: no In-Reply-To, the chain is kept',
      { messageId: 'broken id', references: ['a@example.com'] },
      { inReplyTo: null, references: ['a@example.com'] },
    ],
    ['an empty parent id and no references', { messageId: '', references: [] }, { inReplyTo: null, references: [] }],
    [
      `a long chain: cut to ${MAX_REFERENCES}, keeping the root and the newest`,
      { messageId: 'p@example.com', references: ids(30) },
      { inReplyTo: 'p@example.com', references: ['m1@example.com', ...ids(30).slice(-18), 'p@example.com'] },
    ],
    [
      'exactly the maximum is not cut',
      { messageId: 'p@example.com', references: ids(MAX_REFERENCES - 1) },
      { inReplyTo: 'p@example.com', references: [...ids(MAX_REFERENCES - 1), 'p@example.com'] },
    ],
  ];
  it.each(cases)('%s', (_name, parent, expected) => {
    const out = buildReplyHeaders(parent);
    expect(out).toEqual(expected);
    expect(out.references.length).toBeLessThanOrEqual(MAX_REFERENCES);
  });
});

describe('cleanMessageId', () => {
  const cases: Array<[string, string | null]> = [
    ['<a@b.example>', 'a@b.example'],
    ['  a@b.example ', 'a@b.example'],
    ['< a@b.example >', 'a@b.example'],
    ['CAF=x+y/z_1@mail.gmail.com', 'CAF=x+y/z_1@mail.gmail.com'],
    ['a b@c', null],
    ['a@b\nc', null],
    ['a\u0000@b', null],
    ['ä@b.example', null],
    ['', null],
    [`${'a'.repeat(300)}@b`, null],
  ];
  it.each(cases)('%j → %j', (value, expected) => {
    expect(cleanMessageId(value)).toBe(expected);
  });
});
