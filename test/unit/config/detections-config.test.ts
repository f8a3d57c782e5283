import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ALERTS_SOURCE_NAME,
  alertsSource,
  alertsSourceInput,
  NOT_AN_ALERT,
  sourcesWithAlerts,
} from '../../../lambda/core/config/alerts-source';
import { parseConfig } from '../../../lambda/core/config/load';
import { sourceConfig } from '../../../lambda/core/config/sources';
import { SluiceError } from '../../../lambda/core/errors';
import { classifyKey } from '../../../lambda/core/layout/key-layout';

const strongdm = { name: 'strongdm', prefix: 'sdm/logs', preset: 'strongdm' };
const portal = {
  name: 'portal',
  prefix: 'apps/portal',
  principals: ['arn:aws:iam::123456789012:role/portal-log-writer'],
};
const hec = {
  type: 'splunk-hec',
  url: 'https://splunk.example.com:8088',
  tokenSecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:hec-AbCdEf',
};
const SLACK_SECRET = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:slack-AbCdEf';

function problemsOf(raw: unknown): string[] {
  try {
    parseConfig(raw);
  } catch (error) {
    assert.ok(error instanceof SluiceError);
    assert.equal(error.code, 'CONFIG_INVALID');
    return error.context.problems as string[];
  }
  assert.fail('configuration was accepted');
}

/** One of the problems of `field` says all of `patterns`. */
function assertRefused(raw: unknown, field: string, ...patterns: RegExp[]): void {
  const problems = problemsOf(raw);
  const problem = problems.find(
    (line) => line.startsWith(`${field}: `) && patterns.every((pattern) => pattern.test(line)),
  );
  assert.ok(
    problem,
    `expected a problem for ${field} matching ${patterns.join(' ')}, got:\n${problems.join('\n')}`,
  );
}

describe('detections configuration: defaults', () => {
  it('is absent unless configured: no detections, no alerts source', () => {
    const config = parseConfig({ sources: [strongdm] });
    assert.equal(config.detections, undefined);
    assert.deepEqual(
      sourcesWithAlerts(config).map((source) => source.name),
      ['strongdm'],
    );
  });

  it('`{}` runs the strongdm pack, dedups per hour, accepts a day of lateness, writes alerts under sluice', () => {
    const config = parseConfig({ sources: [strongdm], detections: {} });
    assert.deepEqual(config.detections, {
      packs: ['strongdm'],
      rules: [],
      dedupPeriod: '1h',
      lateness: '1d',
      alerts: { prefix: 'sluice' },
      routes: [],
      table: { capacity: 'on-demand', targetUtilizationPercent: 70 },
    });
  });

  it('keeps a provisioned table with both unit ranges', () => {
    const table = {
      capacity: 'provisioned',
      writeUnits: { min: 20, max: 400 },
      readUnits: { min: 5, max: 50 },
    } as const;
    const config = parseConfig({ sources: [strongdm], detections: { table } });
    assert.deepEqual(config.detections?.table, { ...table, targetUtilizationPercent: 70 });
  });

  it('refuses units missing from a provisioned table, given to an on-demand one, or the wrong way round', () => {
    assertRefused(
      {
        sources: [strongdm],
        detections: { table: { capacity: 'provisioned', writeUnits: { min: 1, max: 2 } } },
      },
      'detections.table.readUnits',
      /required with capacity "provisioned"/,
      /Fix:/,
    );
    assertRefused(
      { sources: [strongdm], detections: { table: { writeUnits: { min: 1, max: 2 } } } },
      'detections.table.writeUnits',
      /provisioned" only/,
      /Fix: remove it/,
    );
    assertRefused(
      {
        sources: [strongdm],
        detections: {
          table: { capacity: 'provisioned', writeUnits: { min: 50, max: 10 }, readUnits: { min: 1, max: 2 } },
        },
      },
      'detections.table.writeUnits.max',
      /10 is less than min 50/,
    );
    assertRefused(
      { sources: [strongdm], detections: { table: { capacity: 'reserved' } } },
      'detections.table.capacity',
      /'reserved' is not a capacity mode/,
      /"on-demand" or "provisioned"/,
    );
    assertRefused(
      {
        sources: [strongdm],
        detections: {
          table: { capacity: 'provisioned', writeUnits: { min: 0, max: 2 }, readUnits: { min: 1, max: 2 } },
        },
      },
      'detections.table.writeUnits.min',
      /at least 1 write capacity unit/,
    );
  });

  it('keeps what is given, alert prefix normalized, routes with their own defaults', () => {
    const config = parseConfig({
      sources: [strongdm],
      detections: {
        packs: [],
        rules: ['rules/', 'extra/one.yml'],
        dedupPeriod: '30m',
        lateness: '6h',
        alerts: { prefix: '/security/alerts/' },
        routes: [{ type: 'slack', secretArn: SLACK_SECRET }],
      },
    });
    const detections = config.detections!;
    assert.deepEqual(detections.packs, []);
    assert.deepEqual(detections.rules, ['rules/', 'extra/one.yml']);
    assert.equal(detections.dedupPeriod, '30m');
    assert.equal(detections.lateness, '6h');
    assert.equal(detections.alerts.prefix, 'security/alerts');
    assert.equal(detections.routes[0].type, 'slack');
    assert.equal(detections.routes[0].updates, false);
  });

  it('gives HEC destinations an empty indexByLogType by default, and keeps one that is set', () => {
    const config = parseConfig({
      sources: [strongdm],
      destinations: [
        { ...hec, name: 'splunk' },
        { ...hec, name: 'splunk-alerts', indexByLogType: { 'sluice-alerts': 'alerts' } },
      ],
    });
    const [plain, split] = config.destinations;
    assert.ok(plain.type === 'splunk-hec' && split.type === 'splunk-hec');
    assert.deepEqual(plain.indexByLogType, {});
    assert.deepEqual(split.indexByLogType, { 'sluice-alerts': 'alerts' });
  });
});

