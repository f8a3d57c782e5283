/**
 * The variables a command needs against a local endpoint (moto, LocalStack) on a machine without
 * AWS configuration: a region, and credentials the endpoint accepts (it checks none), so the SDK
 * does not stop at "Region is missing" or "Could not load credentials". Never the operator's own.
 */
export function localAwsEnv(endpoint?: string, region = 'us-east-1'): string {
  return `${endpoint ? `AWS_ENDPOINT_URL=${endpoint} ` : ''}AWS_REGION=${region} AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test`;
}
