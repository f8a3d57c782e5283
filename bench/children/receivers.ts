import { serve } from '../lib/child';
import { startBulkReceiver, startHecReceiver } from '../../test/support/receivers';
import { DISTANT_HEC_DELAY_MS } from '../lib/cli-report';
import { BENCH_ES_API_KEY, BENCH_HEC_TOKEN } from '../lib/forwarder';

/**
 * The local Splunk HEC and Elasticsearch `_bulk` receivers, in a process (and on a core) of their
 * own, as a SIEM is on another machine. They authenticate, decompress and parse every request as
 * the real ones do; documents are counted, not kept.
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
  serve(
    { hec: hec.url, bulk: bulk.url, distantHec: distantHec.url },
    {
      stats: () => ({
        hec: { ...hec.counters },
        distantHec: { ...distantHec.counters },
        bulk: { ...bulk.counters },
        rssBytes: process.memoryUsage().rss,
        cpuMs: (process.cpuUsage().user + process.cpuUsage().system) / 1000,
      }),
      clear: () => {
        hec.clear();
        distantHec.clear();
        bulk.clear();
        return true;
      },
    },
  );
  process.once('SIGTERM', () => {
    void Promise.all([hec.close(), distantHec.close(), bulk.close()]).then(() => process.exit(0));
  });
}

void main();
