// Campaigns: a queue with its mailbox, its SMTP account, its schedule and
// its rules. Other modules read a campaign through here; only this module
// writes `campaigns`, `campaign_connections` and `contact_lists`.
export { campaignMail, openCampaignMail, type CampaignMail } from './mail-accounts.ts';
export {
  canSeeCampaign,
  contactListFor,
  findCampaign,
  findCampaignRow,
  listCampaignKeys,
  listCampaigns,
  listOwnAddresses,
  listReceivingCampaignIds,
  recordConnection,
  type CampaignRow,
} from './campaigns.repo.ts';
export { sealContext } from './connection-settings.ts';
export { restoreConnection } from './restore-connection.ts';
export { Strategy } from './campaigns.schema.ts';
