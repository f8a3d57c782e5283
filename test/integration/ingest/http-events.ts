import type { APIGatewayProxyEventV2 } from 'aws-lambda';

/** An API Gateway HTTP API (payload format 2.0) request event, as the endpoint function receives it. */
export function httpEvent(options: {
  readonly method?: string;
  readonly path: string;
  readonly headers?: Record<string, string>;
  readonly body?: string | Buffer;
  readonly base64?: boolean;
}): APIGatewayProxyEventV2 {
  const method = options.method ?? 'POST';
  const base64 = options.base64 ?? Buffer.isBuffer(options.body);
  const body =
    options.body === undefined
      ? undefined
      : Buffer.isBuffer(options.body)
        ? options.body.toString('base64')
        : base64
          ? Buffer.from(options.body).toString('base64')
          : options.body;
  return {
    version: '2.0',
    routeKey: `${method} ${options.path}`,
    rawPath: options.path,
    rawQueryString: '',
    headers: { host: 'abc123.execute-api.us-east-1.amazonaws.com', ...(options.headers ?? {}) },
    requestContext: {
      accountId: '123456789012',
      apiId: 'abc123',
      domainName: 'abc123.execute-api.us-east-1.amazonaws.com',
      domainPrefix: 'abc123',
      http: { method, path: options.path, protocol: 'HTTP/1.1', sourceIp: '203.0.113.10', userAgent: 'test' },
      requestId: 'req-1',
      routeKey: `${method} ${options.path}`,
      stage: '$default',
      time: '01/Feb/2024:18:50:04 +0000',
      timeEpoch: 1706813404000,
    },
    body,
    isBase64Encoded: base64,
  };
}
