import {
  csvSchema,
  noteBodySchema,
  noteSchema,
  recordDeleteBodySchema,
  recordDeletedSchema,
  recordExportBodySchema,
  recordIdParamsSchema,
  recordPageSchema,
  recordSearchBodySchema,
  savedSearchBodySchema,
  savedSearchesSchema,
  savedSearchSchema,
  threadSchema,
  threadZipQuerySchema,
  uuidParamsSchema,
  zipSchema,
} from '@postdesk/contracts';

// The records routes' request and response shapes: the API contract's (@postdesk/contracts).

export const SearchIn = recordSearchBodySchema;
export const PageOut = recordPageSchema;
export const ExportIn = recordExportBodySchema;
export const DeleteIn = recordDeleteBodySchema;
export const DeletedOut = recordDeletedSchema;
export const IdParams = recordIdParamsSchema;
export const UuidParams = uuidParamsSchema;
export const ZipQuery = threadZipQuerySchema;
export const ThreadOut = threadSchema;
export const SavedIn = savedSearchBodySchema;
export const NoteIn = noteBodySchema;
export const NoteOut = noteSchema;
export const SavedOut = savedSearchSchema;
export const SavedListOut = savedSearchesSchema;
/** Non-JSON answers, declared for the OpenAPI document: the server streams them. */
export const CsvOut = { description: 'the interactions as CSV', content: { 'text/csv': { schema: csvSchema } } };
export const ZipOut = { description: 'the thread as numbered .eml files', content: { 'application/zip': { schema: zipSchema } } };
