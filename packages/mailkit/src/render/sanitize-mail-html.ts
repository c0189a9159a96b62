import { Element, Text, isTag, type ChildNode, type ParentNode } from 'domhandler';
import { DomUtils, ElementType, parseDocument } from 'htmlparser2';
import sanitizeHtml from 'sanitize-html';
import { limitNesting } from './limit-nesting.ts';

// Customer mail is hostile input shown to an agent. This module is the first
// layer; the sandboxed iframe and its CSP (mail-document.ts) are the second,
// so nothing here may rely on the other layer to be safe.

export interface SanitizeMailOptions {
  /** Content-ID (any case, with or without <>) -> data: URL of the inline part. */
  inlineImages?: ReadonlyMap<string, string>;
  /** Whether http(s) images may load; off, they are stripped and counted. */
  remoteImages?: boolean;
  /** Text of the summary that expands collapsed quoted history. */
  quoteLabel?: string;
}

export interface SanitizedMail {
  html: string;
  /** Remote loads removed because remoteImages was off; 0 when it is on. */
  blockedRemote: number;
}

// Language-neutral so an untranslated default never shows in another locale.
export const DEFAULT_QUOTE_LABEL = '…';

// Dropped together with everything inside. Raw-text and foreign-content
// elements are where our parser and the browser's disagree (mXSS); the rest
// carry nothing an agent needs to read.
const DROP_WITH_CONTENT = [
  'script', 'style', 'noscript', 'template', 'title', 'textarea', 'select', 'option', 'xmp', 'plaintext',
  'iframe', 'frame', 'frameset', 'noframes', 'noembed', 'object', 'embed', 'applet', 'svg', 'math',
];
const dropWithContent = new Set(DROP_WITH_CONTENT);

const ALLOWED_TAGS = [
  'p', 'br', 'hr', 'div', 'span', 'b', 'strong', 'i', 'em', 'u', 's', 'strike', 'del', 'ins', 'sub', 'sup', 'small', 'big',
  'mark', 'code', 'pre', 'kbd', 'samp', 'tt', 'var', 'abbr', 'acronym', 'cite', 'q', 'dfn', 'address', 'blockquote', 'center',
  'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'ul', 'ol', 'li', 'dl', 'dt', 'dd', 'a', 'img', 'font', 'wbr', 'bdi', 'bdo',
  'article', 'section', 'header', 'footer', 'main', 'aside', 'nav', 'figure', 'figcaption',
  'table', 'thead', 'tbody', 'tfoot', 'tr', 'td', 'th', 'caption', 'colgroup', 'col', 'details', 'summary',
];

const CELL = ['width', 'height', 'colspan', 'rowspan', 'valign', 'bgcolor', 'nowrap', 'scope'];
const ALLOWED_ATTRIBUTES: Record<string, string[]> = {
  '*': ['style', 'align', 'dir', 'lang', 'title'],
  a: ['href', 'target', 'rel'],
  img: ['src', 'alt', 'width', 'height', 'border', 'hspace', 'vspace'],
  font: ['color', 'face', 'size'],
  table: ['width', 'height', 'border', 'cellpadding', 'cellspacing', 'bgcolor', 'summary'],
  td: CELL,
  th: CELL,
  tr: ['valign', 'bgcolor', 'height'],
  thead: ['valign'],
  tbody: ['valign'],
  tfoot: ['valign'],
  col: ['width', 'span', 'valign'],
  colgroup: ['width', 'span', 'valign'],
  ol: ['start', 'type', 'reversed'],
  ul: ['type'],
  li: ['value', 'type'],
  hr: ['width', 'size', 'noshade', 'color'],
};

