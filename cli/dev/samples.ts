import { gzipSync } from 'node:zlib';
import { buildObjectKey } from '../../lambda/core/layout/key-layout';

/** A small deterministic PRNG (mulberry32), so samples are reproducible in tests. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const PEOPLE = [
  {
    first: 'Alice',
    last: 'Glick',
    email: 'alice.glick@example.com',
    account: 'a-0abcdabcdab00000',
    external: 'e-bca5454',
  },
  {
    first: 'Bob',
    last: 'Belcher',
    email: 'bob.belcher@example.com',
    account: 'a-0defgdefgde00001',
    external: 'e-def1212',
  },
  {
    first: 'Carol',
    last: 'Nguyen',
    email: 'carol.nguyen@example.com',
    account: 'a-0mnomnomnom00003',
    external: 'e-0a1b2c3',
  },
];
const ACTIVITIES = [
  'user logged into the Admin UI',
  'User added to role',
  'datasource created',
  'access request approved',
];
const RESOURCES = [
  { id: 'rs-0cegcegcegceg00', name: 'MySQL', type: 'mysql', query: 'select name from users' },
  { id: 'rs-0abcdabcdabcd00', name: 'AWS Development', type: 'aws', query: 'aws s3 ls' },
  {
    id: 'rs-0pqrpqrpqrpqr00',
    name: 'Postgres Billing',
    type: 'postgres',
    query: 'select count(*) from invoices',
  },
];

type Random = () => number;
const pick = <T>(random: Random, items: readonly T[]): T => items[Math.floor(random() * items.length)];
const hex = (random: Random, length: number) =>
  Array.from({ length }, () => Math.floor(random() * 16).toString(16)).join('');
const ip = (random: Random) => Array.from({ length: 4 }, () => 1 + Math.floor(random() * 254)).join('.');

/** RFC 3339 with nanoseconds, as StrongDM writes it. */
function nanoTimestamp(at: Date, random: Random): string {
  return at.toISOString().replace(/\.\d{3}Z$/, `.${String(Math.floor(random() * 1e9)).padStart(9, '0')}Z`);
}

/** Record shapes of StrongDM's Log Stream (seed 003): activities, queries and replays. */
export function strongdmRecord(
  logType: 'activities' | 'queries' | 'replays',
  at: Date,
  random: Random,
): Record<string, unknown> {
  const person = pick(random, PEOPLE);
  const timestamp = nanoTimestamp(at, random);
  if (logType === 'activities') {
    const activity = pick(random, ACTIVITIES);
    return {
      formatVersion: 'v1.0.0',
      id: `at-${hex(random, 16)}`,
      logType,
      activity,
      actorAccountID: person.account,
      actorEmail: person.email,
      actorFirstName: person.first,
      actorLastName: person.last,
      actorExternalID: person.external,
      description: `${person.first} ${person.last} (${person.email}): ${activity}.`,
      ipAddress: ip(random),
      userAgent: 'strongdm-cli/1.2.3',
      entities: [{ type: 'user', id: person.account, email: person.email }],
      timestamp,
    };
  }
  const resource = pick(random, RESOURCES);
  if (logType === 'queries') {
    return {
      formatVersion: 'v1.0.0',
      logType,
      actorAccountID: person.account,
      actorFirstName: person.first,
      actorLastName: person.last,
      actorEmail: person.email,
      actorExternalID: person.external,
      durationMs: String(1 + Math.floor(random() * 90)),
      hash: hex(random, 40),
      query: resource.query,
      queryCategory: 'cloud',
      resourceID: resource.id,
      resourceName: resource.name,
      resourceTags: { env: 'dev' },
      resourceType: resource.type,
      sourceIp: ip(random),
      timestamp,
      uuid: `0${hex(random, 27).toUpperCase()}`,
    };
  }
  return {
    formatVersion: 'v1.0.0',
    logType,
    chunkID: String(1 + Math.floor(random() * 9)),
    events: [
      {
        data: Buffer.from(`$ ${resource.query}\n`).toString('base64'),
        durationMs: String(40 + Math.floor(random() * 20)),
      },
    ],
    hash: hex(random, 40),
    queryUUID: `s${hex(random, 27).toUpperCase()}`,
    timestamp,
  };
}

