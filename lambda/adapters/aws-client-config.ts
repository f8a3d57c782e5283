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
/**
 * Settings every sluice Lambda's SDK clients share. `cacheMiddleware`: a client resolves a command's
 * middleware stack once per command class instead of on every request, which the SDK documents as
 * saving up to a millisecond per request (measured here: 0.1-0.2 ms of the 0.9-1.9 ms of CPU a
 * DynamoDB request costs; the detections stage sends several per 1,000 records). Its condition holds:
 * sluice never changes a client's or a command's middleware after it has sent a request.
 */
export const SDK_CLIENT_DEFAULTS = { cacheMiddleware: true } as const;

export function awsClientConfig(env: NodeJS.ProcessEnv, serviceId?: string) {
  const accessKeyId = env.AWS_ACCESS_KEY_ID;
  const secretAccessKey = env.AWS_SECRET_ACCESS_KEY;
  const serviceEndpoint =
    serviceId === undefined
      ? undefined
      : env[`AWS_ENDPOINT_URL_${serviceId.toUpperCase().replace(/ /g, '_')}`];
  return {
    ...SDK_CLIENT_DEFAULTS,
    region: env.AWS_REGION ?? env.AWS_DEFAULT_REGION,
    endpoint: serviceEndpoint || env.AWS_ENDPOINT_URL,
    credentials:
      accessKeyId && secretAccessKey
        ? { accessKeyId, secretAccessKey, sessionToken: env.AWS_SESSION_TOKEN }
        : undefined,
  };
}
