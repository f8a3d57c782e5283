import { SluiceError } from '../../errors';
import type { HttpTransport } from '../../http/client';
import type { SecretSource } from '../../sinks/types';
import type { AlertChannel } from './channel';
import type { AlertRouteConfig } from './config';
import { createHttpChannel, type HttpAlertProtocol } from './http-channel';
import { pagerDutyProtocol } from './pagerduty/protocol';
import type { SenderOptions } from './sender';
import { slackProtocol } from './slack/protocol';
import { createSnsChannel } from './sns/channel';
import type { SnsPublisher } from './sns/publisher';
import type { Route } from './table';
import { webhookProtocol } from './webhook/protocol';

export interface ChannelDependencies {
  /** A secret by ARN (the Secrets Manager adapter's `source`). */
  readonly secret: (arn: string) => SecretSource;
  /** One HTTP client per channel, owning its keep-alive sockets. */
  readonly transport: (route: Route) => HttpTransport;
  /** The stack's alert topic, for `sns` routes. */
  readonly sns?: { readonly publisher: SnsPublisher; readonly topicArn: string };
  readonly sender?: SenderOptions;
}

/** Requests in flight per channel: Slack takes about one message a second, the others more. */
const CONCURRENCY: Readonly<Record<HttpAlertProtocol['type'], number>> = {
  slack: 1,
  pagerduty: 4,
  webhook: 4,
};

function protocolOf(config: Exclude<AlertRouteConfig, { type: 'sns' }>): HttpAlertProtocol {
  switch (config.type) {
    case 'slack':
      return slackProtocol;
    case 'pagerduty':
      return pagerDutyProtocol(config.url, config.source);
    case 'webhook':
      return webhookProtocol;
  }
}

/** The channel of each route, by route name. */
export function createAlertChannels(
  routes: readonly Route[],
  dependencies: ChannelDependencies,
): Map<string, AlertChannel> {
  const channels = new Map<string, AlertChannel>();
  for (const route of routes) {
    const { config } = route;
    const requestTimeoutMs = config.timeoutSeconds * 1000;
    if (config.type === 'sns') {
      if (!dependencies.sns) {
        throw new SluiceError(
          'CONFIG_INVALID',
          `alert route ${route.name} sends to SNS, but no alert topic was given`,
          {
            route: route.name,
          },
        );
      }
      channels.set(
        route.name,
        createSnsChannel({
          name: route.name,
          requestTimeoutMs,
          sender: dependencies.sender,
          ...dependencies.sns,
        }),
      );
      continue;
    }
    const protocol = protocolOf(config);
    channels.set(
      route.name,
      createHttpChannel({
        name: route.name,
        protocol,
        transport: dependencies.transport(route),
        secret: dependencies.secret(config.secretArn),
        requestTimeoutMs,
        concurrency: CONCURRENCY[protocol.type],
        sender: dependencies.sender,
      }),
    );
  }
  return channels;
}