export interface SampleObject {
  readonly key: string;
  readonly body: Buffer;
  readonly logType: string;
  readonly records: number;
  /** How the object is written: NDJSON, pretty-printed JSON objects one after another (as in the vendor docs), or gzip NDJSON. */
  readonly encoding: 'ndjson' | 'pretty' | 'gzip';
}

const LOG_TYPES = ['activities', 'queries', 'replays'] as const;
const ENCODINGS = ['ndjson', 'pretty', 'gzip'] as const;

/**
 * What the shipped StrongDM rule pack (detections/strongdm) alerts on, in the first record of the
 * first object of its log type, so every run of the local pipeline raises alerts whatever the seed:
 * a role grant (sdm_role_or_permission_grant, medium) and a DROP TABLE on a resource tagged
 * env=prod (sdm_destructive_sql_prod, high). Fields are replaced after the record was generated:
 * the random sequence, so everything else a seed makes, is unchanged.
 */
const INCIDENTS: Partial<Record<(typeof LOG_TYPES)[number], (record: Record<string, unknown>) => object>> = {
  activities: (record) => ({
    ...record,
    activity: 'User added to role',
    description: `${String(record.actorFirstName)} ${String(record.actorLastName)} (${String(record.actorEmail)}) assigned Carol Nguyen (carol.nguyen@example.com) to PROD-ADMINS.`,
  }),
  queries: (record) => ({
    ...record,
    query: 'DROP TABLE customers',
    queryCategory: 'datasource',
    resourceID: 'rs-0prodprodprod000',
    resourceName: 'orders-postgres-prod',
    resourceTags: { env: 'prod', team: 'payments' },
    resourceType: 'postgres',
  }),
};

/**
 * `count` objects in the vendor's layout, one minute apart ending at `now`, cycling through the log
 * types and through NDJSON, pretty-printed and gzip objects; the first activities and queries
 * objects each open with an incident the StrongDM rule pack alerts on.
 */
export function strongdmSamples(options: {
  readonly prefix: string;
  readonly count: number;
  readonly recordsPerObject: number;
  readonly now: Date;
  readonly random: Random;
}): SampleObject[] {
  const { random } = options;
  return Array.from({ length: options.count }, (_, index) => {
    const logType = LOG_TYPES[index % LOG_TYPES.length];
    const encoding = ENCODINGS[Math.floor(index / LOG_TYPES.length) % ENCODINGS.length];
    const at = new Date(options.now.getTime() - (options.count - index) * 60_000);
    const records: object[] = Array.from({ length: options.recordsPerObject }, (_, n) =>
      strongdmRecord(logType, new Date(at.getTime() + n * 1000), random),
    );
    const incident = INCIDENTS[logType];
    if (incident && index < LOG_TYPES.length) records[0] = incident(records[0] as Record<string, unknown>);
    const text =
      encoding === 'pretty'
        ? records.map((record) => JSON.stringify(record, null, 4)).join('\n') + '\n'
        : records.map((record) => JSON.stringify(record)).join('\n') + '\n';
    const id = `${hex(random, 8)}-${hex(random, 4)}-4${hex(random, 3)}-8${hex(random, 3)}-${hex(random, 12)}`;
    return {
      key: buildObjectKey({ prefix: options.prefix, logType, at, id, gzip: encoding === 'gzip' }),
      body: encoding === 'gzip' ? gzipSync(text) : Buffer.from(text),
      logType,
      records: records.length,
      encoding,
    };
  });
}

/** Events a first-party application sends to the ingest queue: one JSON object per message. */
export function appEvents(count: number, now: Date, random: Random): string[] {
  const actions = [
    { logType: 'auth', action: 'login' },
    { logType: 'auth', action: 'logout' },
    { logType: 'orders', action: 'refund' },
    { logType: 'orders', action: 'create' },
  ];
  return Array.from({ length: count }, (_, index) => {
    const chosen = pick(random, actions);
    const person = pick(random, PEOPLE);
    return JSON.stringify({
      logType: chosen.logType,
      action: chosen.action,
      actor: person.email,
      result: random() < 0.9 ? 'success' : 'failure',
      requestId: hex(random, 16),
      timestamp: new Date(now.getTime() - (count - index) * 1000).toISOString(),
    });
  });
}
