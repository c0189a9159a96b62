import { escapeHtml } from '../template/render.ts';
import { DEFAULT_QUOTE_LABEL } from './sanitize-mail-html.ts';

// Links are built only from text that starts with http(s)://, www. or is an
// address, and the href is always given one of our own prefixes, so no input
// can produce a javascript: or data: link.
const LINK = new RegExp(
  [
    String.raw`(?<![\w@.:/+-])https?:\/\/[^\s<>"]+`,
    String.raw`(?<![\w@.:/+-])www\.[^\s<>"]+`,
    String.raw`(?<![\w.%+-])[\w.%+-]+@[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+`,
  ].join('|'),
  'gi',
);
const LINK_ATTRS = 'target="_blank" rel="noopener noreferrer nofollow"';

// Punctuation that ends a sentence, not a URL; a closing bracket stays when it
// closes one opened inside the URL (Wikipedia's "Foo_(bar)"). The brackets are
// counted once and the counts kept as the end moves: counting again for each
// character trimmed was quadratic in a URL ending in thousands of ')'.
const CLOSES: Record<string, string> = { ')': '(', ']': '[', '}': '{' };
function trimUrl(url: string): string {
  const counts: Record<string, number> = { '(': 0, ')': 0, '[': 0, ']': 0, '{': 0, '}': 0 };
  for (let i = 0; i < url.length; i++) {
    const c = url[i]!;
    if (c in counts) counts[c]!++;
  }
  let end = url.length;
  for (;;) {
    const c = url[end - 1]!;
    const open = CLOSES[c];
    if (/[.,;:!?'*_~]/.test(c)) end--;
    else if (open && counts[c]! > counts[open]!) {
      counts[c]!--;
      end--;
    } else return url.slice(0, end);
  }
}

function linkify(text: string): string {
  let out = '';
  let last = 0;
  for (const m of text.matchAll(LINK)) {
    const isUrl = /^(?:https?:\/\/|www\.)/i.test(m[0]);
    const link = isUrl ? trimUrl(m[0]) : m[0];
    // "http://" or "www." alone is not worth a link
    if (isUrl && !/^(?:https?:\/\/|www\.)[^/?#]*[a-z0-9]/i.test(link)) continue;
    const href = !isUrl ? `mailto:${link}` : /^https?:/i.test(link) ? link : `https://${link}`;
    out += `${escapeHtml(text.slice(last, m.index))}<a href="${escapeHtml(href)}" ${LINK_ATTRS}>${escapeHtml(link)}</a>`;
    last = m.index + link.length;
  }
  return out + escapeHtml(text.slice(last));
}

const QUOTED = /^>/;
const BLANK = /^\s*$/;
const WROTE = /wrote:\s*$/i;
const ON = /^On\s/;

interface Block {
  quoted: boolean;
  lines: string[];
}

/**
 * Splits lines into plain and quoted blocks. A quoted block is a run of "> "
 * lines (blank lines between them included) plus the "On … wrote:" line
 * before it, which Gmail may have wrapped onto two lines.
 */
function splitQuotes(lines: string[]): Block[] {
  const blocks: Block[] = [];
  let plain: string[] = [];
  let i = 0;
  while (i < lines.length) {
    if (!QUOTED.test(lines[i]!)) {
      plain.push(lines[i]!);
      i++;
      continue;
    }
    let end = i;
    for (let j = i; j < lines.length; j++) {
      if (QUOTED.test(lines[j]!)) end = j + 1;
      else if (!BLANK.test(lines[j]!)) break;
    }
    let start = plain.length;
    let k = start - 1;
    while (k >= 0 && BLANK.test(plain[k]!)) k--;
    if (k >= 0 && WROTE.test(plain[k]!)) {
      if (ON.test(plain[k]!)) start = k;
      else if (k > 0 && ON.test(plain[k - 1]!)) start = k - 1;
    }
    const lead = plain.slice(start);
    plain = plain.slice(0, start);
    if (plain.length > 0) blocks.push({ quoted: false, lines: plain });
    blocks.push({ quoted: true, lines: [...lead, ...lines.slice(i, end)] });
    plain = [];
    i = end;
  }
  if (plain.length > 0) blocks.push({ quoted: false, lines: plain });
  return blocks;
}

/**
 * Renders a text/plain body as HTML for mailDocument(): everything escaped,
 * URLs and addresses linked, line breaks kept (the document styles .pd-text
 * as pre-wrap) and quoted history collapsed into <details>.
 */
export function renderPlainText(text: string, opts: { quoteLabel?: string } = {}): string {
  const summary = `<summary>${escapeHtml(opts.quoteLabel ?? DEFAULT_QUOTE_LABEL)}</summary>`;
  // NUL is never text; parsers replace it anyway
  const lines = text.replace(/\u0000/g, '').replace(/\r\n?/g, '\n').split('\n');
  // Blocks are joined without a newline: <details> is a block box, so one
  // would render as an extra blank line.
  const body = splitQuotes(lines)
    .map((b) => {
      const inner = b.lines.map(linkify).join('\n');
      return b.quoted ? `<details class="pd-quote">${summary}${inner}</details>` : inner;
    })
    .join('');
  return `<div class="pd-text">${body}</div>`;
}
