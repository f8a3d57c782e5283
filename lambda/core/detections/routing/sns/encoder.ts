import type { AlertDocument } from '../../alerts/document';
import { fitAlert } from '../fit';
import { LEVEL_RANK } from '../levels';
import { headline, oneLine, truncate } from '../summary';
import type { SnsAttribute, SnsMessage } from './publisher';

/** SNS: a message and its attributes together at most 256 KiB (262,144 bytes). */
export const SNS_MAX_BYTES = 262_144;
/** SNS: "Subjects must be UTF-8 text with no line breaks or control characters, and less than 100 characters long." */
export const SUBJECT_MAX = 99;

function attributeBytes(attributes: Readonly<Record<string, SnsAttribute>>): number {
  return Object.entries(attributes).reduce(
    (sum, [name, { dataType, value }]) =>
      sum + Buffer.byteLength(name) + Buffer.byteLength(dataType) + Buffer.byteLength(value),
    0,
  );
}

/**
 * Attributes a subscription's filter policy can select on without reading the message: `level` (e.g.
 * `{"level": ["high", "critical"]}`), `levelRank` (0 informational … 4 critical, for
 * `{"levelRank": [{"numeric": [">=", 3]}]}`), `rule` and `status` (`opened` / `updated`).
 */
export function snsAttributes(alert: AlertDocument): Record<string, SnsAttribute> {
  return {
    level: { dataType: 'String', value: alert.level },
    levelRank: { dataType: 'Number', value: String(LEVEL_RANK[alert.level]) },
    rule: { dataType: 'String', value: alert.rule.key },
    status: { dataType: 'String', value: alert.status },
  };
}

/**
 * The subject (what an e-mail subscriber sees first: `[sluice] HIGH: <rule title>`, one line, under 100
 * characters) and the alert document as indented JSON (readable in an e-mail, parseable by a queue or a
 * function), trimmed to fit 256 KiB together with the attributes.
 */
export function snsMessage(alert: AlertDocument): SnsMessage {
  const attributes = snsAttributes(alert);
  const subject = truncate(oneLine(`[sluice] ${headline(alert)}`), SUBJECT_MAX);
  // A margin for the subject and the request's own framing, which the limit does not state precisely.
  const budget = SNS_MAX_BYTES - attributeBytes(attributes) - Buffer.byteLength(subject) - 1024;
  return {
    subject,
    message: fitAlert(alert, budget, (document) => JSON.stringify(document, null, 2)),
    attributes,
  };
}
