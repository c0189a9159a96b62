import { QuoteType, Tokenizer, type TokenizerCallbacks } from 'htmlparser2';

// htmlparser2's tree builder keeps its open elements with Array#unshift and
// looks names up with indexOf, so every tag costs time in proportion to the
// depth: 100,000 nested <div> cost tens of seconds in sanitize-html, in
// html-to-text and in our own quote pass, all of which use it. This pass runs
// first, on htmlparser2's own tokenizer (linear), and mirrors the tree
// builder's rules (void elements, tags that close an open one, the closing
// tags it repairs) with a stack it never lets grow past a limit: a tag that
// would open deeper is dropped and its content kept, as Chromium's parser
// does past 512 levels. Its output is canonical markup (every element closed
// explicitly, text and attribute values escaped) that no later parser can
// read as deeper than the limit. Written by hand because no maintained
// library bounds htmlparser2's depth; it is not a sanitiser and makes nothing
// safe: its output still goes through one.

/** How deep elements may nest: Chromium's own limit, so deeper structure is flattened as a browser would show it. */
export const MAX_HTML_NESTING = 512;

/** Markup with its nesting bounded, and how many elements had to be dropped for it. */
export interface LimitedHtml {
  html: string;
  /** Elements dropped (their content kept) because they would have opened deeper than the limit. */
  flattened: number;
}

