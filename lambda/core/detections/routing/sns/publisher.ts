/** A message attribute as SNS takes it: subscriptions filter on these without reading the message. */
export interface SnsAttribute {
  readonly dataType: 'String' | 'Number';
  readonly value: string;
}

export interface SnsMessage {
  readonly subject: string;
  readonly message: string;
  readonly attributes: Readonly<Record<string, SnsAttribute>>;
}

/** Why a publish failed: SNS's error name and HTTP status, or no status when there was no answer. */
export interface SnsFailure {
  readonly name: string;
  readonly status?: number;
  readonly message: string;
}

export type SnsPublishResult =
  { readonly ok: true; readonly messageId: string } | { readonly ok: false; readonly failure: SnsFailure };

/** Publishes to a topic (the AWS SDK adapter, or a fake in unit tests). Never throws. */
export interface SnsPublisher {
  publish(topicArn: string, message: SnsMessage, timeoutMs: number): Promise<SnsPublishResult>;
}