describe('detections configuration: refusals name the field and the fix', () => {
  it('refuses a duration that is not a number and s, m, h or d', () => {
    for (const [field, value] of [
      ['dedupPeriod', '1w'],
      ['dedupPeriod', '0h'],
      ['lateness', '90 minutes'],
      ['lateness', '1.5d'],
    ]) {
      assertRefused(
        { sources: [strongdm], detections: { [field]: value } },
        `detections.${field}`,
        new RegExp(`'${value}' is not a duration`),
        /Fix: .*e\.g\. "5m"/,
      );
    }
  });

  it('refuses a pack name that cannot be a folder of detections/', () => {
    assertRefused(
      { sources: [strongdm], detections: { packs: ['../secrets'] } },
      'detections.packs[0]',
      /folder of sluice's detections\//,
    );
  });

  it('refuses unknown fields in detections', () => {
    assertRefused(
      { sources: [strongdm], detections: { dedupPeriode: '1h' } },
      'detections.dedupPeriode',
      /unknown field "dedupPeriode"\. Fix: did you mean "dedupPeriod"\?/,
    );
  });

  it('refuses a destination named detections, whether or not detections are on', () => {
    for (const detections of [undefined, {}]) {
      assertRefused(
        { sources: [strongdm], destinations: [{ ...hec, name: 'detections' }], detections },
        'destinations[0].name',
        /'detections' is reserved/,
        /Fix: give the destination another name/,
      );
    }
  });

  it('refuses a destination named route:…', () => {
    assertRefused(
      { sources: [strongdm], destinations: [{ ...hec, name: 'route:slack' }], detections: {} },
      'destinations[0].name',
      /'route:slack' is reserved/,
    );
  });

  it('refuses a source named sluice when detections are on (and only then)', () => {
    const sluice = { ...portal, name: 'sluice', prefix: 'apps/sluice' };
    assertRefused(
      { sources: [strongdm, sluice], detections: {} },
      'sources[1].name',
      /'sluice' is the name of the alerts source/,
      /Fix: rename this source/,
    );
    assert.equal(parseConfig({ sources: [strongdm, sluice] }).sources[1].name, 'sluice');
  });

  it('refuses an alerts prefix that contains a source prefix or lies inside one', () => {
    for (const prefix of ['sdm', 'sdm/logs', 'sdm/logs/alerts']) {
      assertRefused(
        { sources: [strongdm], detections: { alerts: { prefix } } },
        'detections.alerts.prefix',
        new RegExp(`'${prefix}' overlaps sources\\[0\\]\\.prefix 'sdm/logs'`),
        /Fix: use an alerts prefix where neither contains the other/,
      );
    }
    // Beside a source prefix that only shares its first letters: no overlap.
    assert.ok(parseConfig({ sources: [strongdm], detections: { alerts: { prefix: 'sdm/logs-alerts' } } }));
  });

  it('refuses an alerts prefix overlapping a source at the bucket root by its layout', () => {
    const github = {
      name: 'github',
      prefix: '',
      preset: 'github-enterprise',
      principals: ['arn:aws:iam::123456789012:role/github-audit'],
    };
    assertRefused(
      { sources: [github], detections: { alerts: { prefix: '2024/alerts' } } },
      'detections.alerts.prefix',
      /overlaps sources\[0\]\.prefix ''/,
      /a source at the bucket root owns the keys starting with/,
    );
    assert.ok(parseConfig({ sources: [github], detections: {} }));
  });

  it('refuses alert objects inside the quarantine prefix, or a quarantine inside the alert objects', () => {
    assertRefused(
      { sources: [strongdm], detections: { alerts: { prefix: 'sluice/quarantine' } } },
      'detections.alerts.prefix',
      /'sluice\/quarantine' puts alert objects \(sluice\/quarantine\/sluice-alerts\/\) where quarantinePrefix 'sluice\/quarantine' is/,
      /Fix: keep alerts and quarantined records apart/,
    );
    assertRefused(
      { sources: [strongdm], quarantinePrefix: 'sluice/sluice-alerts/held', detections: {} },
      'detections.alerts.prefix',
      /where quarantinePrefix 'sluice\/sluice-alerts\/held' is/,
    );
  });

  it('accepts the default prefixes together: alerts in sluice/sluice-alerts/, quarantine in sluice/quarantine/', () => {
    const config = parseConfig({ sources: [strongdm], detections: {} });
    assert.equal(config.quarantinePrefix, 'sluice/quarantine');
    assert.equal(config.detections?.alerts.prefix, 'sluice');
  });

  it('refuses a second sns route: the stack creates one alert topic', () => {
    assertRefused(
      {
        sources: [strongdm],
        detections: {
          routes: [
            { type: 'sns', emails: ['a@example.com'] },
            { type: 'slack', secretArn: SLACK_SECRET },
            { type: 'sns', name: 'pager-mail', minLevel: 'critical' },
          ],
        },
      },
      'detections.routes[2].type',
      /second "sns" route \(routes\[0\] is one\)/,
      /Fix: keep one "sns" route and list every address in its "emails"/,
    );
  });

  it('names routes that share a name (the routing schema), inside detections', () => {
    assertRefused(
      {
        sources: [strongdm],
        detections: {
          routes: [
            { type: 'slack', name: 'secops', secretArn: SLACK_SECRET },
            { type: 'webhook', name: 'secops', secretArn: SLACK_SECRET },
          ],
        },
      },
      'detections.routes[1].name',
      /Fix: give each route its own name/,
    );
  });
});

