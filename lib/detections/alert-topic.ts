import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';

export interface AlertTopicProps {
  /** Addresses subscribed to the topic (each confirms by e-mail). Default: none. */
  readonly emails?: readonly string[];
}

/**
 * The topic `sns` alert routes publish to. Publishers must use TLS, and messages are encrypted at rest
 * with the AWS managed SNS key: alerts quote the records that matched (users, addresses, queries).
 * That key's policy lets every principal of the account use it through SNS, so the publisher needs
 * sns:Publish and no KMS grant; e-mail, SQS and Lambda subscriptions are delivered decrypted.
 */
export class AlertTopic extends Construct {
  readonly topic: sns.Topic;

  constructor(scope: Construct, id: string, props: AlertTopicProps = {}) {
    super(scope, id);
    this.topic = new sns.Topic(this, 'Topic', {
      displayName: 'sluice alerts',
      enforceSSL: true,
      masterKey: kms.Alias.fromAliasName(this, 'Key', 'alias/aws/sns'),
    });
    // SNS keeps one subscription per address and topic: an address two routes name is subscribed once.
    for (const email of new Set(props.emails ?? [])) {
      this.topic.addSubscription(new subscriptions.EmailSubscription(email));
    }
  }
}
