import { describe, expect, it } from 'vitest';
import { escapeHtml, fillKnownFields, renderTemplate, templateVariables } from './render.ts';

describe('renderTemplate', () => {
  const cases: Array<[string, string, Record<string, string>, 'html' | 'text', string, string[]]> = [
    ['plain field', 'Hi ${name}!', { name: 'Ana' }, 'text', 'Hi Ana!', []],
    ['spaces inside braces', 'Hi ${ name }', { name: 'Ana' }, 'text', 'Hi Ana', []],
    ['missing field renders empty and is reported', 'Hi ${name}, ${order}', { name: 'Ana' }, 'text', 'Hi Ana, ', ['order']],
    ['a value that looks like a field stays literal', 'X=${a}', { a: '${b}', b: 'boom' }, 'text', 'X=${b}', []],
    ['template-engine syntax in a value stays literal', '${a}', { a: '{{7*7}}' }, 'html', '{{7*7}}', []],
    ['html mode escapes markup', '<p>${a}</p>', { a: '<img src=x onerror=alert(1)>' }, 'html', '<p>&lt;img src=x onerror=alert(1)&gt;</p>', []],
    ['html mode escapes quotes for attributes', '<a title="${a}">', { a: '" onmouseover="x' }, 'html', '<a title="&quot; onmouseover=&quot;x">', []],
    ['text mode does not escape', '${a}', { a: '<b>' }, 'text', '<b>', []],
    ['prototype names are not values', '${constructor}${__proto__}', {}, 'text', '', ['constructor', '__proto__']],
    ['dollar without braces is text', 'cost $5 ${x', { x: '1' }, 'text', 'cost $5 ${x', []],
    ['dotted names', '${contact.name}', { 'contact.name': 'Bo' }, 'text', 'Bo', []],
  ];
  it.each(cases)('%s', (_n, tpl, values, mode, out, missing) => {
    const r = renderTemplate(tpl, values, mode);
    expect(r.output).toBe(out);
    expect(r.missing).toEqual(missing);
  });

  it('lists variables once, in order', () => {
    expect(templateVariables('${b} ${a} ${b} ${ c }')).toEqual(['b', 'a', 'c']);
  });

  it('escapes all five HTML specials', () => {
    expect(escapeHtml(`&<>"'`)).toBe('&amp;&lt;&gt;&quot;&#39;');
  });
});

describe('fillKnownFields', () => {
  it('fills the fields it knows and leaves the others as written', () => {
    expect(fillKnownFields('Dear ${contactName}, ref ${ticket} ${ custom }', { contactName: 'Ana' }, 'text')).toBe('Dear Ana, ref ${ticket} ${ custom }');
  });

  it('escapes values in html mode and keeps them data', () => {
    expect(fillKnownFields('<p>${a} ${b}</p>', { a: '<img onerror=x>', b: '${a}' }, 'html')).toBe('<p>&lt;img onerror=x&gt; ${a}</p>');
  });

  it('does not take prototype names for values', () => {
    expect(fillKnownFields('${constructor}${toString}', {}, 'text')).toBe('${constructor}${toString}');
  });
});
