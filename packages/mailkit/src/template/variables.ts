// The fields the product itself fills in templates and canned answers: one
// vocabulary, the one the template editor offers, used by every sender (the
// agent's composer, the confirmation and out-of-hours messages). Pure, so the
// console can import the list too.

/** The product's own `${field}` names, in the order the editor lists them. */
export const TEMPLATE_VARIABLES = [
  'contactName',
  'contactEmail',
  'subject',
  'ticket',
  'campaignName',
  'interactionId',
  'agentName',
  'date',
] as const;

export type TemplateVariable = (typeof TEMPLATE_VARIABLES)[number];
export type TemplateValues = Readonly<Record<TemplateVariable, string>>;

/**
 * Names the first confirmation messages were written with, and what they are
 * now. Migration 0007 rewrote stored templates and canned answers; kept here
 * for that migration's test and for anyone reading an old template.
 */
export const FORMER_VARIABLE_NAMES: Readonly<Record<string, TemplateVariable>> = {
  customer_name: 'contactName',
  customer_email: 'contactEmail',
  campaign_name: 'campaignName',
  interaction_id: 'interactionId',
  agent_name: 'agentName',
};

/** What one message's fields are filled from. */
export interface TemplateContext {
  contactName: string;
  contactEmail: string;
  subject: string;
  /** The subject token, e.g. `[#SUP-123]`; empty when the campaign's key cannot carry one. */
  ticket: string;
  campaignName: string;
  interactionId: number;
  /** The agent writing; empty for automatic messages. */
  agentName?: string;
  now: Date;
  /** The campaign's IANA time zone: `date` is the day there, not on the server. */
  timeZone: string;
}

/** Every field's value for one message; `date` is YYYY-MM-DD in the campaign's zone. */
export function templateValues(ctx: TemplateContext): TemplateValues {
  return {
    contactName: ctx.contactName,
    contactEmail: ctx.contactEmail,
    subject: ctx.subject,
    ticket: ctx.ticket,
    campaignName: ctx.campaignName,
    interactionId: String(ctx.interactionId),
    agentName: ctx.agentName ?? '',
    date: localDate(ctx.now, ctx.timeZone),
  };
}

// One formatter per zone: building one costs far more than using it.
const dayFormats = new Map<string, Intl.DateTimeFormat>();

function localDate(now: Date, timeZone: string): string {
  let format = dayFormats.get(timeZone);
  if (!format) {
    try {
      // en-CA formats a date as YYYY-MM-DD
      format = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    } catch {
      // campaigns are saved with a valid zone; one the runtime lost still gets a date
      return now.toISOString().slice(0, 10);
    }
    if (dayFormats.size < 1_000) dayFormats.set(timeZone, format);
  }
  return format.format(now);
}