// The tree builder's rules, as in htmlparser2's Parser (kept in step with it by limit-nesting.test.ts).
const P = new Set(['p']);
const HEADINGS = new Set(['h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'p']);
const FORM = new Set(['input', 'option', 'optgroup', 'select', 'button', 'datalist', 'textarea']);
const TABLE_SECTIONS = new Set(['thead', 'tbody']);
const DD_DT = new Set(['dd', 'dt']);
const RT_RP = new Set(['rt', 'rp']);
const OPEN_IMPLIES_CLOSE = new Map<string, ReadonlySet<string>>([
  ['tr', new Set(['tr', 'th', 'td'])],
  ['th', new Set(['th'])],
  ['td', new Set(['thead', 'th', 'td'])],
  ['body', new Set(['head', 'link', 'script'])],
  ['a', new Set(['a'])],
  ['li', new Set(['li'])],
  ['p', P],
  ...['h1', 'h2', 'h3', 'h4', 'h5', 'h6'].map((h): [string, ReadonlySet<string>] => [h, HEADINGS]),
  ...['select', 'input', 'output', 'button', 'datalist', 'textarea'].map((t): [string, ReadonlySet<string>] => [t, FORM]),
  ['option', new Set(['option'])],
  ['optgroup', new Set(['optgroup', 'option'])],
  ['dd', DD_DT],
  ['dt', DD_DT],
  ...['address', 'article', 'aside', 'blockquote', 'details', 'div', 'dl', 'fieldset', 'figcaption', 'figure', 'footer', 'form', 'header', 'hr', 'main', 'nav', 'ol', 'pre', 'section', 'table', 'ul'].map(
    (t): [string, ReadonlySet<string>] => [t, P],
  ),
  ['rt', RT_RP],
  ['rp', RT_RP],
  ['tbody', TABLE_SECTIONS],
  ['tfoot', TABLE_SECTIONS],
]);
const VOID = new Set(['area', 'base', 'basefont', 'br', 'col', 'command', 'embed', 'frame', 'hr', 'img', 'input', 'isindex', 'keygen', 'link', 'meta', 'param', 'source', 'track', 'wbr']);
const FOREIGN = new Set(['svg', 'math']);
// What the tokenizer reads as raw text outside SVG and MathML: a dropped one's text is dropped with it.
const RAW_TEXT = new Set(['script', 'style', 'xmp', 'iframe', 'noembed', 'noframes', 'textarea', 'title', 'plaintext']);
const INTEGRATION_POINTS = new Set(['mi', 'mo', 'mn', 'ms', 'mtext', 'annotation-xml', 'foreignobject', 'desc', 'title']);

// Names that cannot break the canonical markup written here; others are dropped.
const TAG_NAME = /^[a-z][a-z0-9:._-]*$/;
const ATTRIBUTE_NAME = /^[a-z_:][\w:.-]*$/;

const escapeText = (s: string) => (/[&<>]/.test(s) ? s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;') : s);
const escapeAttribute = (s: string) => (/[&<>"]/.test(s) ? escapeText(s).replace(/"/g, '&quot;') : s);

/**
 * Rewrites markup so that no element nests deeper than maxDepth, in time
 * linear in its length: the guard that lets every HTML parser after it
 * (sanitisers, html-to-text) run in linear time too. Comments, CDATA and
 * declarations are left out; nothing else of what a browser would show
 * changes above the limit.
 */
export function limitNesting(html: string, maxDepth = MAX_HTML_NESTING): LimitedHtml {
  const out: string[] = [];
  const stack: string[] = [];
  // whether each open element puts its content in SVG/MathML (where `<x/>` closes itself)
  const foreign: boolean[] = [];
  const open = new Map<string, number>();
  // tags dropped at the limit, by name, so that their closing tags are dropped too
  const dropped = new Map<string, number>();
  let flattened = 0;
  let skipText = false;

  let tag: { name: string; keep: boolean; pushed: boolean; attributes: string[]; seen: Set<string> } | null = null;
  let attributeName = '';
  let attributeValue = '';

  const inForeign = () => foreign.at(-1) === true;
  const pop = () => {
    if (stack.length === maxDepth) dropped.clear(); // the dropped tags were all inside the element now closed
    const name = stack.pop()!;
    foreign.pop();
    const n = open.get(name)! - 1;
    if (n === 0) open.delete(name);
    else open.set(name, n);
    out.push(`</${name}>`);
  };
  const push = (name: string) => {
    stack.push(name);
    foreign.push(FOREIGN.has(name) ? true : INTEGRATION_POINTS.has(name) ? false : inForeign());
    open.set(name, (open.get(name) ?? 0) + 1);
  };
  const tagName = (start: number, end: number) => {
    const name = html.slice(start, end).toLowerCase();
    return name === 'image' && !inForeign() ? 'img' : name;
  };
  const endOpenTag = () => {
    if (tag?.keep) out.push(`<${tag.name}${tag.attributes.join('')}>`);
  };

  const callbacks: TokenizerCallbacks = {
    ontext(start, end) {
      if (!skipText) out.push(escapeText(html.slice(start, end)));
    },
    ontextentity(codepoint) {
      if (!skipText) out.push(escapeText(String.fromCodePoint(codepoint)));
    },
    onopentagname(start, end) {
      const name = tagName(start, end);
      skipText = false;
      tag = { name, keep: false, pushed: false, attributes: [], seen: new Set() };
      // a second <form> inside one is ignored, as browsers do
      if (!TAG_NAME.test(name) || (name === 'form' && open.has('form'))) return;
      const closes = OPEN_IMPLIES_CLOSE.get(name);
      if (closes) while (stack.length > 0 && closes.has(stack.at(-1)!)) pop();
      if (VOID.has(name)) {
        tag.keep = true;
      } else if (stack.length >= maxDepth) {
        dropped.set(name, (dropped.get(name) ?? 0) + 1);
        flattened++;
        skipText = RAW_TEXT.has(name) && !inForeign();
      } else {
        push(name);
        tag.keep = true;
        tag.pushed = true;
      }
    },
    onattribname(start, end) {
      attributeName = html.slice(start, end).toLowerCase();
    },
    onattribdata(start, end) {
      attributeValue += html.slice(start, end);
    },
    onattribentity(codepoint) {
      attributeValue += String.fromCodePoint(codepoint);
    },
    onattribend(_quote: QuoteType) {
      // the first of two same-named attributes wins, as in browsers
      if (tag?.keep && ATTRIBUTE_NAME.test(attributeName) && !tag.seen.has(attributeName)) {
        tag.seen.add(attributeName);
        tag.attributes.push(` ${attributeName}="${escapeAttribute(attributeValue)}"`);
      }
      attributeValue = '';
    },
    onopentagend() {
      endOpenTag();
      tag = null;
    },
    onselfclosingtag() {
      endOpenTag();
      // `<x/>` closes itself only in SVG and MathML; in HTML it is an open tag
      if (tag?.pushed && inForeign()) pop();
      tag = null;
    },
    onclosetag(start, end) {
      const name = tagName(start, end);
      skipText = false;
      if (VOID.has(name)) {
        if (name === 'br') out.push('<br>'); // browsers read </br> as <br>
      } else if (dropped.has(name)) {
        const n = dropped.get(name)! - 1;
        if (n === 0) dropped.delete(name);
        else dropped.set(name, n);
      } else if (open.has(name)) {
        while (stack.at(-1) !== name) pop();
        pop();
      } else if (name === 'p') {
        // browsers read a stray </p> as an empty paragraph
        if (stack.length < maxDepth) out.push('<p></p>');
        else flattened++;
      }
    },
    oncomment() {},
    oncdata() {},
    ondeclaration() {},
    onprocessinginstruction() {},
    onend() {
      while (stack.length > 0) pop();
    },
    isInForeignContext: inForeign,
  };
  const tokenizer = new Tokenizer({ decodeEntities: true }, callbacks);
  tokenizer.write(html);
  tokenizer.end();
  return { html: out.join(''), flattened };
}
