import type { Authorizer } from '../auth';
import type { TokenSource } from './token-source';

/**
 * `Authorization: Bearer <Entra ID token>`. A 401 from the API makes the delivery loop call `refresh`,
 * which drops the token, so the request is resent once with a new one.
 */
export function entraBearer(tokens: TokenSource): Authorizer {
  return {
    headers: async (request) => ({ authorization: `Bearer ${await tokens.token(request.deadline)}` }),
    refresh: async () => tokens.renew(),
  };
}
