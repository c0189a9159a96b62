import { describe, expect, it } from 'vitest';
import { renderTemplate } from '../template/render.ts';
import { compileTemplate, fillTemplate } from './compiled-template.ts';

describe('fillTemplate', () => {
  // the same cases as renderTemplate's: the compiled form must fill exactly as it does
  const cases: Array<[string, string, Record<string, string>, 'html' | 'text']> = [
    ['plain field', 'Hi ${name}!', { name: 'Ana' }, 'text'],
    ['spaces inside braces', 'Hi ${ name }', { name: 'Ana' }, 'text'],
    ['missing field renders empty', 'Hi ${name}, ${order}', { name: 'Ana' }, 'text'],
    ['a value that looks like a field stays literal', 'X=${a}', { a: '${b}', b: 'boom' }, 'text'],
    ['template-engine syntax in a value stays literal', '${a}', { a: '{{7*7}}' }, 'html'],
    ['html mode escapes markup', '<p>${a}</p>', { a: '<img src=x onerror=alert(1)>' }, 'html'],
    ['html mode escapes quotes for attributes', '<a title="${a}">', { a: '" onmouseover="x' }, 'html'],
    ['text mode does not escape', '${a}', { a: '<b>' }, 'text'],
    ['prototype names are not values', '${constructor}${__proto__}', {}, 'text'],
    ['dollar without braces is text', 'cost $5 ${x', { x: '1' }, 'text'],
    ['dotted names', '${contact.name}', { 'contact.name': 'Bo' }, 'text'],
    ['a field at both ends', '${a} and ${a}', { a: 'x' }, 'text'],
    ['no fields', 'just text', {}, 'html'],
  ];
  it.each(cases)('%s: as renderTemplate', (_n, tpl, values, mode) => {
    expect(fillTemplate(compileTemplate(tpl), values, mode)).toBe(renderTemplate(tpl, values, mode).output);
  });

  it('lists the fields once, in order of first use', () => {
    expect(compileTemplate('${b} ${a} ${b} ${ c }').fields).toEqual(['b', 'a', 'c']);
  });
});
