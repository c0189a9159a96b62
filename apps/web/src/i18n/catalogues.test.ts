import { describe, expect, it } from 'vitest';
import { TEMPLATE_VARIABLES } from '@postdesk/mailkit/template/fields';
import en from './en.json';
import es from './es.json';
import it_ from './it.json';

type Tree = { [key: string]: string | Tree };

function flatten(tree: Tree, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const [key, value] of Object.entries(tree)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (typeof value === 'string') out.set(path, value);
    else for (const [k, v] of flatten(value, path)) out.set(k, v);
  }
  return out;
}

function placeholders(text: string): string[] {
  return [...text.matchAll(/\{\{\s*(\w+)\s*\}\}/g)].map((m) => m[1] ?? '').sort();
}

const reference = flatten(en);

// Spanish and Italian have a CLDR "many" plural form English lacks; it is the only extra allowed.
describe.each([
  ['es', flatten(es)],
  ['it', flatten(it_)],
])('the %s catalogue', (_language, catalogue) => {
  it('has every English key', () => {
    const missing = [...reference.keys()].filter((key) => !catalogue.has(key));
    expect(missing).toEqual([]);
  });

  it('has no keys English lacks, except plural "many" forms', () => {
    const extra = [...catalogue.keys()].filter((key) => !reference.has(key) && !key.endsWith('_many'));
    expect(extra).toEqual([]);
  });

  it('uses the same placeholders as English and leaves nothing empty', () => {
    for (const [key, text] of reference) {
      const translated = catalogue.get(key);
      if (translated === undefined) continue;
      expect(translated.trim(), key).not.toBe('');
      expect(placeholders(translated), key).toEqual(placeholders(text));
    }
  });
});

describe('the template editor', () => {
  it('has a label for each field the product fills, and none for a field it does not', () => {
    const labelled = [...reference.keys()].filter((k) => k.startsWith('templates.variables.')).map((k) => k.slice('templates.variables.'.length));
    expect(labelled.sort()).toEqual([...TEMPLATE_VARIABLES].sort());
  });
});
