import { describe, expect, it } from 'vitest';
import { MAX_HTML_NESTING } from '../render/limit-nesting.ts';
import { sanitizeTemplateHtml, sanitizeUserHtml } from './sanitize-template.ts';

describe('sanitizeTemplateHtml', () => {
  const cases: Array<[string, string, string]> = [
    ['keeps fields and formatting', '<p>Dear <b>${contactName}</b>, ticket ${ticket}</p>', '<p>Dear <b>${contactName}</b>, ticket ${ticket}</p>'],
    ['drops script, handlers and frames', '<p onclick="x()">a<script>x()</script><iframe src="https://e.test"></iframe></p>', '<p>a</p>'],
    ['adds rel to links', '<a href="https://e.test" target="_blank">e</a>', '<a href="https://e.test" target="_blank" rel="noopener noreferrer">e</a>'],
    ['closes what the editor left open', '<ul><li>one<li>two</ul><p>a<p>b', '<ul><li>one</li><li>two</li></ul><p>a</p><p>b</p>'],
  ];
  it.each(cases)('%s', (_name, input, expected) => {
    expect(sanitizeTemplateHtml(input)).toBe(expected);
  });

  it('flattens a stored template nested past the limit, without recursing', () => {
    expect(sanitizeTemplateHtml('<div>'.repeat(200_000) + 'x')).toBe('<div>'.repeat(MAX_HTML_NESTING) + 'x' + '</div>'.repeat(MAX_HTML_NESTING));
  });
});

describe('sanitizeUserHtml', () => {
  it('cleans what a person submitted like a template', () => {
    expect(sanitizeUserHtml('<p>${contactName}<script>x()</script></p>')).toEqual({ ok: true, html: '<p>${contactName}</p>' });
    expect(sanitizeUserHtml('<div>'.repeat(MAX_HTML_NESTING) + 'x')).toEqual({ ok: true, html: '<div>'.repeat(MAX_HTML_NESTING) + 'x' + '</div>'.repeat(MAX_HTML_NESTING) });
  });

  it('refuses it nested one element past the limit rather than changing it silently', () => {
    expect(sanitizeUserHtml('<div>'.repeat(MAX_HTML_NESTING + 1) + 'x')).toEqual({ ok: false, limit: MAX_HTML_NESTING });
    expect(sanitizeUserHtml('<div>'.repeat(200_000) + 'x')).toEqual({ ok: false, limit: MAX_HTML_NESTING });
  });
});
