import { seededRandom, type Random } from './random';

/**
 * StrongDM Log Stream records (seed 003: activities, queries, replays), generated from a seed.
 *
 * Shapes follow the vendor's examples field for field. Proportions and sizes are what a busy
 * deployment produces: queries (one per database statement) dominate the count, replays (chunks of
 * SSH/RDP/kubectl session recordings, base64 data) dominate the bytes, activities (admin and login
 * events) sit in between.
 *
 * | log type   | share of records | typical size (median, tail)                     |
 * |------------|------------------|-------------------------------------------------|
 * | queries    | 70 %             | ~0.7 KB, SQL text up to 8 KB                    |
 * | activities | 20 %             | ~0.8 KB, 1-4 entities                           |
 * | replays    | 10 %             | ~3 KB, 1-12 events of base64 data, up to 24 KB  |
 */
export type LogType = 'activities' | 'queries' | 'replays';

export const LOG_TYPE_SHARES: Readonly<Record<LogType, number>> = {
  queries: 0.7,
  activities: 0.2,
  replays: 0.1,
};

export type StrongDmRecord = Record<string, unknown> & { readonly logType: LogType };

const PEOPLE = [
  ['Alice', 'Glick'],
  ['Bob', 'Belcher'],
  ['Carol', 'Nakamura'],
  ['Dmitri', 'Okonkwo'],
  ['Eve', 'Lindqvist'],
  ['Farah', 'Haddad'],
  ['Gustavo', 'Pereira'],
  ['Hana', 'Kowalczyk'],
  ['Ivan', 'Petrov'],
  ['Jun', 'Watanabe'],
  ['Zoë', 'Müller'],
  ['Łukasz', 'Wójcik'],
] as const;

const PEOPLE_WITH_EMAIL = PEOPLE.map(([first, last]) => ({
  first,
  last,
  email: `${`${first}.${last}`
    .toLowerCase()
    .normalize('NFD')
    .replace(/[^a-z.]/g, '')}@example.com`,
}));

const ACTIVITIES = [
  ['user logged into the Admin UI', '{actor} logged into the Admin UI.'],
  ['user logged into the CLI', '{actor} logged into the CLI.'],
  ['User added to role', '{actor} assigned {other} to {role}.'],
  ['User removed from role', '{actor} removed {other} from {role}.'],
  ['datasource created', '{actor} created datasource {resource}.'],
  ['datasource updated', '{actor} updated datasource {resource}.'],
  ['access request approved', '{actor} approved the access request of {other} to {resource}.'],
  ['access request denied', '{actor} denied the access request of {other} to {resource}.'],
  ['account suspended', '{actor} suspended {other}.'],
  ['API key created', '{actor} created an API key for {role}.'],
] as const;

const ROLES = ['DEVROLE', 'SRE-oncall', 'db-readonly', 'prod-admin', 'analytics', 'support-tier2'];
const USER_AGENTS = [
  'strongdm-cli/1.2.3',
  'strongdm-cli/47.3.0 (darwin; arm64)',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36',
  'sdm-terraform-provider/11.2.0',
];
const RESOURCES = [
  ['MySQL', 'mysql', 'cloud'],
  ['orders-postgres-prod', 'postgres', 'datasource'],
  ['AWS Development', 'aws', 'cloud'],
  ['analytics-redshift', 'redshift', 'datasource'],
  ['k8s-prod-eu', 'k8s', 'k8s'],
  ['bastion-eu-west-1', 'ssh', 'server'],
  ['mongo-sessions', 'mongo', 'datasource'],
] as const;
const TABLES = [
  'users',
  'orders',
  'payments',
  'invoices',
  'sessions',
  'audit_events',
  'products',
  'shipments',
];
const COLUMNS = [
  'id',
  'name',
  'email',
  'created_at',
  'status',
  'amount',
  'country',
  'owner_id',
  'updated_at',
];
const ENVS = ['dev', 'staging', 'prod'];
const TEAMS = ['payments', 'identity', 'platform', 'data', 'growth'];

