import { basicAuth, headerToken, sendAuthorized, type Authenticator } from '../auth/authenticator';
import { loginCookie } from '../auth/login-cookie';
import { clientCredentials } from '../auth/oauth2';
import { idFieldOf } from '../collected-record';
import type { HttpJsonCollectorConfig } from '../config';
import { boundPrecisionMs, formatBound } from '../instant';
import { exactValueAt } from '../response-records';
import {
  afterSincePage,
  decodeSincePosition,
  encodeSincePosition,
  firstSincePosition,
  sinceOf,
  type SincePosition,
} from '../since-paging';
import type { CollectorClient, FetchContext, FetchedPage, PageQuery } from '../types';
import {
  continuationUrl,
  followableNextLink,
  responseRecords,
  type CollectorClientDeps,
} from './client-deps';

type Values = Readonly<Record<string, string | undefined>>;

/** `{name}` → its value; a template whose placeholder has no value (no cursor yet) gives undefined. */
export function fillTemplate(
  template: string,
  values: Values,
  escape: (value: string) => string = (value) => value,
): string | undefined {
  let missing = false;
  const text = template.replace(/\{([a-z]+)\}/g, (whole, name: string) => {
    if (!Object.hasOwn(values, name)) return whole;
    const value = values[name];
    if (value === undefined) {
      missing = true;
      return '';
    }
    return escape(value);
  });
  return missing ? undefined : text;
}

const jsonEscape = (value: string): string => JSON.stringify(value).slice(1, -1);

function authenticator(config: HttpJsonCollectorConfig, deps: CollectorClientDeps): Authenticator {
  const { auth } = config;
  switch (auth.type) {
    case 'none':
      return { headers: async () => ({}), refresh: async () => undefined };
    case 'header':
      return headerToken(deps.secrets(auth.secretArn), auth.header, auth.prefix);
    case 'basic':
      return basicAuth(
        deps.secrets(auth.secretArn),
        { user: 'username', password: 'password' },
        'basic-auth',
      );
    case 'oauth2-client-credentials':
      return clientCredentials({
        tokenUrl: new URL(auth.tokenUrl),
        secret: deps.secrets(auth.secretArn),
        scopes: auth.scopes,
        audience: auth.audience,
        clientAuth: auth.clientAuth,
        api: deps.api,
      });
    case 'login-cookie':
      return loginCookie({
        loginUrl: new URL(auth.loginUrl),
        cookieName: auth.cookieName,
        secret: deps.secrets(auth.secretArn),
        requiredFields: [],
        api: deps.api,
      });
  }
}

/**
 * Any paged JSON API, described by its configuration: the request (URL, query and body templates with
 * `{since}` `{until}` `{limit}` `{cursor}` `{offset}`), the credentials, where the events are in the
 * answer with their time and id fields, and how to ask for the next page (a `Link` header, a cursor
 * field, an offset, or, for an API with none, `{since}` moved to the newest event received: see
 * since-paging.ts). Like Elastic's httpjson input keeps a cursor from the last event, runs resume from
 * the newest written event's time unless the API's cursor is declared durable.
 */
export function httpJsonClient(config: HttpJsonCollectorConfig, deps: CollectorClientDeps): CollectorClient {
  const api = new URL(config.url);
  const now = deps.api.now ?? Date.now;
  const auth = authenticator(config, deps);
  const fields = { timestampPath: config.timestampField, idPath: config.idField };
  const { pagination } = config;
  const precisionMs = boundPrecisionMs(config.timeFormat);
  /** `since` paging: where this request asks from (see since-paging.ts). */
  const sincePosition = (query: PageQuery): SincePosition =>
    query.cursor === undefined
      ? firstSincePosition(query.since, precisionMs)
      : decodeSincePosition(query.cursor);

  const request = (query: PageQuery, until: Date): { url: URL; body?: string } => {
    if (pagination.type === 'link-header' && query.cursor !== undefined) {
      // The next link carries the whole query already.
      return { url: continuationUrl(query.cursor, api) };
    }
    const since = pagination.type === 'since' ? sinceOf(sincePosition(query), precisionMs) : query.since;
    const values: Values = {
      since: formatBound(since, config.timeFormat),
      until: formatBound(until, config.timeFormat),
      limit: String(config.limit),
      cursor: pagination.type === 'cursor' ? query.cursor : undefined,
      offset: pagination.type === 'offset' ? (query.cursor ?? '0') : undefined,
    };
    const url = new URL(api);
    for (const [name, template] of Object.entries(config.query)) {
      const value = fillTemplate(template, values);
      // A parameter waiting for a cursor is left out of the first page's request.
      if (value !== undefined) url.searchParams.set(name, value);
    }
    // In a body, a cursor not there yet (the first page) is written empty.
    const body =
      config.body === undefined
        ? undefined
        : fillTemplate(config.body, { ...values, cursor: values.cursor ?? '' }, jsonEscape);
    return { url, body };
  };

  const nextOf = (
    query: PageQuery,
    response: Parameters<typeof followableNextLink>[0],
    url: URL,
    body: unknown,
    count: number,
  ): string | undefined => {
    switch (pagination.type) {
      case 'link-header':
        return followableNextLink(response, url, api);
      case 'cursor': {
        // A cursor beyond 2^53 as the API wrote it: rounded, it would ask for another page.
        const value = exactValueAt(body, response.body, pagination.cursorPath);
        return (typeof value === 'string' && value !== '') ||
          (typeof value === 'number' && Number.isFinite(value))
          ? String(value)
          : undefined;
      }
      case 'offset':
        // Only the page's length tells the end here, and the API may cap pages below `limit`: only an
        // empty page is the end (one more request per run than a short page would take).
        return count > 0 ? String(Number(query.cursor ?? '0') + count) : undefined;
      case 'since':
        return undefined;
    }
  };

  return {
    durableCursor: pagination.type === 'cursor' && pagination.durable,
    idField: idFieldOf(fields),
    async fetchPage(query: PageQuery, context: FetchContext): Promise<FetchedPage> {
      const until = new Date(Math.min(query.until?.getTime() ?? now(), now()));
      const { url, body } = request(query, until);
      const response = await sendAuthorized(
        auth,
        (headers) => ({
          method: config.method,
          url,
          headers: {
            ...Object.fromEntries(
              Object.entries(config.headers).map(([name, value]) => [name.toLowerCase(), value]),
            ),
            ...headers,
            accept: 'application/json',
            ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
          },
          body,
        }),
        context.deadline,
        deps.api,
      );
      const parsed = responseRecords(response, url, config.recordsPath ?? '', fields);
      if (pagination.type === 'since') {
        const page = afterSincePage(sincePosition(query), parsed.records, {
          precisionMs,
          until: until.getTime(),
          collector: config.name,
        });
        return {
          records: page.records,
          ...(page.heldBack ? { heldBack: true } : {}),
          ...(page.next ? { next: encodeSincePosition(page.next) } : {}),
          ...(query.cursor !== undefined ? { requery: true } : {}),
        };
      }
      return {
        records: parsed.records,
        next: nextOf(query, response, url, parsed.body, parsed.records.length),
      };
    },
    close: () => deps.api.transport.close?.(),
  };
}
