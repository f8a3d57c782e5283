import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryAlertStore } from '../../../../lambda/core/detections/alerts/store';
import { RuleIndex } from '../../../../lambda/core/detections/rule-index';
import { alertRoute } from '../../../../lambda/core/detections/routing/config';
import { createDetectionFanout } from '../../../../lambda/core/detections/stage/detection-fanout';
import { MemoryWindowStore } from '../../../../lambda/core/detections/windows/memory-store';
import { objectsStartedAtOnce } from '../../forward/fakes';
import { MemoryAlertWriter, rules } from './support';

describe('the detections fan-out beside a SIEM destination', () => {
  it('lets as many objects run at once as the SIEM destination allows, alert routes and all', async () => {
    const fanout = createDetectionFanout({
      index: new RuleIndex(rules(), [{ name: 'app' }]),
      windows: new MemoryWindowStore(),
      alerts: new MemoryAlertStore(),
      writer: new MemoryAlertWriter(),
      alertsPrefix: 'sluice',
      dedupPeriodMs: 3_600_000,
      latenessMs: 86_400_000,
      routes: [alertRoute.parse({ type: 'sns' })],
      channels: {
        secret: () => ({ get: async () => '', refresh: async () => '' }),
        transport: () => {
          throw new Error('no HTTP route here');
        },
        sns: { publisher: { publish: async () => ({ ok: true, messageId: 'm' }) }, topicArn: 'arn:t' },
      },
    });
    // As the forwarder's handler builds them: the configured destinations, then the fan-out's.
    const { started } = await objectsStartedAtOnce(
      [{ sink: { name: 'splunk' }, maxInFlight: 4 }, ...fanout.destinations],
      6,
    );
    assert.deepEqual(started, [0, 1, 2, 3]);
    fanout.close();
  });
});