// Value patterns are anchored and admit no quotes or parentheses except in
// colour functions, so url(), image-set() and friends cannot sneak through
// even if the blacklist below missed a spelling.
// Each pattern reads a value one way only: an ambiguous one (`\d+\.?\d*`,
// a word that is also a colour) backtracks in time polynomial or exponential
// in the length of a hostile value.
const LEN = String.raw`-?(?:\d+(?:\.\d*)?|\.\d+)(?:px|pt|pc|em|rem|ex|ch|%|cm|mm|in|vw|vh)?`;
const COLOR = String.raw`(?:#[0-9a-f]{3,8}|(?:rgb|hsl)a?\([\d\s.,%/]+\)|[a-z]+)`;
const lengths = (n: number, extra = '') => new RegExp(`^(?:${LEN}${extra})(?:\\s+(?:${LEN}${extra})){0,${n - 1}}$`, 'i');
const oneOf = (words: string) => new RegExp(`^(?:${words})$`, 'i');
const color = [new RegExp(`^${COLOR}$`, 'i')];
const size = [lengths(1, '|auto')];
// a word (a width, a style, a named or #hex colour) or a colour function
const BORDER_PART = String.raw`(?:[\w#.%-]+|(?:rgb|hsl)a?\([\d\s.,%/]+\))`;
const border = [new RegExp(`^${BORDER_PART}(?:\\s+${BORDER_PART})*$`, 'i')];

