import { z } from 'zod';
import { numericIdSchema } from './common.ts';

// Records: the supervisor's interactions list and recordings, its advanced
// search (conditions over an allow-list of fields), saved searches, exports
// and deletion.

/** The fields a condition may name; the server maps each to one column (never the name itself into SQL). */
export const recordFieldSchema = z.enum([
  'customer_email',
  'customer_name',
  'subject',
  'campaign',
  'agent',
  'disposition',
  'status',
  'ticket',
  'created_at',
  'closed_at',
  'last_message_at',
]);
export type RecordField = z.infer<typeof recordFieldSchema>;

export const recordOperatorSchema = z.enum(['equals', 'not_equals', 'contains', 'starts_with', 'before', 'after', 'is_empty', 'is_not_empty']);
export type RecordOperator = z.infer<typeof recordOperatorSchema>;

/** What kind of value a field holds: it decides the operators offered and how the value is read. */
export type RecordFieldKind = 'text' | 'date' | 'number';
export const RECORD_FIELD_KINDS: Readonly<Record<RecordField, RecordFieldKind>> = {
  customer_email: 'text',
  customer_name: 'text',
  subject: 'text',
  campaign: 'text',
  agent: 'text',
  disposition: 'text',
  status: 'text',
  ticket: 'number',
  created_at: 'date',
  closed_at: 'date',
  last_message_at: 'date',
};
/** The operators each kind of field accepts (the server refuses any other pair, naming it). */
export const RECORD_OPERATORS: Readonly<Record<RecordFieldKind, readonly RecordOperator[]>> = {
  text: ['equals', 'not_equals', 'contains', 'starts_with', 'is_empty', 'is_not_empty'],
  date: ['before', 'after', 'is_empty', 'is_not_empty'],
  number: ['equals', 'not_equals', 'before', 'after'],
};

/** One condition of the advanced search; a disabled one is kept but ignored. */
export const recordConditionSchema = z.strictObject({
  field: recordFieldSchema,
  operator: recordOperatorSchema,
  value: z.string().max(500, 'at most 500 characters').default(''),
  enabled: z.boolean().default(true),
});
export type RecordCondition = z.infer<typeof recordConditionSchema>;

const isoDate = z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'a date (ISO 8601)');

/** The quick filters above the list (all optional, combined with AND). */
export const recordFiltersSchema = z.strictObject({
  from: isoDate.optional(),
  to: isoDate.optional(),
  read: z.enum(['read', 'unread']).optional(),
  status: z.enum(['open', 'closed']).optional(),
  agentId: z.uuid('not a valid agent id').optional(),
  dispositionId: z.uuid('not a valid disposition id').optional(),
  campaignId: z.uuid('not a valid campaign id').optional(),
  customer: z.string().trim().max(254).optional(),
  subject: z.string().trim().max(900).optional(),
});
export type RecordFilters = z.infer<typeof recordFiltersSchema>;

/** A whole search: filters, conditions and how they combine. What a saved search stores. */
export const recordSearchSchema = z.strictObject({
  filters: recordFiltersSchema.default({}),
  conditions: z.array(recordConditionSchema).max(20, 'at most 20 conditions').default([]),
  match: z.enum(['all', 'any']).default('all'),
});
export type RecordSearch = z.infer<typeof recordSearchSchema>;

/** A page request: the search, where the last page ended (keyset) and how many. */
export const recordSearchBodySchema = recordSearchSchema.extend({
  cursor: z.string().regex(/^\d{1,18}$/, 'a cursor from a previous page').optional(),
  limit: z.number().int().min(1).max(200).default(50),
});

export const recordItemSchema = z.object({
  id: z.number(),
  campaignId: z.string(),
  campaignKey: z.string(),
  campaignName: z.string(),
  customerAddress: z.string(),
  customerName: z.string(),
  subject: z.string(),
  status: z.string(),
  unread: z.boolean(),
  agentName: z.string().nullable(),
  disposition: z.string().nullable(),
  createdAt: z.string(),
  lastMessageAt: z.string(),
  closedAt: z.string().nullable(),
  messages: z.number(),
});
export type RecordItem = z.infer<typeof recordItemSchema>;
export const recordPageSchema = z.object({ items: z.array(recordItemSchema), nextCursor: z.string().nullable() });
export type RecordPage = z.infer<typeof recordPageSchema>;

/** Export: the matching interactions, or only the selected ones. */
export const recordExportBodySchema = recordSearchSchema.extend({
  ids: z.array(z.number().int().positive()).max(10_000).optional(),
});
export const csvSchema = z.string().describe('text/csv; UTF-8 with a byte-order mark');
export const zipSchema = z.string().describe('application/zip: the thread as numbered .eml files');
export const threadZipQuerySchema = z.strictObject({ attachments: z.enum(['0', '1']).optional() });

/** Deletion needs the count the supervisor confirmed, so a stale selection cannot delete more than was shown. */
export const recordDeleteBodySchema = z.strictObject({
  ids: z.array(z.number().int().positive()).min(1, 'select at least one').max(1000),
  confirm: z.literal(true, 'confirm the deletion'),
});
export const recordDeletedSchema = z.object({ deleted: z.number(), messages: z.number() });

export const savedSearchSchema = z.object({ id: z.string(), name: z.string(), search: recordSearchSchema, createdAt: z.string() });
export type SavedSearch = z.infer<typeof savedSearchSchema>;
export const savedSearchesSchema = z.object({ items: z.array(savedSearchSchema) });
export const savedSearchBodySchema = z.strictObject({ name: z.string().trim().min(1, 'required').max(120), search: recordSearchSchema });
export const recordIdParamsSchema = z.strictObject({ id: numericIdSchema });
