import { readRaw, sendJson, startLoopbackServer } from './server';

export interface SqsEntryFault {
  /** SendMessageBatch entries whose body contains this string fail. */
  readonly marker: string;
  /** The per-entry `Code`, e.g. `KMS.DisabledException`. */
  readonly code: string;
  readonly message: string;
  /** Default: true (SQS blames the sender). */
  readonly senderFault?: boolean;
}

export interface SqsEntryFaultProxy {
  /** The endpoint SQS clients use instead of moto's. */
  readonly url: string;
  /** The fault applied from now on; `undefined` passes every request through (the key fixed). */
  fault: SqsEntryFault | undefined;
  close(): Promise<void>;
}

/**
 * An SQS endpoint in front of moto that fails chosen SendMessageBatch entries the way SQS does for
 * failures moto cannot produce (a disabled KMS key, a denying policy): it forwards the other entries
 * to moto and answers moto's result with the failed entries added to `Failed[]`, in the documented
 * JSON shape (`Id`, `SenderFault`, `Code`, `Message`). Every other request passes through unchanged.
 */
export async function startSqsEntryFaultProxy(
  motoEndpoint: string,
  fault?: SqsEntryFault,
): Promise<SqsEntryFaultProxy> {
  const state: { fault: SqsEntryFault | undefined } = { fault };
  const server = await startLoopbackServer(async (req, res) => {
    const raw = await readRaw(req);
    const headers = Object.fromEntries(
      Object.entries(req.headers)
        .filter(([name]) => !['host', 'content-length', 'connection'].includes(name))
        .map(([name, value]) => [name, String(value)]),
    );
    const forward = (body: Buffer | string) =>
      fetch(`${motoEndpoint}${req.url ?? '/'}`, { method: req.method, headers, body });
    const current = state.fault;
    if (!current || req.headers['x-amz-target'] !== 'AmazonSQS.SendMessageBatch') {
      const answer = await forward(raw);
      res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'text/plain' });
      res.end(Buffer.from(await answer.arrayBuffer()));
      return;
    }
    const request = JSON.parse(raw.toString('utf8')) as { Entries: { Id: string; MessageBody: string }[] };
    const failing = request.Entries.filter((entry) => entry.MessageBody.includes(current.marker));
    const passing = request.Entries.filter((entry) => !failing.includes(entry));
    let result: { Successful?: unknown[]; Failed?: unknown[] } = { Successful: [], Failed: [] };
    if (passing.length > 0) {
      const answer = await forward(JSON.stringify({ ...request, Entries: passing }));
      if (!answer.ok) {
        res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'text/plain' });
        res.end(Buffer.from(await answer.arrayBuffer()));
        return;
      }
      result = (await answer.json()) as typeof result;
    }
    sendJson(
      res,
      200,
      {
        Successful: result.Successful ?? [],
        Failed: [
          ...(result.Failed ?? []),
          ...failing.map((entry) => ({
            Id: entry.Id,
            SenderFault: current.senderFault ?? true,
            Code: current.code,
            Message: current.message,
          })),
        ],
      },
      { 'content-type': 'application/x-amz-json-1.0' },
    );
  }, 'sqs-entry-fault-proxy');
  return {
    url: server.url,
    get fault() {
      return state.fault;
    },
    set fault(value) {
      state.fault = value;
    },
    close: () => server.close(),
  };
}
