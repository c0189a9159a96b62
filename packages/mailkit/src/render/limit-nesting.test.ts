import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { ChildNode } from 'domhandler';
import { DomUtils, ElementType, parseDocument } from 'htmlparser2';
import { describe, expect, it } from 'vitest';
import { parseMessage } from '../parse/parse-message.ts';
import { limitNesting, MAX_HTML_NESTING } from './limit-nesting.ts';

/** How deep htmlparser2's tree builder nests the elements of this markup (without recursing). */
function depthOf(html: string): number {
  let max = 0;
  const stack: Array<[ChildNode[], number]> = [[parseDocument(html).children, 0]];
  while (stack.length > 0) {
    const [nodes, depth] = stack.pop()!;
    for (const n of nodes) {
      if (n.type !== ElementType.Tag && n.type !== ElementType.Script && n.type !== ElementType.Style) continue;
      max = Math.max(max, depth + 1);
      stack.push([n.children, depth + 1]);
    }
  }
  return max;
}

/** The tree htmlparser2 builds, as markup, with what limitNesting leaves out (comments, CDATA, declarations) removed. */
function tree(html: string): string {
  const doc = parseDocument(html);
  for (const n of DomUtils.filter((x) => x.type === ElementType.Comment || x.type === ElementType.Directive || x.type === ElementType.CDATA, doc.children, true)) DomUtils.removeElement(n);
  return DomUtils.getOuterHTML(doc.children, { encodeEntities: 'utf8' });
}

