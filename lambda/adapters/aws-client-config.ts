/**
 * AWS SDK client settings taken from an explicit environment rather than the process's, so one
 * process (the CLI, the local runner, a test) can hold forwarders for different endpoints. Unset
 * values fall back to the SDK's own chain (profiles, instance roles, Lambda's variables).
 */
export function awsClientConfig(env: NodeJS.ProcessEnv) {
  const accessKeyId = env.AWS_ACCESS_KEY_ID;
  const secretAccessKey = env.AWS_SECRET_ACCESS_KEY;
  return {
    region: env.AWS_REGION ?? env.AWS_DEFAULT_REGION,
    endpoint: env.AWS_ENDPOINT_URL,
    credentials:
      accessKeyId && secretAccessKey
        ? { accessKeyId, secretAccessKey, sessionToken: env.AWS_SESSION_TOKEN }
        : undefined,
  };
}
