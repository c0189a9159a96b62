import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { nulPaths } from './nul-guard.ts';

describe('nulPaths', () => {
  it.each([
    ['a plain string', 'a\u0000b', ['']],
    ['nested JSON', { a: [{ b: 'x\u0000' }, 'ok'] }, ['a.0.b']],
    ['a key', { ['k\u0000']: 1 }, ['k\u0000']],
    ['a prototype-less dictionary (query strings)', Object.assign(Object.create(null) as object, { q: '\u0000' }), ['q']],
    ['clean JSON', { a: ['b', { c: 'd' }] }, []],
    ['a Buffer holding a zero byte', Buffer.from([0, 1, 2]), []],
  ])('%s', (_name, value, expected) => {
    expect(nulPaths(value)).toEqual(expected);
  });

  it('leaves a streamed upload alone (its object graph is cyclic: walking it never ended)', () => {
    const body = new PassThrough();
    body.end(Buffer.from('\u0000'));
    expect(nulPaths(body)).toEqual([]);
  });
});
