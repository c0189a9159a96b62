import sanitizeHtml from 'sanitize-html';
import { limitNesting, MAX_HTML_NESTING } from '../render/limit-nesting.ts';

// What a template body may contain: formatting, links, images, tables and a
// small set of inline styles — what a mail client renders and the rich text
// editor produces. Scripts, event handlers, forms and frames never pass.
const options: sanitizeHtml.IOptions = {
  allowedTags: [
    'p', 'br', 'hr', 'div', 'span', 'b', 'strong', 'i', 'em', 'u', 's', 'strike', 'sub', 'sup', 'small', 'mark', 'code', 'pre',
    'blockquote', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'ul', 'ol', 'li', 'a', 'img', 'font',
    'table', 'thead', 'tbody', 'tfoot', 'tr', 'td', 'th', 'caption', 'colgroup', 'col', 'center',
  ],
  allowedAttributes: {
    '*': ['style', 'align', 'dir', 'title'],
    a: ['href', 'name', 'target', 'rel'],
    img: ['src', 'alt', 'width', 'height'],
    font: ['color', 'face', 'size'],
    table: ['width', 'border', 'cellpadding', 'cellspacing', 'bgcolor'],
    td: ['width', 'colspan', 'rowspan', 'valign', 'bgcolor'],
    th: ['width', 'colspan', 'rowspan', 'valign', 'bgcolor'],
    col: ['width', 'span'],
  },
  allowedSchemes: ['http', 'https', 'mailto', 'tel', 'cid'],
  allowedSchemesByTag: { img: ['http', 'https', 'cid', 'data'] },
  allowProtocolRelative: false,
  allowedStyles: {
    '*': {
      color: [/^#[0-9a-f]{3,8}$/i, /^rgba?\([\d\s.,%]+\)$/i, /^[a-z]+$/i],
      'background-color': [/^#[0-9a-f]{3,8}$/i, /^rgba?\([\d\s.,%]+\)$/i, /^[a-z]+$/i],
      'text-align': [/^(left|right|center|justify)$/],
      'font-size': [/^\d+(\.\d+)?(px|pt|em|rem|%)$/],
      'font-weight': [/^(normal|bold|\d{3})$/],
      'font-style': [/^(normal|italic)$/],
      'font-family': [/^[\w\s,'"-]+$/],
      'text-decoration': [/^[a-z\s-]+$/],
      'line-height': [/^\d+(\.\d+)?(px|em|%)?$/],
      margin: [/^[\d\s.pxem%auto-]+$/],
      padding: [/^[\d\s.pxem%-]+$/],
      width: [/^\d+(\.\d+)?(px|%)$/],
      border: [/^[\w\s#.-]+$/],
    },
  },
  transformTags: {
    a: sanitizeHtml.simpleTransform('a', { rel: 'noopener noreferrer' }),
  },
};

/**
 * Cleans a template body written in the rich text editor before it is stored
 * or sent. `${field}` text survives. Markup nested deeper than
 * MAX_HTML_NESTING is flattened first, which keeps the cost linear (see
 * limit-nesting.ts); HTML a person just submitted goes through
 * sanitizeUserHtml instead, which refuses it.
 */
export function sanitizeTemplateHtml(html: string): string {
  return sanitizeHtml(limitNesting(html).html, options);
}

/** HTML a person submitted, cleaned; or refused because it nests deeper than `limit` (no editor makes that). */
export type UserHtml = { ok: true; html: string } | { ok: false; limit: number };

/**
 * sanitizeTemplateHtml for what an agent or admin just submitted (an answer,
 * a template, a preview): nesting past the limit is refused rather than
 * silently flattened, so the person learns their text was not kept as written.
 */
export function sanitizeUserHtml(html: string): UserHtml {
  const limited = limitNesting(html);
  if (limited.flattened > 0) return { ok: false, limit: MAX_HTML_NESTING };
  return { ok: true, html: sanitizeHtml(limited.html, options) };
}