describe('the alerts source', () => {
  it('is what the source schema reads from its definition, reading only alert objects', () => {
    const parsed = sourceConfig.parse(alertsSourceInput('sec/alerts'));
    assert.deepEqual(alertsSource('sec/alerts'), { ...parsed, controlObjects: [NOT_AN_ALERT] });
  });

  it("reads NDJSON alerts, their time in detectedAt and their id in eventId, as log type sluice-alerts of source 'sluice'", () => {
    const source = alertsSource('sluice');
    assert.equal(source.name, ALERTS_SOURCE_NAME);
    assert.equal(source.name, 'sluice');
    assert.equal(source.prefix, 'sluice');
    assert.equal(source.format, 'ndjson');
    assert.equal(source.timestampField, 'detectedAt');
    assert.deepEqual(source.idFieldByLogType, { 'sluice-alerts': 'eventId' });
    const where = classifyKey('sluice/sluice-alerts/2024/02/01/18/00/AbCdEfGhIjKlMnOpQrStUv.json', [source]);
    assert.equal(where.kind, 'record-object');
    assert.equal(where.kind === 'record-object' && where.logType, 'sluice-alerts');
  });

  it('never forwards a quarantine object under the alerts prefix (the default prefixes nest)', () => {
    const source = alertsSource('sluice');
    for (const key of [
      'sluice/quarantine/0b1c9f-0.json',
      'sluice/quarantine/ingest/2024/02/01/abc.json',
      'sluice/test',
    ]) {
      assert.equal(classifyKey(key, [source]).kind, 'vendor-test', key);
    }
  });

  it('comes after the configured sources when detections are on', () => {
    const config = parseConfig({ sources: [strongdm, portal], detections: { alerts: { prefix: 'sec' } } });
    const sources = sourcesWithAlerts(config);
    assert.deepEqual(
      sources.map((source) => [source.name, source.prefix]),
      [
        ['strongdm', 'sdm/logs'],
        ['portal', 'apps/portal'],
        ['sluice', 'sec'],
      ],
    );
  });
});
