/**
 * AWS SDK client settings taken from an explicit environment rather than the process's, so one
 * process (the CLI, the local runner, a test) can hold forwarders for different endpoints. Unset
 * values fall back to the SDK's own chain (profiles, instance roles, Lambda's variables).
 *
 * `serviceId` (the SDK's, e.g. `DynamoDB`) honours the SDK's service-specific endpoint variable
 * `AWS_ENDPOINT_URL_<SERVICE ID>` (e.g. `AWS_ENDPOINT_URL_DYNAMODB`) before `AWS_ENDPOINT_URL`, as
 * the SDK does when it reads the process's environment itself: it cannot here, because an explicit
 * `endpoint` overrides its own lookup. Default: no service (`AWS_ENDPOINT_URL` only).
 */
export function awsClientConfig(env: NodeJS.ProcessEnv, serviceId?: string) {
  const accessKeyId = env.AWS_ACCESS_KEY_ID;
  const secretAccessKey = env.AWS_SECRET_ACCESS_KEY;
  const serviceEndpoint =
    serviceId === undefined
      ? undefined
      : env[`AWS_ENDPOINT_URL_${serviceId.toUpperCase().replace(/ /g, '_')}`];
  return {
    region: env.AWS_REGION ?? env.AWS_DEFAULT_REGION,
    endpoint: serviceEndpoint || env.AWS_ENDPOINT_URL,
    credentials:
      accessKeyId && secretAccessKey
        ? { accessKeyId, secretAccessKey, sessionToken: env.AWS_SESSION_TOKEN }
        : undefined,
  };
}
