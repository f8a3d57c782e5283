import { serve } from '../lib/child';
import {
  startBulkReceiver,
  startEntraTokenReceiver,
  startHecReceiver,
  startLogsIngestionReceiver,
} from '../../test/support/receivers';
import { DISTANT_HEC_DELAY_MS } from '../lib/cli-report';
import { BENCH_ES_API_KEY, BENCH_HEC_TOKEN, BENCH_SENTINEL, type ReceiverUrls } from '../lib/forwarder';

/**
 * The local Splunk HEC (with and without indexer acknowledgement), Elasticsearch `_bulk`, Entra ID
 * token and Logs Ingestion API receivers, in a process (and on a core) of their own, as a SIEM is
 * on another machine. They authenticate, decompress and parse every request as the real ones do;
 * documents are counted, not kept.
 */
async function main(): Promise<void> {
  const hec = await startHecReceiver({ token: BENCH_HEC_TOKEN, store: false, trackDuplicates: false });
  // A SIEM across a network: every answer comes 25 ms later (the CLI table's concurrency rows).
  const distantHec = await startHecReceiver({
    token: BENCH_HEC_TOKEN,
    store: false,
    trackDuplicates: false,
    delayMs: DISTANT_HEC_DELAY_MS,
  });
  const bulk = await startBulkReceiver({
    auth: { apiKey: BENCH_ES_API_KEY },
    store: false,
    dataStreams: true,
  });
  // Indexer acknowledgement on the token; an ackId reads true at the first query that asks for it.
  const hecAck = await startHecReceiver({
    token: BENCH_HEC_TOKEN,
    store: false,
    trackDuplicates: false,
    ack: { pendingQueries: 0 },
  });
  const entra = await startEntraTokenReceiver({
    tenantId: BENCH_SENTINEL.tenantId,
    clientId: BENCH_SENTINEL.clientId,
    clientSecret: BENCH_SENTINEL.clientSecret,
  });
  const logsIngestion = await startLogsIngestionReceiver({
    dcrImmutableId: BENCH_SENTINEL.dcrImmutableId,
    streams: BENCH_SENTINEL.streams,
    tokens: entra.verifier,
    publishers: [BENCH_SENTINEL.clientId],
    store: false,
  });
  const urls: ReceiverUrls = {
    hec: hec.url,
    bulk: bulk.url,
    distantHec: distantHec.url,
    hecAck: hecAck.url,
    logsIngestion: logsIngestion.url,
    entra: entra.url,
  };
  serve(
    { ...urls },
    {
      stats: () => ({
        hec: { ...hec.counters },
        distantHec: { ...distantHec.counters },
        hecAck: { ...hecAck.counters, ...hecAck.ackCounters },
        bulk: { ...bulk.counters },
        logsIngestion: { ...logsIngestion.counters },
        entra: { ...entra.counters },
        rssBytes: process.memoryUsage().rss,
        cpuMs: (process.cpuUsage().user + process.cpuUsage().system) / 1000,
      }),
      clear: () => {
        hec.clear();
        distantHec.clear();
        hecAck.clear();
        bulk.clear();
        logsIngestion.clear();
        return true;
      },
    },
  );
  process.once('SIGTERM', () => {
    void Promise.all([
      hec.close(),
      distantHec.close(),
      hecAck.close(),
      bulk.close(),
      entra.close(),
      logsIngestion.close(),
    ]).then(() => process.exit(0));
  });
}

void main();
