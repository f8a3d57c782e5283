import type { CollectorClient } from './types';

/**
 * The client for one API query only (the Cirrus client's `-x`): its first page is the whole answer,
 * so a run reads it and counts as caught up.
 */
export function onePageOnly(client: CollectorClient): CollectorClient {
  return {
    durableCursor: client.durableCursor,
    idField: client.idField,
    fetchPage: async (query, context) => ({ records: (await client.fetchPage(query, context)).records }),
    close: () => client.close?.(),
  };
}
