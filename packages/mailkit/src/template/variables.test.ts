import { describe, expect, it } from 'vitest';
import { renderTemplate } from './render.ts';
import { TEMPLATE_VARIABLES, templateValues, type TemplateContext } from './variables.ts';

const ctx: TemplateContext = {
  contactName: 'Ana López',
  contactEmail: 'ana@customer.test',
  subject: 'Order 1234 is late',
  ticket: '[#SUP-42]',
  campaignName: 'Support',
  interactionId: 42,
  agentName: 'Bruno',
  // 23:30 on 30 November in UTC is already 1 December in Madrid, still 30 November in New York
  now: new Date('2026-11-30T23:30:00Z'),
  timeZone: 'Europe/Madrid',
};

describe('templateValues', () => {
  it('fills every field the editor offers, and only those', () => {
    const values = templateValues(ctx);
    expect(Object.keys(values).sort()).toEqual([...TEMPLATE_VARIABLES].sort());
    expect(values).toMatchObject({ contactName: 'Ana López', contactEmail: 'ana@customer.test', ticket: '[#SUP-42]', interactionId: '42', agentName: 'Bruno' });
  });

  it("dates a message by the campaign's day, not the server's", () => {
    expect(templateValues(ctx).date).toBe('2026-12-01');
    expect(templateValues({ ...ctx, timeZone: 'America/New_York' }).date).toBe('2026-11-30');
    expect(templateValues({ ...ctx, timeZone: 'Not/AZone' }).date).toBe('2026-11-30');
  });

  it('leaves the agent empty for automatic messages', () => {
    const { agentName: _agent, ...automatic } = ctx;
    expect(templateValues(automatic).agentName).toBe('');
  });

  it('renders a template written with every offered field, none missing', () => {
    const template = TEMPLATE_VARIABLES.map((name) => `\${${name}}`).join('|');
    const r = renderTemplate(template, templateValues(ctx), 'text');
    expect(r.missing).toEqual([]);
    expect(r.output).toBe('Ana López|ana@customer.test|Order 1234 is late|[#SUP-42]|Support|42|Bruno|2026-12-01');
  });
});
