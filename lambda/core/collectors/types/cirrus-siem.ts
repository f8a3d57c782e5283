import { basicAuth, sendAuthorized } from '../auth/authenticator';
import { CIRRUS_QUERY_KEYS, type CirrusSiemCollectorConfig } from '../config';
import { EVENT_ID_FIELD } from '../event-id';
import { formatBound } from '../instant';
import type { CollectorClient, FetchContext, FetchedPage, PageQuery } from '../types';
import {
  continuationUrl,
  followableNextLink,
  responseRecords,
  type CollectorClientDeps,
} from './client-deps';

/**
 * Cirrus Identity's SIEM API, as its example client reads it: `POST <apiUrl>?since=…&limit=…` with HTTP
 * Basic (API key and secret) and a `{}` body; the answer is a JSON array of events whose `timestamp` is
 * ISO 8601 UTC; a `Link: …; rel="next"` header carries an `after` position, which the client keeps
 * between cron runs. So does this one: the position is durable, and a run resumes from it. Since the
 * API does not put the query's parameters into its links (the request is a POST), they are added again.
 */
export function cirrusSiemClient(
  config: CirrusSiemCollectorConfig,
  deps: CollectorClientDeps,
): CollectorClient {
  const api = new URL(config.apiUrl);
  const now = deps.api.now ?? Date.now;
  const auth = basicAuth(
    deps.secrets(config.credentialsSecretArn),
    { user: 'apiKey', password: 'apiSecret' },
    'Cirrus API key',
  );

  const requestUrl = (query: PageQuery): URL => {
    const url = query.cursor !== undefined ? continuationUrl(query.cursor, api) : new URL(api);
    const add = (name: string, value: string | undefined): void => {
      if (value !== undefined && !url.searchParams.has(name)) url.searchParams.set(name, value);
    };
    add('orgUrl', config.orgUrl);
    add('limit', String(config.limit));
    if (query.cursor === undefined) add('since', formatBound(query.since, 'rfc3339'));
    // A future `until` means now, as in the client.
    if (query.until) add('until', formatBound(new Date(Math.min(query.until.getTime(), now())), 'rfc3339'));
    for (const key of CIRRUS_QUERY_KEYS) add(key, config.query[key]);
    return url;
  };

  return {
    durableCursor: true,
    idField: EVENT_ID_FIELD,
    async fetchPage(query: PageQuery, context: FetchContext): Promise<FetchedPage> {
      const url = requestUrl(query);
      const response = await sendAuthorized(
        auth,
        (headers) => ({
          method: 'POST',
          url,
          headers: { ...headers, 'content-type': 'application/json', accept: 'application/json' },
          body: '{}',
        }),
        context.deadline,
        deps.api,
      );
      const { records } = responseRecords(response, url, '', { timestampPath: 'timestamp' });
      return { records, next: followableNextLink(response, url, api) };
    },
    close: () => deps.api.transport.close?.(),
  };
}
