// The text/plain alternative of mail an agent wrote. The input is our own
// sanitised editor HTML (paragraphs, breaks, lists, links, quotes), so a few
// rules cover it, and a different output from html-to-text's (which reads
// customer mail in parse/) would change every message we send. Its cost
// grows with the size of the body (hundreds of ms for a MiB on a busy
// machine), so the server runs it on a render thread (RenderPool.textOf).
const entities: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'", apos: "'", nbsp: ' ' };

/** The plain-text part for sanitised HTML we send: paragraphs as blank lines, list items as dashes, links as `label <url>`. */
export function textAlternative(html: string): string {
  const text = html
    .replace(/<(script|style)[^>]*>[\s\S]*?<\/\1>/gi, '')
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<li[^>]*>/gi, '\n- ')
    .replace(/<\/(p|div|h[1-6]|tr|table|ul|ol|blockquote|pre)>/gi, '\n\n')
    .replace(/<a\s[^>]*href="(https?:[^"]*|mailto:[^"]*)"[^>]*>([\s\S]*?)<\/a>/gi, (_m, href: string, label: string) => {
      const inner = label.replace(/<[^>]+>/g, '');
      return inner.trim() === href.replace(/^mailto:/, '') ? inner : `${inner} <${href}>`;
    })
    .replace(/<[^>]+>/g, '')
    .replace(/&(#\d+|#x[0-9a-f]+|[a-z]+\d*);/gi, (m, e: string) => {
      const k = e.toLowerCase();
      if (k.startsWith('#x')) return String.fromCodePoint(parseInt(k.slice(2), 16));
      if (k.startsWith('#') && k !== '#39') return String.fromCodePoint(Number(k.slice(1)));
      return entities[k] ?? m;
    });
  return text
    .split('\n')
    .map((l) => l.replace(/[ \t]+$/g, ''))
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}
