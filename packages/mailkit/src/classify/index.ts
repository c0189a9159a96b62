// Tells customer mail from bounces, feedback reports, auto-replies and our
// own mail coming back, and links reports to the message they are about.
export type { Classification, ClassificationKind, ClassifyContext } from './types.ts';
export { classifyMessage } from './classify-message.ts';
export { customerAddress, isUsableAddress } from './customer-address.ts';
export { bounceSeverity, feedbackType, type BounceSeverity } from './report-references.ts';