/** A generator of records; `next()` returns records in the shares above, in a seeded order. */
export interface RecordGenerator {
  next(): StrongDmRecord;
  /** A record of one log type (vendor objects hold a single log type). */
  of(logType: LogType): StrongDmRecord;
}

function ip(random: Random): string {
  return `${random.int(1, 223)}.${random.int(0, 255)}.${random.int(0, 255)}.${random.int(1, 254)}`;
}

/**
 * Random text is cut from pools drawn once per generator: slicing at a random offset is as varied
 * as drawing every character, and keeps generation several times faster than the forwarder, so the
 * 1 GiB memory benchmark measures forwarding rather than data generation.
 */
const POOL_BYTES = 1 << 20;

function pools(random: Random): { hex(length: number): string; base64(bytes: number): string } {
  const raw = Buffer.allocUnsafe(POOL_BYTES);
  for (let i = 0; i < POOL_BYTES; i += 4) raw.writeUInt32LE(Math.floor(random.next() * 4294967296) >>> 0, i);
  const hexPool = raw.toString('hex');
  const base64Pool = raw.toString('base64');
  const slice = (pool: string, length: number) => {
    const start = Math.floor(random.next() * (pool.length - length));
    return pool.slice(start, start + length);
  };
  return {
    hex: (length) => slice(hexPool, length),
    base64: (bytes) => slice(base64Pool, Math.ceil(bytes / 3) * 4),
  };
}

/** How far apart records are. */
export interface RecordGeneratorOptions {
  /**
   * Each record comes 0 to this many ms after the one before (uniform). Default: 40, about 3,000
   * records a minute: with one account per person, each of the 12 runs some 175 statements a
   * minute, so the StrongDM pack's query burst (100 a minute) fires all along.
   */
  readonly maxGapMs?: number;
}

