// Records: the supervisor's interactions list, recordings, advanced search,
// email viewer, exports and deletion. Its routes are registered by app.ts;
// other modules need only the campaigns a user may read here.
export { visibleCampaignIds } from './records.policy.ts';
export type { CampaignScope } from './records.repo.ts';
export { neutraliseCell } from './export-csv.ts';
