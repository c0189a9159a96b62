// Users: the people who log in, their roles and languages. Only this module
// writes `users`.
export { editUser } from './update-user.ts';
export { presentUser } from './users.presenter.ts';
export { normalizeUsername } from './username.ts';
export { findUserById, findUserByUsername, type Language, type UserRole, type UserRow } from './users.repo.ts';
export { IdParams, Role, UpdateMeBody, UserOut } from './users.schema.ts';
