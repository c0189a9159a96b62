import { z } from 'zod';

// The server's Content-Security-Policy forbids eval; without this zod probes
// `new Function` and the browser logs a CSP violation on every page. Imported
// first by main.tsx, before any schema parses.
z.config({ jitless: true });
