import type { MemberRow } from './members.repo.ts';

/** A membership as the members screen shows it. */
export const presentMember = (r: MemberRow) => ({
  campaignId: r.campaign_id,
  userId: r.user_id,
  username: r.username,
  displayName: r.display_name,
  position: r.position,
  penalty: r.penalty,
});
