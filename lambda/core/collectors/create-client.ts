import type { CollectorConfig } from './config';
import type { CollectorClient } from './types';
import { cirrusSiemClient } from './types/cirrus-siem';
import type { CollectorClientDeps } from './types/client-deps';
import { httpJsonClient } from './types/http-json';
import { stellarbridgeEventsClient } from './types/stellarbridge-events';

/** The API client of a configured collector. */
export function createCollectorClient(config: CollectorConfig, deps: CollectorClientDeps): CollectorClient {
  switch (config.type) {
    case 'cirrus-siem':
      return cirrusSiemClient(config, deps);
    case 'stellarbridge-events':
      return stellarbridgeEventsClient(config, deps);
    case 'http-json':
      return httpJsonClient(config, deps);
  }
}
