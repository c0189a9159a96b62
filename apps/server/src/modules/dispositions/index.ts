// Dispositions: each campaign's list of how an interaction may end, chosen
// when closing (mandatory when the campaign says so).
export { isDispositionOf } from './dispositions.repo.ts';