const SIDES = ['', '-top', '-right', '-bottom', '-left'];
const ALLOWED_STYLES: Record<string, RegExp[]> = {
  color,
  'background-color': color,
  // the shorthand only as a plain colour; images never
  background: color,
  'font-family': [/^[\w\s,'"-]+$/],
  'font-size': [lengths(1), oneOf('xx-small|x-small|small|medium|large|x-large|xx-large|smaller|larger')],
  'font-weight': [oneOf('normal|bold|bolder|lighter|\\d{3}')],
  'font-style': [oneOf('normal|italic|oblique')],
  'font-variant': [oneOf('normal|small-caps')],
  font: [/^[\w\s,'"./%-]+$/],
  'text-align': [oneOf('left|right|center|justify|start|end')],
  'text-decoration': [/^[a-z\s-]+$/i],
  'text-transform': [oneOf('none|uppercase|lowercase|capitalize')],
  'text-indent': [lengths(1)],
  'letter-spacing': [lengths(1), oneOf('normal')],
  'word-spacing': [lengths(1), oneOf('normal')],
  'line-height': [lengths(1), oneOf('normal')],
  width: size,
  height: size,
  'max-width': [lengths(1, '|none')],
  'min-width': size,
  'max-height': [lengths(1, '|none')],
  'min-height': size,
  display: [oneOf('block|inline|inline-block|none|table|inline-table|table-[a-z-]+')],
  'vertical-align': [oneOf('baseline|top|middle|bottom|text-top|text-bottom|sub|super'), lengths(1)],
  'white-space': [oneOf('normal|nowrap|pre|pre-wrap|pre-line|break-spaces')],
  'word-break': [oneOf('normal|break-all|keep-all|break-word')],
  'overflow-wrap': [oneOf('normal|break-word|anywhere')],
  'border-collapse': [oneOf('collapse|separate')],
  'border-spacing': [lengths(2)],
  'border-radius': [lengths(4)],
  'table-layout': [oneOf('auto|fixed')],
  'list-style-type': [/^[a-z-]+$/i],
  direction: [oneOf('ltr|rtl')],
};
for (const side of SIDES) {
  ALLOWED_STYLES[`margin${side}`] = [lengths(side ? 1 : 4, '|auto')];
  ALLOWED_STYLES[`padding${side}`] = [lengths(side ? 1 : 4)];
  ALLOWED_STYLES[`border${side}`] = border;
  ALLOWED_STYLES[`border${side}-color`] = side ? color : [new RegExp(`^${COLOR}(?:\\s+${COLOR}){0,3}$`, 'i')];
  ALLOWED_STYLES[`border${side}-style`] = [/^[a-z]+(?:\s+[a-z]+){0,3}$/i];
  ALLOWED_STYLES[`border${side}-width`] = [lengths(side ? 1 : 4, '|thin|medium|thick')];
}

// A style attribute containing any of these is dropped whole rather than
// trusting the CSS parser to split it the way a browser would.
const HOSTILE_CSS = /url\s*\(|expression\s*\(|@import|behavior|-moz-binding|\\|\/\*/i;
const REMOTE_CSS_URL = /url\s*\(\s*['"]?\s*(?:https?:|[\\/]{2})/gi;

const LINK_SCHEME = /^(?:https?|mailto|tel):/i;
const DATA_IMAGE = /^data:image\/(?:png|jpe?g|gif|webp)[;,]/i;
const REMOTE = /^(?:https?:|[\\/]{2})/i;

// Browsers drop tabs and newlines anywhere in a URL and trim C0 controls and
// spaces at both ends, so "jav&#x09;ascript:" is judged as the browser reads it.
// (Trimmed by index: a regex anchored at the end retries from every control
// character, which is quadratic in a long run of them.)
function cleanUrl(raw: string): string {
  const url = raw.replace(/[\t\n\r]/g, '');
  let start = 0;
  let end = url.length;
  while (start < end && url.charCodeAt(start) <= 0x20) start++;
  while (end > start && url.charCodeAt(end - 1) <= 0x20) end--;
  return url.slice(start, end);
}

function contentIdKey(id: string): string {
  return id.trim().replace(/^<|>$/g, '').trim().toLowerCase();
}

/**
 * Makes a customer's HTML mail safe to render for an agent: an allow-list of
 * formatting, links forced to open outside the frame, cid: images inlined,
 * remote images held back unless allowed, and quoted history collapsed into
 * <details>. The result is meant for mailDocument() inside a sandboxed iframe.
 */
export function sanitizeMailHtml(html: string, opts: SanitizeMailOptions = {}): SanitizedMail {
  const remoteImages = opts.remoteImages === true;
  const inline = new Map<string, string>();
  for (const [id, url] of opts.inlineImages ?? []) inline.set(contentIdKey(id), url);

  let blockedRemote = 0;
  const block = (n = 1) => {
    if (!remoteImages) blockedRemote += n;
  };

  const inlineImage = (cidUrl: string): string | undefined => {
    let id = cidUrl.slice(4);
    try {
      id = decodeURIComponent(id);
    } catch {
      // not %-encoded after all; look it up as written
    }
    const url = cleanUrl(inline.get(contentIdKey(id)) ?? '');
    // the CSP admits only data: images, so any other value could not load anyway
    return DATA_IMAGE.test(url) ? url : undefined;
  };

  const structured = restructure(limitNesting(html).html, opts.quoteLabel ?? DEFAULT_QUOTE_LABEL);
  const clean = sanitizeHtml(structured, {
    allowedTags: ALLOWED_TAGS,
    allowedAttributes: ALLOWED_ATTRIBUTES,
    allowedClasses: { details: ['pd-quote'] },
    allowedSchemes: ['http', 'https', 'mailto', 'tel'],
    allowedSchemesByTag: { img: remoteImages ? ['data', 'http', 'https'] : ['data'] },
    allowProtocolRelative: false,
    allowedStyles: { '*': ALLOWED_STYLES },
    nonTextTags: DROP_WITH_CONTENT,
    disallowedTagsMode: 'discard',
    transformTags: {
      a: (tagName, attribs) => {
        const out: sanitizeHtml.Attributes = { ...attribs, target: '_blank', rel: 'noopener noreferrer nofollow' };
        const href = attribs.href === undefined ? '' : cleanUrl(attribs.href);
        if (LINK_SCHEME.test(href)) out.href = href;
        else delete out.href;
        return { tagName, attribs: out };
      },
      img: (tagName, attribs) => {
        const src = cleanUrl(attribs.src ?? '');
        if (/^cid:/i.test(src)) {
          const url = inlineImage(src);
          // a part the message does not have: nothing to show, not even alt text
          return url ? { tagName, attribs: { ...attribs, src: url } } : { tagName: 'pd-drop', attribs: {} };
        }
        const out = { ...attribs };
        delete out.src;
        if (DATA_IMAGE.test(src)) out.src = src;
        else if (REMOTE.test(src)) {
          block();
          // protocol-relative would resolve against our server's scheme; say https
          if (remoteImages) out.src = src.replace(/^[\\/]{2}/, 'https://');
        }
        // any other src is dropped; the img stays so its alt text shows
        return { tagName, attribs: out };
      },
      '*': (tagName, attribs) => {
        const out = { ...attribs };
        if (out.background !== undefined) {
          if (REMOTE.test(cleanUrl(out.background))) block();
          delete out.background;
        }
        if (out.style !== undefined && HOSTILE_CSS.test(out.style)) {
          block(out.style.match(REMOTE_CSS_URL)?.length ?? 0);
          delete out.style;
        }
        return { tagName, attribs: out };
      },
    },
  });
  return { html: clean, blockedRemote };
}

/**
 * The structural pass the streaming sanitizer cannot do: wraps the outermost
 * quoted history in <details>, then strips class/id (used only to find it).
 * Comments, declarations and DROP_WITH_CONTENT go here too, so quote
 * detection never looks inside them. The input comes from limitNesting, so
 * the tree is at most MAX_HTML_NESTING deep (plus one <details>) and the
 * recursive serializer is safe. Each parent's children are rebuilt in one
 * pass: removing or wrapping nodes in place costs a splice each, which is
 * quadratic in a parent with 100,000 children. The output is still
 * untrusted and goes through sanitize-html after.
 */
function restructure(html: string, label: string): string {
  const doc = parseDocument(html);
  const stack: Array<{ parent: ParentNode; quoted: boolean }> = [{ parent: doc, quoted: false }];
  while (stack.length > 0) {
    const { parent, quoted } = stack.pop()!;
    const kept = parent.children.filter((n) => (isTag(n) ? !dropWithContent.has(n.name) : n.type === ElementType.Text));
    const children: ChildNode[] = [];
    for (let i = 0; i < kept.length; i++) {
      const node = kept[i]!;
      if (!isTag(node)) {
        children.push(node);
        continue;
      }
      const range = quoted ? undefined : quoteRange(kept, i);
      for (const name of Object.keys(node.attribs)) {
        if (name === 'class' || name === 'id' || !/^[a-z_:][\w:.-]*$/i.test(name)) delete node.attribs[name];
      }
      if (range) {
        // the range may start a few siblings back (Outlook's <hr>): those were already kept here
        children.length -= i - range[0];
        const details = wrap(kept.slice(range[0], range[1]), label);
        children.push(details);
        stack.push({ parent: details, quoted: true });
        i = range[1] - 1;
      } else {
        children.push(node);
        stack.push({ parent: node, quoted });
      }
    }
    setChildren(parent, children);
  }
  return DomUtils.getOuterHTML(doc.children, { encodeEntities: 'utf8' });
}

/** Makes `children` the parent's children, with every node's links to its parent and siblings set. */
function setChildren(parent: ParentNode, children: ChildNode[]): void {
  parent.children = children;
  for (let i = 0; i < children.length; i++) {
    const node = children[i]!;
    node.parent = parent;
    node.prev = children[i - 1] ?? null;
    node.next = children[i + 1] ?? null;
  }
}

function wrap(nodes: ChildNode[], label: string): Element {
  const details = new Element('details', { class: 'pd-quote' });
  const summary = new Element('summary', {});
  setChildren(summary, [new Text(label)]);
  setChildren(details, [summary, ...nodes]);
  return details;
}

const hasClass = (el: Element, name: string) => (el.attribs.class ?? '').split(/\s+/).includes(name);
const isCite = (el: Element) => el.name === 'blockquote' && el.attribs.type?.trim().toLowerCase() === 'cite';
const isBlank = (n: ChildNode) => n.type === ElementType.Text && !/\S/.test((n as Text).data);

/** The sibling range [start, end) of quoted history starting at siblings[i], if it is one. */
function quoteRange(siblings: ChildNode[], i: number): [number, number] | undefined {
  const el = siblings[i] as Element;
  // Outlook: a header block, then the old message as following siblings,
  // usually after an <hr> separator.
  if (el.attribs.id?.toLowerCase() === 'divrplyfwdmsg') {
    let start = i;
    let j = i - 1;
    while (j >= 0 && isBlank(siblings[j]!)) j--;
    const prev = siblings[j];
    if (prev && isTag(prev) && prev.name === 'hr') start = j;
    return [start, siblings.length];
  }
  // Thunderbird: "On … wrote:" div, then the cited blockquote beside it.
  if (el.name === 'div' && hasClass(el, 'moz-cite-prefix')) {
    let j = i + 1;
    while (j < siblings.length && isBlank(siblings[j]!)) j++;
    const next = siblings[j];
    return [i, next && isTag(next) && isCite(next) ? j + 1 : i + 1];
  }
  if (isCite(el) || hasClass(el, 'gmail_quote') || hasClass(el, 'yahoo_quoted')) return [i, i + 1];
  return undefined;
}
