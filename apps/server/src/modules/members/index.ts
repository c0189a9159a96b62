// Members: which agents work which campaigns (campaigns × agents), with
// their order and penalty for routing. Only this module writes `campaign_members`.
export { agentCampaignIds, campaignMemberIds } from './members.repo.ts';
