import { Stack, Validations } from 'aws-cdk-lib';

/**
 * Findings on resources that aws-cdk-lib creates on our behalf (not configurable through their L2
 * props). Each has a written reason; anything sluice itself creates must pass AwsSolutions unaided.
 */
export function acknowledgeCdkProvidedResources(stack: Stack): void {
  for (const child of stack.node.children) {
    if (child.node.id.startsWith('BucketNotificationsHandler')) {
      Validations.of(child).acknowledge({
        id: 'AwsSolutions::AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        reason:
          "aws-cdk-lib's bucket-notification custom resource runs once per deployment to call PutBucketNotificationConfiguration; AWSLambdaBasicExecutionRole only lets it write its own CloudWatch logs.",
      });
    }
  }
}
