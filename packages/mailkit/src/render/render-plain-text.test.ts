import { DomUtils, parseDocument } from 'htmlparser2';
import { describe, expect, it } from 'vitest';
import { renderPlainText } from './render-plain-text.ts';

const ATTRS = 'target="_blank" rel="noopener noreferrer nofollow"';
const wrap = (html: string) => `<div class="pd-text">${html}</div>`;
const link = (href: string, text = href) => `<a href="${href}" ${ATTRS}>${text}</a>`;

/** The parsed output: only our div, links and quote markup, and links only to web or mail. */
function problems(html: string): string[] {
  const found: string[] = [];
  for (const el of DomUtils.getElementsByTagName(() => true, parseDocument(html).children, true)) {
    if (!['div', 'a', 'details', 'summary'].includes(el.name)) found.push(`element <${el.name}>`);
    for (const [name, value] of Object.entries(el.attribs)) {
      const ok =
        (name === 'href' && el.name === 'a' && /^(?:https?:\/\/|mailto:)/i.test(value)) ||
        (name === 'target' && value === '_blank') ||
        (name === 'rel' && value === 'noopener noreferrer nofollow') ||
        (name === 'class' && ['pd-text', 'pd-quote'].includes(value));
      if (!ok) found.push(`<${el.name} ${name}="${value}">`);
    }
  }
  return found;
}

describe('renderPlainText', () => {
  // [name, input, exact output]
  const cases: Array<[string, string, string]> = [
    ['escapes markup', '<script>alert("x")</script> & <b>', wrap('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;b&gt;')],
    ['keeps line breaks, normalises CRLF', 'a\r\nb\rc\n\nd', wrap('a\nb\nc\n\nd')],
    ['https link', 'see https://x.example/a/b?c=1', wrap(`see ${link('https://x.example/a/b?c=1')}`)],
    ['http link', 'http://x.example', wrap(link('http://x.example'))],
    ['ampersand escaped once', 'https://x.example/?a=1&b=2', wrap(link('https://x.example/?a=1&amp;b=2'))],
    ['bare www', 'go to www.x.example/p now', wrap(`go to ${link('https://www.x.example/p', 'www.x.example/p')} now`)],
    ['email', 'mail ann.lee+x@mail.x.example please', wrap(`mail ${link('mailto:ann.lee+x@mail.x.example', 'ann.lee+x@mail.x.example')} please`)],
    ['trailing full stop and comma', 'https://x.example/a. https://x.example/b,', wrap(`${link('https://x.example/a')}. ${link('https://x.example/b')},`)],
    ['enclosing parentheses', '(https://x.example/a)', wrap(`(${link('https://x.example/a')})`)],
    ['parentheses inside the URL', 'https://en.wikipedia.org/wiki/Foo_(bar)', wrap(link('https://en.wikipedia.org/wiki/Foo_(bar)'))],
    ['brackets closed inside the URL stay, the rest are trimmed', '[see https://x.example/a_(b)_[c]).]', wrap(`[see ${link('https://x.example/a_(b)_[c]')}).]`)],
    // counting the brackets again for each one trimmed took minutes for this
    ['a URL ending in 100,000 closing brackets', `https://x.example/${')'.repeat(100_000)}`, wrap(link('https://x.example/') + ')'.repeat(100_000))],
    ['angle brackets', '<https://x.example/a>', wrap(`&lt;${link('https://x.example/a')}&gt;`)],
    ['email ending a sentence', 'write to a@b.example.', wrap(`write to ${link('mailto:a@b.example', 'a@b.example')}.`)],
    ['address inside a URL is not linked twice', 'https://x.example/u/a@b.example', wrap(link('https://x.example/u/a@b.example'))],
    ['scheme alone is not a link', 'http:// and www.', wrap('http:// and www.')],
    ['javascript: text is not a link', 'javascript:alert(1)', wrap('javascript:alert(1)')],
    ['javascript: around a www', 'javascript://www.x.example/%0aalert(1)', wrap('javascript://www.x.example/%0aalert(1)')],
    ['quote cannot break out of href', 'https://x.example/"onmouseover="alert(1)', wrap(`${link('https://x.example/')}&quot;onmouseover=&quot;alert(1)`)],
    ['markup cannot enter a link', 'https://x.example/<img/src=x/onerror=alert(1)>', wrap(`${link('https://x.example/')}&lt;img/src=x/onerror=alert(1)&gt;`)],
    ['URL glued to a javascript: prefix', 'javascript:alert(1)//https://x.example', wrap('javascript:alert(1)//https://x.example')],
    [
      'quote with attribution',
      'Thanks!\n\nOn Mon, 1 Jan 2024, Ann <ann@x.example> wrote:\n> hi\n> there',
      wrap(`Thanks!\n<details class="pd-quote"><summary>…</summary>On Mon, 1 Jan 2024, Ann &lt;${link('mailto:ann@x.example', 'ann@x.example')}&gt; wrote:\n&gt; hi\n&gt; there</details>`),
    ],
    [
      'attribution wrapped onto two lines',
      'Ok\nOn Mon, 1 Jan 2024 at 10:00, Ann Lee <\nann@x.example> wrote:\n> hi',
      wrap(`Ok<details class="pd-quote"><summary>…</summary>On Mon, 1 Jan 2024 at 10:00, Ann Lee &lt;\n${link('mailto:ann@x.example', 'ann@x.example')}&gt; wrote:\n&gt; hi</details>`),
    ],
    ['blank lines inside a quote', '> a\n\n> b\nreply', wrap('<details class="pd-quote"><summary>…</summary>&gt; a\n\n&gt; b</details>reply')],
    ['interleaved replies', '> q1\nr1\n> q2\nr2', wrap('<details class="pd-quote"><summary>…</summary>&gt; q1</details>r1<details class="pd-quote"><summary>…</summary>&gt; q2</details>r2')],
    ['no attribution', 'x\n> q', wrap('x<details class="pd-quote"><summary>…</summary>&gt; q</details>')],
    ['nested > levels are one quote', '>> old\n> newer', wrap('<details class="pd-quote"><summary>…</summary>&gt;&gt; old\n&gt; newer</details>')],
    ['link in a quote', '> https://x.example', wrap(`<details class="pd-quote"><summary>…</summary>&gt; ${link('https://x.example')}</details>`)],
    ['NUL dropped', 'a\u0000b', wrap('ab')],
  ];
  it.each(cases)('%s', (_name, input, output) => {
    const html = renderPlainText(input);
    expect(html).toBe(output);
    expect(problems(html)).toEqual([]);
  });

  it('takes a custom, escaped label', () => {
    expect(renderPlainText('> q', { quoteLabel: 'Show <quoted> text' })).toBe(
      wrap('<details class="pd-quote"><summary>Show &lt;quoted&gt; text</summary>&gt; q</details>'),
    );
  });

  const crafted = [
    'javascript:alert(1)',
    'JaVaScRiPt:alert(1) www.javascript:alert(1)',
    'https://javascript:alert(1)@x.example',
    'www.x.example/"><script>alert(1)</script>',
    'data:text/html,<script>alert(1)</script>',
    '"javascript:alert(1)"@x.example',
    'mailto:javascript:alert(1)',
  ];
  it.each(crafted)('never links to script: %s', (input) => {
    const html = renderPlainText(input);
    expect(problems(html)).toEqual([]);
    expect(html).not.toMatch(/<script|href="(?!https?:\/\/|mailto:)/i);
  });
});
