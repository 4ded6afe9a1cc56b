// Digest mode (ALERT_DIGEST_MINUTES > 0): every N minutes, one mail listing the fraud mails the
// batches queued since the last one (src/activities/alert-digest.ts). One run per topic, started by
// the workers (`alert-digest-<topic>`); it continues as new now and then so its history stays short.
import { continueAsNew, proxyActivities, sleep } from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';
import type { AlertDigestInput } from '../contract/batch.ts';

const ROUNDS_PER_RUN = 100;

const digests = proxyActivities<Activities>({
  startToCloseTimeout: '2m',
  heartbeatTimeout: '30s',
  retry: { initialInterval: '1s', maximumInterval: '30s' },
});

export async function alertDigest(input: AlertDigestInput): Promise<void> {
  for (let round = 0; round < ROUNDS_PER_RUN; round++) {
    await sleep(input.everyMinutes * 60_000);
    await digests.sendAlertDigest({ topic: input.topic });
  }
  await continueAsNew<typeof alertDigest>(input);
}
