import {
  campaignScopeQuerySchema,
  cannedAnswerBodySchema,
  cannedAnswerListSchema,
  cannedAnswerSchema,
  templateBodySchema,
  templateListSchema,
  templatePreviewBodySchema,
  templatePreviewSchema,
  templateSchema,
} from '@postdesk/contracts';

// Templates' and canned answers' request and response shapes are the API contract's (@postdesk/contracts).

export const CampaignQuery = campaignScopeQuerySchema;
export const TemplateBody = templateBodySchema;
export const TemplateOut = templateSchema;
export const TemplatesOut = templateListSchema;
export const CannedBody = cannedAnswerBodySchema;
export const CannedOut = cannedAnswerSchema;
export const CannedListOut = cannedAnswerListSchema;
export const PreviewBody = templatePreviewBodySchema;
export const PreviewOut = templatePreviewSchema;
