import { htmlToText } from 'html-to-text';

// html-to-text upper-cases headings and table headers, which would turn ${name} into ${NAME}
const KEEP_CASE = [
  ...['h1', 'h2', 'h3', 'h4', 'h5', 'h6'].map((selector) => ({ selector, options: { uppercase: false } })),
  { selector: 'table', format: 'table', options: { uppercaseHeaderCells: false } },
];

/**
 * The plain-text alternative of an HTML template, `${fields}` kept as they
 * are, made once per dialer (or per row message) by the caller: kept out of
 * the composer so that sending threads never load an HTML parser.
 */
export function textAlternative(html: string): string {
  try {
    return htmlToText(html, { wordwrap: 76, limits: { maxDepth: 64 }, selectors: KEEP_CASE });
  } catch {
    return '';
  }
}
