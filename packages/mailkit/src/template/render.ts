// `${name}` fields, as in the reference's templates and dialer lists. Names
// are letters, digits, underscores, dots and dashes.
const FIELD = /\$\{\s*([A-Za-z_][A-Za-z0-9_.-]{0,63})\s*\}/g;

const htmlEscapes: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for HTML element content and attribute values. */
export const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => htmlEscapes[c]!);

/** The distinct field names a template uses, in order of first use. */
export function templateVariables(template: string): string[] {
  const seen = new Set<string>();
  for (const m of template.matchAll(FIELD)) seen.add(m[1]!);
  return [...seen];
}

/** The result of rendering: the text, and the fields that had no value (rendered empty). */
export interface Rendered {
  output: string;
  missing: string[];
}

/**
 * Fills `${name}` fields in one pass. Values are data, never template: a value
 * that itself contains `${x}` or `{{7*7}}` is inserted literally, and in
 * 'html' mode it is HTML-escaped so it cannot add markup.
 */
export function renderTemplate(template: string, values: Readonly<Record<string, string>>, mode: 'html' | 'text'): Rendered {
  const missing = new Set<string>();
  const output = template.replace(FIELD, (_all, name: string) => {
    if (!Object.hasOwn(values, name)) {
      missing.add(name);
      return '';
    }
    const v = String(values[name]);
    return mode === 'html' ? escapeHtml(v) : v;
  });
  return { output, missing: [...missing] };
}

/**
 * Fills the `${name}` fields it has values for and leaves every other field
 * as written, for a person to see and fix (the agent's editor), or for a
 * later pass that knows more (a new mail's ticket, known once sent). Values
 * are data, escaped in 'html' mode, as in renderTemplate.
 */
export function fillKnownFields(template: string, values: Readonly<Record<string, string>>, mode: 'html' | 'text'): string {
  return template.replace(FIELD, (all, name: string) => {
    if (!Object.hasOwn(values, name)) return all;
    const v = String(values[name]);
    return mode === 'html' ? escapeHtml(v) : v;
  });
}
