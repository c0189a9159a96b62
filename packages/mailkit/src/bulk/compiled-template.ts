import { escapeHtml } from '../template/render.ts';

// The same `${name}` grammar as template/render.ts (renderTemplate), split
// once so that filling a template for 100,000 recipients is a join of
// strings, not a regular-expression pass per message.
const FIELD = /\$\{\s*([A-Za-z_][A-Za-z0-9_.-]{0,63})\s*\}/g;

/**
 * A template split at its fields: literal text `parts[i]`, then field
 * `names[i]`, …, ending with `parts[names.length]`. Made once per dialer.
 */
export interface CompiledTemplate {
  readonly parts: readonly string[];
  readonly names: readonly string[];
  /** The distinct field names, in order of first use. */
  readonly fields: readonly string[];
}

/** Splits a template at its `${name}` fields once, for filling many times. */
export function compileTemplate(source: string): CompiledTemplate {
  const parts: string[] = [];
  const names: string[] = [];
  let last = 0;
  for (const m of source.matchAll(FIELD)) {
    parts.push(source.slice(last, m.index));
    names.push(m[1]!);
    last = m.index + m[0].length;
  }
  parts.push(source.slice(last));
  return { parts, names, fields: [...new Set(names)] };
}

/** A field's value as written into the output; values are data, never template. */
export type ValueEncoder = (value: string) => string;

const identity: ValueEncoder = (v) => v;

/**
 * Fills a compiled template. Values are inserted as they are (mode 'text') or
 * HTML-escaped ('html'); a value containing `${x}` or `{{7*7}}` stays literal,
 * exactly as renderTemplate does. A field with no value renders empty (the
 * list validator refuses such rows before anything is sent).
 */
export function fillTemplate(t: CompiledTemplate, values: Readonly<Record<string, string>>, mode: 'html' | 'text'): string {
  const encode = mode === 'html' ? escapeHtml : identity;
  let out = t.parts[0]!;
  for (let i = 0; i < t.names.length; i++) {
    const name = t.names[i]!;
    const v = Object.hasOwn(values, name) ? values[name]! : '';
    out += encode(v) + t.parts[i + 1]!;
  }
  return out;
}