describe('limitNesting', () => {
  const cases: Array<[string, string, string, number?]> = [
    ['closes every element explicitly', '<div><b>bold<i>both</b>after</i>', '<div><b>bold<i>both</i></b>after</div>'],
    ['an open <p> is closed by the next block, as the tree builder does', '<p>one<p>two<div>three</div>', '<p>one</p><p>two</p><div>three</div>'],
    ['list items and cells close their open siblings', '<ul><li>a<li>b</ul><table><tr><td>1<td>2<tr><td>3</table>', '<ul><li>a</li><li>b</li></ul><table><tr><td>1</td><td>2</td></tr><tr><td>3</td></tr></table>'],
    ['void elements never open', '<p>a<br>b<img src="x.png">c<hr>d', '<p>a<br>b<img src="x.png">c</p><hr>d'],
    ['a stray </p> is an empty paragraph, a stray </br> a break, others are ignored', 'a</p>b</br>c</span>d', 'a<p></p>b<br>cd'],
    ['a second <form> inside one is ignored', '<form>a<form>b</form>c</form>', '<form>ab</form>c'],
    ['text and attribute values are escaped once', '<a title=\'say "hi" &amp; <go>\' href=x?a=1&b=2>1 &lt; 2 &amp; 3 > 2</a>', '<a title="say &quot;hi&quot; &amp; &lt;go&gt;" href="x?a=1&amp;b=2">1 &lt; 2 &amp; 3 &gt; 2</a>'],
    ['the first of two same-named attributes wins; names that could break markup are dropped', '<div id=a ID=b x"y=1 data-ok=2>t</div>', '<div id="a" data-ok="2">t</div>'],
    ['comments, CDATA and declarations are left out', '<!doctype html><!-- hidden --><p>a<![CDATA[b]]>c<?php x ?></p>', '<p>ac</p>'],
    ['raw text stays raw text', '<script>if (a < b && c) x("</p>")</script><style>p>b{}</style>', '<script>if (a &lt; b &amp;&amp; c) x("&lt;/p&gt;")</script><style>p&gt;b{}</style>'],
    ['<x/> closes itself in SVG only', '<svg><path d="M0"/><circle/></svg><div/>after', '<svg><path d="M0"></path><circle></circle></svg><div>after</div>'],
    ['tag names are lower-cased; <image> is <img>', '<DIV><Image src=a></DiV>', '<div><img src="a"></div>'],
    ['past the limit, tags are dropped and their content kept', '<div>'.repeat(5) + 'deep' + '</div>'.repeat(5) + 'after', '<div>'.repeat(3) + 'deep' + '</div>'.repeat(3) + 'after', 3],
    ['closing tags of dropped elements do not close kept ones', '<div><div><div><b>x</b></div>y</div>z</div>w', '<div><div>xy</div>z</div>w', 2],
    ['raw text of a dropped element is dropped with it', '<div><div><script>alert(1)</script>ok</div></div>', '<div><div>ok</div></div>', 2],
  ];
  it.each(cases)('%s', (_name, input, expected, maxDepth = MAX_HTML_NESTING) => {
    expect(limitNesting(input, maxDepth).html).toBe(expected);
  });

  it('counts what it flattens, and flattens nothing within the limit', () => {
    expect(limitNesting('<div>'.repeat(600) + 'x').flattened).toBe(600 - MAX_HTML_NESTING);
    expect(limitNesting('<div>'.repeat(MAX_HTML_NESTING) + 'x').flattened).toBe(0);
    // a thousand unclosed list items and paragraphs are siblings, not nesting
    expect(limitNesting('<ul>' + '<li>item'.repeat(1_000) + '</ul>' + '<p>para'.repeat(1_000)).flattened).toBe(0);
  });

  it('never lets the tree builder nest deeper than the limit, whatever the markup', () => {
    const limit = 8;
    const attacks = [
      '<div>'.repeat(1_000),
      '<div>'.repeat(1_000) + '</div>'.repeat(1_000),
      // an element the tree builder closed on its own, closed again: must not leave the rest open
      '<p><div></p>'.repeat(1_000),
      '<a><b><a><i>'.repeat(500),
      '<table><td><table><td>'.repeat(500),
      '<svg><desc><div><math><mi><p>'.repeat(300),
      '<form><div><form><span>'.repeat(500),
      '<li><ul><li><ol>'.repeat(500),
      '<h1><div><h2><span>'.repeat(500),
      '<dd><dl><dt><b>'.repeat(500),
      '<select><option><optgroup><div>'.repeat(500),
      '<foo/><bar><svg><g/><g>'.repeat(500),
      '</span><span>'.repeat(500) + '<span>'.repeat(500),
    ];
    for (const html of attacks) {
      const once = limitNesting(html, limit).html;
      expect(depthOf(once), html.slice(0, 40)).toBeLessThanOrEqual(limit);
      // and its output is already within the limit: passing it again changes nothing
      expect(limitNesting(once, limit)).toEqual({ html: once, flattened: 0 });
    }
  });

  it('reads 200,000 nested elements without recursing or growing its stack past the limit', () => {
    const { html, flattened } = limitNesting('<div>'.repeat(200_000) + 'deep' + '</div>'.repeat(200_000) + '<p>after</p>');
    expect(flattened).toBe(200_000 - MAX_HTML_NESTING);
    expect(html).toBe('<div>'.repeat(MAX_HTML_NESTING) + 'deep' + '</div>'.repeat(MAX_HTML_NESTING) + '<p>after</p>');
  });

  // Real mail from the shared corpus: within the limit, the tree the parser builds is the same before and after.
  const CORPUS = path.resolve(process.cwd(), '../shared/corpus');
  const files = (dir: string): string[] =>
    readdirSync(dir).flatMap((name) => {
      const full = path.join(dir, name);
      return statSync(full).isDirectory() ? files(full) : [full];
    });
  it.skipIf(!existsSync(CORPUS))('leaves the tree of every HTML mail in the corpus as it was', async () => {
    let compared = 0;
    for (const file of files(CORPUS)) {
      const raw = readFileSync(file);
      if (!/text\/html/i.test(raw.toString('latin1'))) continue;
      const html = await parseMessage(raw).then((m) => m.html, () => null);
      if (!html) continue;
      expect(tree(limitNesting(html).html), file).toBe(tree(html));
      compared++;
    }
    expect(compared).toBeGreaterThan(20);
  });
});
