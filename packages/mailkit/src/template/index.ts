// Templates: `${field}` rendering where values are data, the product's one
// vocabulary of fields, and the sanitiser for HTML an admin or agent writes.
export { escapeHtml, fillKnownFields, renderTemplate, templateVariables } from './render.ts';
export type { Rendered } from './render.ts';
export { FORMER_VARIABLE_NAMES, TEMPLATE_VARIABLES, templateValues } from './variables.ts';
export type { TemplateContext, TemplateValues, TemplateVariable } from './variables.ts';
export { sanitizeTemplateHtml, sanitizeUserHtml, type UserHtml } from './sanitize-template.ts';
