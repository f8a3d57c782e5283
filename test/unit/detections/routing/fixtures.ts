import type { HttpResponse } from '../../../../lambda/core/http/client';
import type { AlertDocument } from '../../../../lambda/core/detections/alerts/document';
import type { SecretSource } from '../../../../lambda/core/sinks/types';

/** An event_count alert as the engine writes it: 7 failed logins by one user from one address. */
export function alertDocument(overrides: Partial<AlertDocument> = {}): AlertDocument {
  return {
    alertId: 'c2x9Qm8d1T0y7ZkH3vP4aB',
    dedupKey: 'sdm_failed_logins|["alice@example.com","10.1.2.3"]|2024-02-01T13:00:00.000Z',
    status: 'opened',
    rule: {
      key: 'sdm_failed_logins',
      id: 'sdm_failed_logins',
      title: 'Many failed logins from one address',
      type: 'event_count',
      file: 'detections/strongdm/sdm_failed_logins.yml',
    },
    level: 'high',
    tags: ['attack.credential_access', 'attack.t1110.001'],
    attack: { tactics: ['credential_access'], techniques: ['T1110.001'] },
    group: { user: 'alice@example.com', sourceAddress: '10.1.2.3' },
    count: 7,
    threshold: { comparison: 'gte', value: 5, timespanMs: 300_000 },
    firstEventTime: '2024-02-01T13:00:00.000Z',
    lastEventTime: '2024-02-01T13:01:00.000Z',
    occurrences: 7,
    period: { start: '2024-02-01T13:00:00.000Z', end: '2024-02-01T14:00:00.000Z' },
    records: Array.from({ length: 7 }, (_, i) => ({
      id: `r${i}`,
      location: 's3://logs/sdm/logs/activities/2024/02/01/13/00/a.json',
      offset: i * 100,
      eventTime: new Date(Date.UTC(2024, 1, 1, 13, 0, i * 10)).toISOString(),
    })),
    omittedRecords: 0,
    samples: [{ type: 'login', user: 'alice@example.com', result: 'failure' }],
    openedBy: 'r0',
    detectedAt: '2024-02-01T13:02:00.000Z',
    ...overrides,
  };
}

export function response(status: number, body = '', headers: Record<string, string> = {}): HttpResponse {
  return { status, body, headers };
}

/** A secret whose value changes on refresh when given several (a rotation); counts the reads. */
export function fakeSecret(...values: string[]): SecretSource & { refreshes: number } {
  let index = 0;
  const source = {
    refreshes: 0,
    get: async () => values[index],
    refresh: async () => {
      source.refreshes += 1;
      index = Math.min(index + 1, values.length - 1);
      return values[index];
    },
  };
  return source;
}

/** Time that moves only when the sender sleeps: no test waits for a backoff. */
export function virtualClock(start = Date.UTC(2024, 1, 1, 13, 2, 0)) {
  let now = start;
  const delays: number[] = [];
  return {
    delays,
    now: () => now,
    sleep: async (ms: number) => {
      delays.push(ms);
      now += ms;
    },
    advance: (ms: number) => {
      now += ms;
    },
  };
}
