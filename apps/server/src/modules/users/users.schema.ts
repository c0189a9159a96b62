import { createUserBodySchema, roleSchema, updateMeBodySchema, updateUserBodySchema, userSchema, uuidParamsSchema } from '@postdesk/contracts';

// A user's request and response shapes are the API contract's
// (@postdesk/contracts); these are the names the users module uses.

export const Role = roleSchema;
/** The only shape of a user that leaves the server. */
export const UserOut = userSchema;
export const CreateUserBody = createUserBodySchema;
export const UpdateUserBody = updateUserBodySchema;
export const UpdateMeBody = updateMeBodySchema;
export const IdParams = uuidParamsSchema;
