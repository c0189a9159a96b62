import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REALTIME_MESSAGE_TYPES } from '@postdesk/contracts';
import { startTestServer, type TestServer } from '../../../test/support/app.ts';

// The OpenAPI document is built from the routes' own schemas, so an
// operation without a response schema is a route whose answer nobody checks
// on the way out and the console cannot rely on. Every operation must
// declare its success answer: a 204 declares no body, anything else a schema.

interface Operation {
  responses?: Record<string, { content?: Record<string, { schema?: unknown }> }>;
}

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(() => s?.stop());

describe('the OpenAPI document', () => {
  it('declares a response schema for the success status of every operation', async () => {
    const doc = (await s.call('GET', '/api/openapi.json')).body as { paths: Record<string, Record<string, Operation>> };
    const operations = Object.entries(doc.paths).flatMap(([path, methods]) => Object.entries(methods).map(([method, op]) => ({ name: `${method.toUpperCase()} ${path}`, op })));
    expect(operations.length).toBeGreaterThan(70);
    const lacking = operations
      .filter(({ op }) => {
        const success = Object.entries(op.responses ?? {}).filter(([status]) => /^2\d\d$/.test(status));
        if (success.length === 0) return true;
        return success.some(([status, r]) => status !== '204' && !Object.values(r.content ?? {}).some((c) => c.schema !== undefined));
      })
      .map(({ name }) => name);
    expect(lacking).toEqual([]);
  });

  it('describes every WebSocket push, from the contract, and docs/ARCHITECTURE.md lists each', async () => {
    const doc = (await s.call('GET', '/api/openapi.json')).body as { 'x-websocket': { path: string; messages: { oneOf?: Array<{ properties: { type: { const: string } } }> } } };
    expect(doc['x-websocket'].path).toBe('/api/ws');
    const documented = (doc['x-websocket'].messages.oneOf ?? []).map((m) => m.properties.type.const);
    expect(documented).toEqual(REALTIME_MESSAGE_TYPES);
    const architecture = readFileSync(new URL('../../../docs/ARCHITECTURE.md', import.meta.url), 'utf8');
    const listed = [...architecture.matchAll(/^\| `([a-z._]+)` \|/gm)].map((m) => m[1]);
    expect(listed).toEqual(REALTIME_MESSAGE_TYPES);
  });
});
