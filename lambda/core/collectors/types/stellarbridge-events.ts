import { parseTimestamp } from '../../records/timestamp';
import { loginCookie } from '../auth/login-cookie';
import { sendAuthorized } from '../auth/authenticator';
import type { StellarbridgeEventsCollectorConfig } from '../config';
import { EVENT_ID_FIELD } from '../event-id';
import { compareTimestamps } from '../instant';
import { valueAt } from '../response-records';
import type { CollectorClient, FetchContext, FetchedPage, PageQuery } from '../types';
import { responseRecords, type CollectorClientDeps } from './client-deps';

export const STELLARBRIDGE_EVENTS_PATH = '/api/v1/dashboard/organization/get-events-in-org';
export const STELLARBRIDGE_LOGIN_PATH = '/api/v1/auth/login-handler';
export const STELLARBRIDGE_COOKIE = 'stellarbridge';

/**
 * Stellarbridge's organization events: `GET …/get-events-in-org` with the `stellarbridge` session
 * cookie, answered with `{"data": [LogWrapper…]}`. The API documents no paging and no time filter, so
 * each run reads the answer whole, orders it by time and resumes by time: the event's
 * `message.timestamp`, or the wrapper's `time` when that is absent. Events carry no id: a hash of
 * each one's content is its id.
 */
export function stellarbridgeEventsClient(
  config: StellarbridgeEventsCollectorConfig,
  deps: CollectorClientDeps,
): CollectorClient {
  const base = new URL(config.orgUrl);
  const auth = loginCookie({
    loginUrl: new URL(STELLARBRIDGE_LOGIN_PATH, base),
    cookieName: STELLARBRIDGE_COOKIE,
    secret: deps.secrets(config.loginSecretArn),
    requiredFields: [],
    api: deps.api,
  });
  const eventsUrl = new URL(STELLARBRIDGE_EVENTS_PATH, base);

  return {
    durableCursor: false,
    idField: EVENT_ID_FIELD,
    async fetchPage(query: PageQuery, context: FetchContext): Promise<FetchedPage> {
      const response = await sendAuthorized(
        auth,
        (headers) => ({ method: 'GET', url: eventsUrl, headers: { ...headers, accept: 'application/json' } }),
        context.deadline,
        deps.api,
      );
      const { records } = responseRecords(response, eventsUrl, 'data', (value) => ({
        timestampPath: parseTimestamp(valueAt(value, 'message.timestamp')) ? 'message.timestamp' : 'time',
      }));
      const until = query.until?.getTime();
      const ordered = records
        .map((record, index) => ({ record, index }))
        .filter(({ record }) => until === undefined || record.timestamp.epochMillis <= until)
        .sort((a, b) => compareTimestamps(a.record.timestamp, b.record.timestamp) || a.index - b.index)
        .map(({ record }) => record);
      return { records: ordered };
    },
    close: () => deps.api.transport.close?.(),
  };
}
