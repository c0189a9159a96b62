// The browser-safe part of templates (no sanitiser, no Node modules): the
// console fills and lists the same fields as the server with these.
export { escapeHtml, fillKnownFields, renderTemplate, templateVariables } from './render.ts';
export type { Rendered } from './render.ts';
export { TEMPLATE_VARIABLES, templateValues } from './variables.ts';
export type { TemplateContext, TemplateValues, TemplateVariable } from './variables.ts';
