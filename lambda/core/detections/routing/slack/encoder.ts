import type { AlertDocument } from '../../alerts/document';
import { countText, groupPairs, headline, summaryText, truncate } from '../summary';

/** Block Kit limits: a header's text, a section's text, a field's text, fields per section. */
const HEADER_MAX = 150;
const SECTION_MAX = 3000;
const FIELD_MAX = 2000;
const FIELDS_MAX = 10;
/** The top-level `text` is what notifications show; kept short like a subject line. */
const TEXT_MAX = 300;

/**
 * Slack reads `&`, `<` and `>` as control characters in mrkdwn (`<!channel>`, `<url|label>`): escaped, a
 * value from a record can neither mention a channel nor make a link.
 */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

const mrkdwn = (text: string, max: number) => ({ type: 'mrkdwn', text: truncate(text, max) });

function field(label: string, value: string) {
  return mrkdwn(`*${label}*\n${escapeMrkdwn(value)}`, FIELD_MAX);
}

export interface SlackMessage {
  readonly text: string;
  readonly blocks: readonly Record<string, unknown>[];
}

/**
 * An incoming-webhook message: `text` (the notification, and what clients without blocks show) and
 * blocks: a header with the level and rule title, the facts as fields (level, count, first and last
 * event time, the group-by values), a link-free summary, and the ids to find the alert again.
 */
export function slackMessage(alert: AlertDocument): SlackMessage {
  const facts = [
    field('Level', alert.level),
    field('Count', countText(alert)),
    ...(alert.occurrences > alert.count ? [field('Records so far', String(alert.occurrences))] : []),
    field('First event', alert.firstEventTime),
    field('Last event', alert.lastEventTime),
  ];
  // Group-by values that do not fit as fields are still in the summary text.
  for (const [name, value] of groupPairs(alert).slice(0, FIELDS_MAX - facts.length)) {
    facts.push(field(name, value));
  }
  const blocks: Record<string, unknown>[] = [
    {
      type: 'header',
      text: { type: 'plain_text', text: truncate(headline(alert), HEADER_MAX), emoji: false },
    },
    { type: 'section', fields: facts },
    { type: 'section', text: mrkdwn(escapeMrkdwn(summaryText(alert)), SECTION_MAX) },
    {
      type: 'context',
      elements: [
        mrkdwn(
          escapeMrkdwn(`alert ${alert.alertId} · rule ${alert.rule.key} · detected ${alert.detectedAt}`),
          SECTION_MAX,
        ),
      ],
    },
  ];
  return { text: truncate(escapeMrkdwn(headline(alert)), TEXT_MAX), blocks };
}
