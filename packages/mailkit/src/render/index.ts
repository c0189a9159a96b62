// Turns customer mail into a document an agent can read safely: sanitized
// HTML or linked plain text, served into a sandboxed iframe under a strict CSP.
export { DEFAULT_QUOTE_LABEL, sanitizeMailHtml } from './sanitize-mail-html.ts';
export type { SanitizedMail, SanitizeMailOptions } from './sanitize-mail-html.ts';
export { limitNesting, MAX_HTML_NESTING, type LimitedHtml } from './limit-nesting.ts';
export { createRenderPool, HtmlNestingError, RenderTimeoutError, type RenderPool, type RenderPoolOptions } from './render-pool.ts';
export { renderPlainText } from './render-plain-text.ts';
export { mailBodyCsp, mailDocument } from './mail-document.ts';
