import { Stack, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * cdk-nag (AwsSolutions) acknowledgements for findings a construct cannot avoid, each with its
 * reason. They are scoped to the construct that causes them, and written with the plugin prefix so
 * that the validation report lists them, with the reason, as suppressed.
 */
export function acknowledgeNag(scope: IConstruct, rule: string, reason: string): void {
  Validations.of(scope).acknowledge({ id: `AwsSolutions::AwsSolutions-${rule}`, reason });
}

/** cdk-nag's flat spelling of a resolved CloudFormation value (`<Logical.Attr>`, `<AWS::Partition>`). */
function flatten(node: unknown): string {
  if (node === undefined) return '';
  if (typeof node === 'string') return node.replace(/\$\{/g, '<').replace(/}/g, '>');
  const value = node as Record<string, unknown>;
  if (Array.isArray(value['Fn::Join'])) {
    const [delimiter, items] = value['Fn::Join'] as [string, unknown[]];
    return items.map(flatten).join(delimiter);
  }
  if (value['Fn::Sub'] !== undefined) return flatten(value['Fn::Sub']);
  if (Array.isArray(value['Fn::GetAtt'])) {
    const [resource, attribute] = value['Fn::GetAtt'] as [unknown, unknown];
    return `<${flatten(resource)}.${flatten(attribute)}>`;
  }
  if (value['Fn::ImportValue'] !== undefined) return flatten(value['Fn::ImportValue']);
  if (value.Ref !== undefined) return `<${flatten(value.Ref)}>`;
  return JSON.stringify(node);
}

/** Acknowledges AwsSolutions-IAM5 for exactly these wildcard resources (and no other wildcard). */
export function acknowledgeWildcardResources(
  scope: IConstruct,
  resources: readonly string[],
  reason: string,
): void {
  const stack = Stack.of(scope);
  for (const resource of resources) {
    acknowledgeNag(scope, `IAM5[Resource::${flatten(stack.resolve(resource))}]`, reason);
  }
}

/**
 * Findings on resources that aws-cdk-lib creates on our behalf (not configurable through their L2
 * props). Each has a written reason; anything sluice itself creates must pass AwsSolutions unaided.
 */
export function acknowledgeCdkProvidedResources(stack: Stack): void {
  for (const child of stack.node.children) {
    if (child.node.id.startsWith('BucketNotificationsHandler')) {
      acknowledgeNag(
        child,
        'IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        "aws-cdk-lib's bucket-notification custom resource runs once per deployment to call PutBucketNotificationConfiguration; AWSLambdaBasicExecutionRole only lets it write its own CloudWatch logs.",
      );
    }
  }
}
