import { normalizePrefix } from '../layout/key-layout';
import type { QuarantinedMessage } from './batch-plan';

function pad(value: number): string {
  return String(value).padStart(2, '0');
}

/** `<quarantinePrefix>/ingest/YYYY/MM/DD/<id>.json` (UTC day of the write). */
export function quarantineKey(quarantinePrefix: string, at: Date, id: string): string {
  const day = `${at.getUTCFullYear()}/${pad(at.getUTCMonth() + 1)}/${pad(at.getUTCDate())}`;
  const prefix = normalizePrefix(quarantinePrefix);
  return `${prefix === '' ? '' : `${prefix}/`}ingest/${day}/${id}.json`;
}

/**
 * The quarantine object of one invocation: NDJSON, one line per message, with the reason, the
 * message id and the message body exactly as received (as a JSON string), so that an operator can
 * fix and re-send it.
 */
export function quarantineBody(messages: readonly QuarantinedMessage[], at: Date): string {
  return messages
    .map((message) =>
      JSON.stringify({
        quarantinedAt: at.toISOString(),
        stage: 'ingest-batcher',
        code: message.code,
        reason: message.reason,
        messageId: message.messageId,
        body: message.body,
      }),
    )
    .map((line) => `${line}\n`)
    .join('');
}
