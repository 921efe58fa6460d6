// The webhook delivery queue as the dispatcher uses it: a message whose deliveries must wait comes back after the
// backoff pause (its visibility timeout), instead of the queue's fixed one. At a local endpoint: the local queue.
import { ChangeMessageVisibilityCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { DeliveryQueue } from '../../ports/webhooks.ts';

/** SQS's limit for a visibility timeout */
const MAX_VISIBILITY_SECONDS = 12 * 60 * 60;

export function createSqsClient(local?: { endpoint: string; region: string }): SQSClient {
  return new SQSClient(local ? { ...local, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } } : {});
}

export class SqsDeliveryQueue implements DeliveryQueue {
  constructor(
    private readonly sqs: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async postpone(receiptHandle: string, seconds: number): Promise<void> {
    await this.sqs.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: this.queueUrl,
        ReceiptHandle: receiptHandle,
        VisibilityTimeout: Math.min(MAX_VISIBILITY_SECONDS, Math.max(0, Math.ceil(seconds))),
      }),
    );
  }
}
