// Auth: who makes a request (sessions, API tokens), what their role lets
// them do, and logging out. Other modules use the policy through here.
export { campaignScope, isStaff, principalOf, requireRole, requireUser, roleAtMost, seesAllCampaigns, type CampaignScope } from './auth.policy.ts';
export { createSession, deleteUserSessions, findApiToken, findSession, liveCredentials, type Principal } from './auth.repo.ts';
export { logOut, type LogOut } from './log-out.ts';
export { generatePassword, hashPassword, verifyPassword } from './passwords.ts';
export { revokeAccess } from './revoke-access.ts';
