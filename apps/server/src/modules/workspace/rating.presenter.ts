import { escapeHtml } from '@postdesk/mailkit/template';

/** The rating page a customer lands on: a title and a line of text, escaped. */
export function ratingPage(status: number, title: string, text: string): { status: number; html: string } {
  return {
    status,
    html:
      `<!doctype html><html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${escapeHtml(title)}</title>` +
      `<style>body{font:16px/1.5 system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem;color:#222}h1{font-size:1.4rem}</style></head>` +
      `<body><h1>${escapeHtml(title)}</h1><p>${escapeHtml(text)}</p></body></html>`,
  };
}
