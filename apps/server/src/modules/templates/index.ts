// Templates and canned answers: what agents and automatic replies write with.
export { templateHtml } from './templates.repo.ts';
