import { escapeHtml } from '../template/render.ts';

function cspDirectives(remoteImages: boolean): string[] {
  return [
    "default-src 'none'",
    `img-src data:${remoteImages ? ' https: http:' : ''}`,
    "style-src 'unsafe-inline'",
    "font-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'self'",
    // same origin, so the console can measure the document's height and read
    // its data-blocked-remote; nothing can run in it (no allow-scripts, and no
    // script source above)
    'sandbox allow-same-origin allow-popups allow-popups-to-escape-sandbox',
  ];
}

/**
 * The Content-Security-Policy header for a mail body document. No scripts,
 * fonts, frames or forms; images only inline unless remote images are on.
 * The sandbox lets links open in a new tab that is not itself sandboxed.
 */
export function mailBodyCsp(remoteImages: boolean): string {
  return cspDirectives(remoteImages).join('; ');
}

// Browsers ignore frame-ancestors and sandbox in a <meta> policy, and warn.
const metaCsp = (remoteImages: boolean) =>
  cspDirectives(remoteImages)
    .filter((d) => !d.startsWith('frame-ancestors') && !d.startsWith('sandbox'))
    .join('; ');

// Mail is designed on white: set the canvas explicitly, or a dark-mode parent
// would show through and hide black text.
const BASE_STYLE = `
html { background: #fff; color: #1f1f1f; }
body { margin: 8px; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; word-wrap: break-word; overflow-wrap: anywhere; }
img { max-width: 100%; height: auto; }
table { max-width: 100%; }
pre { white-space: pre-wrap; }
blockquote { margin: 0 0 0 .8ex; padding-left: 1ex; border-left: 2px solid #ccc; }
.pd-text { white-space: pre-wrap; }
.pd-quote { margin: .5em 0; }
.pd-quote > summary { display: inline-block; list-style: none; cursor: pointer; padding: 0 .7em; border-radius: 1em; background: #e8eaed; color: #5f6368; font-size: 12px; line-height: 1.6; }
.pd-quote > summary::-webkit-details-marker { display: none; }
.pd-quote[open] > summary { margin-bottom: .5em; }
`.trim();

/**
 * Wraps a body from sanitizeMailHtml() or renderPlainText() in the document
 * served to the sandboxed iframe. bodyHtml is inserted as is: it must come
 * from one of those two.
 */
export function mailDocument(bodyHtml: string, opts: { remoteImages: boolean; lang?: string; blockedRemote?: number }): string {
  const lang = opts.lang && /^[a-z]{2,3}(?:-[a-z0-9]{1,8})*$/i.test(opts.lang) ? ` lang="${opts.lang}"` : '';
  // how many remote images the sanitiser held back: the console offers to load them only when there are some
  const blocked = ` data-blocked-remote="${Number.isSafeInteger(opts.blockedRemote) && opts.blockedRemote! > 0 ? opts.blockedRemote : 0}"`;
  // The policy goes first so it governs everything after it; no-referrer
  // keeps our URL (which names the message) out of remote image requests.
  return `<!doctype html>
<html${lang}${blocked}>
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(metaCsp(opts.remoteImages))}">
<meta name="referrer" content="no-referrer">
<base target="_blank">
<style>${BASE_STYLE}</style>
</head>
<body>${bodyHtml}</body>
</html>
`;
}