export function strongDmRecords(
  seed: number,
  startTime = Date.UTC(2024, 1, 1, 18, 50, 4),
  options: RecordGeneratorOptions = {},
): RecordGenerator {
  const maxGapMs = options.maxGapMs ?? 40;
  const random = seededRandom(seed);
  const text = pools(random);
  let serial = 0;
  /** Ids are unique within a generator: random digits, then a serial number. */
  const unique = (randomDigits: number) => {
    serial += 1;
    return `${text.hex(randomDigits)}${serial.toString(16).padStart(8, '0')}`;
  };
  let clockMs = startTime;

  /** Nanosecond RFC 3339 timestamps, increasing. */
  const timestamp = (): string => {
    clockMs += random.int(0, maxGapMs);
    const iso = new Date(clockMs).toISOString(); // 2024-02-01T18:50:04.782Z
    return `${iso.slice(0, 23)}${String(random.int(0, 999_999)).padStart(6, '0')}Z`;
  };
  const person = () => {
    const { first, last, email } = random.pick(PEOPLE_WITH_EMAIL);
    return { first, last, email, account: `a-${text.hex(16)}`, external: `e-${text.hex(7)}` };
  };

  const activity = (): StrongDmRecord => {
    const actor = person();
    const other = person();
    const [name, template] = random.pick(ACTIVITIES);
    const [resource] = random.pick(RESOURCES);
    const role = random.pick(ROLES);
    const entities = [{ type: 'user', id: actor.account, email: actor.email }];
    for (let i = random.int(0, 3); i > 0; i -= 1) {
      entities.push(
        random.chance(0.5)
          ? { type: 'user', id: other.account, email: other.email }
          : { type: 'role', id: `r-${text.hex(16)}`, email: role },
      );
    }
    return {
      formatVersion: 'v1.0.0',
      id: `at-${unique(8)}`,
      logType: 'activities',
      activity: name,
      actorAccountID: actor.account,
      actorEmail: actor.email,
      actorFirstName: actor.first,
      actorLastName: actor.last,
      actorExternalID: actor.external,
      description: template
        .replace('{actor}', `${actor.first} ${actor.last} (${actor.email})`)
        .replace('{other}', `${other.first} ${other.last} (${other.email})`)
        .replace('{role}', role)
        .replace('{resource}', resource),
      ipAddress: ip(random),
      userAgent: random.pick(USER_AGENTS),
      entities,
      timestamp: timestamp(),
    };
  };

  const sql = (): string => {
    const table = random.pick(TABLES);
    const columns = Array.from({ length: random.int(1, 6) }, () => random.pick(COLUMNS)).join(', ');
    const kind = random.next();
    let statement: string;
    if (kind < 0.6) {
      statement = `select ${columns} from ${table} where ${random.pick(COLUMNS)} = '${text.hex(8)}' limit ${random.int(1, 500)}`;
    } else if (kind < 0.8) {
      statement = `update ${table} set status = 'closed', updated_at = now() where id in (${Array.from(
        { length: random.int(1, 40) },
        () => random.int(1, 9_999_999),
      ).join(', ')})`;
    } else {
      // Long analytical statements and generated IN-lists make the tail.
      const clauses = Array.from(
        { length: random.skewed(6, 120) },
        () =>
          `${random.pick(COLUMNS)} ${random.pick(['=', '<>', '>=', 'like'])} '${text.hex(random.int(4, 24))}'`,
      );
      statement = `select ${columns}, count(*) as n from ${table} t join ${random.pick(TABLES)} u on u.id = t.owner_id where ${clauses.join(' and ')} group by ${columns} order by n desc`;
    }
    return statement.slice(0, 8192);
  };

  const query = (): StrongDmRecord => {
    const actor = person();
    const [resourceName, resourceType, queryCategory] = random.pick(RESOURCES);
    return {
      formatVersion: 'v1.0.0',
      logType: 'queries',
      actorAccountID: actor.account,
      actorFirstName: actor.first,
      actorLastName: actor.last,
      actorEmail: actor.email,
      actorExternalID: actor.external,
      durationMs: String(random.skewed(20, 60_000)),
      hash: text.hex(40),
      query: sql(),
      queryCategory,
      resourceID: `rs-${text.hex(14)}`,
      resourceName,
      resourceTags: random.chance(0.7)
        ? { env: random.pick(ENVS), team: random.pick(TEAMS) }
        : { env: random.pick(ENVS) },
      resourceType,
      sourceIp: ip(random),
      timestamp: timestamp(),
      uuid: unique(20).toUpperCase(),
    };
  };

  const replay = (): StrongDmRecord => {
    const events = Array.from({ length: random.skewed(3, 12) }, () => ({
      data: text.base64(random.skewed(600, 2048)),
      durationMs: String(random.int(1, 500)),
    }));
    return {
      formatVersion: 'v1.0.0',
      logType: 'replays',
      chunkID: String(random.int(1, 5000)),
      events,
      hash: unique(32),
      queryUUID: `s${text.hex(27).toUpperCase()}`,
      timestamp: timestamp(),
    };
  };

  const makers: Record<LogType, () => StrongDmRecord> = {
    activities: activity,
    queries: query,
    replays: replay,
  };
  return {
    next: () => {
      const roll = random.next();
      if (roll < LOG_TYPE_SHARES.queries) return query();
      if (roll < LOG_TYPE_SHARES.queries + LOG_TYPE_SHARES.activities) return activity();
      return replay();
    },
    of: (logType) => makers[logType](),
  };
}

/**
 * What identifies a generated record across deliveries: activities carry `id`, queries `uuid`;
 * replays have no id field (sluice gives them a fallback id from their byte offset), so their
 * `hash` (unique within a generator, like the ids) stands in.
 */
export function recordMarker(record: Readonly<Record<string, unknown>>): string {
  if (typeof record.id === 'string') return record.id;
  if (typeof record.uuid === 'string') return record.uuid;
  return String(record.hash);
}
