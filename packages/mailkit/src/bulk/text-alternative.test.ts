import { describe, expect, it } from 'vitest';
import { compileTemplate } from './compiled-template.ts';
import { textAlternative } from './text-alternative.ts';

describe('textAlternative', () => {
  const cases: Array<[string, string]> = [
    ['a heading', '<h1>Hello ${name}</h1>'],
    ['a table header', '<table><tr><th>${col}</th></tr><tr><td>${value}</td></tr></table>'],
    ['a link', '<p><a href="${unsubscribeUrl}">Unsubscribe</a> ${name}</p>'],
  ];
  it.each(cases)('keeps the fields of %s as written', (_n, html) => {
    expect(compileTemplate(textAlternative(html)).fields).toEqual(compileTemplate(html).fields);
  });
});
