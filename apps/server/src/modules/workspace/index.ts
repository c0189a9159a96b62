// Workspace: the agent's desk. Other modules show a thread the way the desk
// does (the supervisor's email viewer) through here.
export { readThread, type Thread } from './read-thread.ts';
export { presentThread } from './workspace.presenter.ts';
