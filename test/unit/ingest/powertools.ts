import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';

/** Powertools instances that stay quiet in test output. */
export function quietLogger(): Logger {
  return new Logger({ serviceName: 'test', logLevel: 'SILENT' });
}

export function quietMetrics(): Metrics {
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
  return new Metrics({ namespace: 'SluiceTest', serviceName: 'test' });
}
