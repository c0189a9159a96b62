import { z } from 'zod';
import { realtimeMessageSchema } from '@postdesk/contracts';

/**
 * The WebSocket's pushes as an OpenAPI extension (`x-websocket` in
 * /api/openapi.json): OpenAPI 3.1 has no word for a socket, so the
 * contract's union is published beside the paths, as JSON Schema.
 */
export const realtimeDocument = {
  path: '/api/ws',
  description:
    'The workspace push channel: authenticated like the API (session cookie from this origin, or a bearer token); the server only pushes, commands go through the HTTP API. Each message is one of `messages` (JSON), told apart by `type`; pushes are hints, screens re-read through the API.',
  messages: z.toJSONSchema(realtimeMessageSchema),
} as const;
