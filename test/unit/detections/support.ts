import { MemoryAlertStore } from '../../../lambda/core/detections/alerts/store';
import { DetectionEngine } from '../../../lambda/core/detections/engine';
import type { DetectionRecord } from '../../../lambda/core/detections/records';
import { RuleIndex } from '../../../lambda/core/detections/rule-index';
import { buildRuleSet, compilePlainRule } from '../../../lambda/core/detections/sigma/rule-set';
import { MemoryWindowStore } from '../../../lambda/core/detections/windows/memory-store';

export const T0 = Date.UTC(2024, 1, 1, 13, 0, 0);

/** A base rule (records with `kind: hit`) and a correlation over it, grouped by `group`. */
export function correlationRuleSet(correlation: {
  type: 'event_count' | 'value_count';
  timespan: string;
  gte: number;
  groupBy?: string[];
  generate?: boolean;
}) {
  const base = compilePlainRule('base.yml', {
    title: 'hit',
    name: 'hit',
    logsource: { product: 'test', service: 'events' },
    detection: { selection: { kind: 'hit' }, condition: 'selection' },
    level: 'low',
  });
  const rule = compilePlainRule('burst.yml', {
    title: 'burst of hits',
    id: 'burst',
    level: 'high',
    tags: ['attack.credential_access', 'attack.t1110.001'],
    generate: correlation.generate ?? false,
    correlation: {
      type: correlation.type,
      rules: ['hit'],
      'group-by': correlation.groupBy ?? ['group'],
      timespan: correlation.timespan,
      condition:
        correlation.type === 'value_count'
          ? { field: 'user', gte: correlation.gte }
          : { gte: correlation.gte },
    },
  });
  return buildRuleSet([base, rule]);
}

export function engineFor(
  ruleSet: ReturnType<typeof buildRuleSet>,
  options: { dedupPeriodMs?: number } = {},
) {
  const windows = new MemoryWindowStore();
  const alerts = new MemoryAlertStore();
  const engine = new DetectionEngine(new RuleIndex(ruleSet, [{ name: 'test' }]), {
    windows,
    alerts,
    ...options,
  });
  return { engine, windows, alerts };
}

export function hit(id: string, offsetMs: number, fields: Record<string, unknown> = {}): DetectionRecord {
  return {
    id,
    source: 'test',
    logType: 'events',
    eventTimeMs: T0 + offsetMs,
    bucket: 'logs',
    key: `test/events/2024/02/01/13/00/${id}.json`,
    offset: 0,
    value: { kind: 'hit', group: 'g1', user: 'u1', ...fields },
  };
}
