// The local stand-in for the stack's EventBridge bus, its rule and the delivery queue: an HTTP endpoint that speaks
// the two calls the handlers make (EventBridge PutEvents, SQS ChangeMessageVisibility), so the same SDK adapters run
// locally as deployed, whichever thread or process a handler runs in. Events with the consumer-events source are
// queued and handed to the dispatcher function through the Lambda host as the SQS event it gets in AWS; a message it
// reports failed comes back after its (postponed) visibility, and past maxReceiveCount it is dead-lettered.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SQSBatchResponse } from 'aws-lambda';
import { consumerEvents } from '../shared/app-model.ts';
import { logger } from '../shared/observability/powertools.ts';
import type { LambdaHost } from './lambda-host.ts';

const LOCAL_BUS_NAME = 'gpu-shopper-local';
const QUEUE_PATH = '/000000000000/webhook-deliveries';
const MAX_BODY = 1024 * 1024;

interface Message {
  id: string;
  body: string;
  receives: number;
  receiptHandle?: string;
  visibleAt: number;
  timer?: NodeJS.Timeout;
}

interface LocalEventBusOptions {
  lambdas: LambdaHost;
  /** how long a received message stays invisible unless the dispatcher postpones it (SQS's visibility timeout) */
  visibilitySeconds?: number;
  maxReceiveCount?: number;
}

export class LocalEventBus {
  private server?: Server;
  private endpoint = '';
  private readonly queue = new Map<string, Message>();
  private readonly inFlight = new Set<Promise<void>>();
  private stopped = false;
  /** every event put on the bus, in order (tests and the local operator read it) */
  readonly published: Record<string, unknown>[] = [];
  readonly deadLetters: { id: string; body: string; receives: number }[] = [];

  constructor(private readonly options: LocalEventBusOptions) {}

  async listen(host: string): Promise<string> {
    this.server = createServer((req, res) => void this.serve(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, host, resolve));
    this.endpoint = `http://${host}:${(this.server.address() as AddressInfo).port}`;
    return this.endpoint;
  }

  /** the environment the handlers need to reach this bus and queue */
  env(): Record<string, string> {
    return {
      EVENT_BUS_NAME: LOCAL_BUS_NAME,
      EVENTS_ENDPOINT: this.endpoint,
      SQS_ENDPOINT: this.endpoint,
      DELIVERY_QUEUE_URL: `${this.endpoint}${QUEUE_PATH}`,
    };
  }

  /** messages still queued (waiting for a retry, or being dispatched) */
  get pending(): number {
    return this.queue.size;
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > MAX_BODY) return this.answer(res, 413, { __type: 'RequestTooLarge' }, '1.1');
      chunks.push(chunk);
    }
    let input: Record<string, unknown>;
    try {
      input = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
    } catch {
      return this.answer(res, 400, { __type: 'SerializationException' }, '1.1');
    }
    const target = String(req.headers['x-amz-target'] ?? '');
    if (target === 'AWSEvents.PutEvents') return this.answer(res, 200, this.putEvents(input), '1.1');
    if (target === 'AmazonSQS.ChangeMessageVisibility') {
      const ok = this.changeVisibility(String(input['ReceiptHandle']), Number(input['VisibilityTimeout']));
      return ok
        ? this.answer(res, 200, {}, '1.0')
        : this.answer(res, 400, { __type: 'com.amazonaws.sqs#ReceiptHandleIsInvalid', message: 'unknown receipt handle' }, '1.0');
    }
    return this.answer(res, 400, { __type: 'UnknownOperationException', message: `not served locally: ${target}` }, '1.1');
  }

  private answer(res: ServerResponse, status: number, body: unknown, json: '1.0' | '1.1'): void {
    res.writeHead(status, { 'content-type': `application/x-amz-json-${json}` });
    res.end(JSON.stringify(body));
  }

  private putEvents(input: Record<string, unknown>) {
    const entries = (input['Entries'] as Record<string, unknown>[] | undefined) ?? [];
    const out = entries.map((entry) => {
      const id = randomUUID();
      let detail: unknown;
      try {
        detail = JSON.parse(String(entry['Detail'] ?? '{}'));
      } catch {
        return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is not JSON' };
      }
      const envelope = {
        version: '0',
        id,
        'detail-type': entry['DetailType'],
        source: entry['Source'],
        account: '000000000000',
        time: entry['Time'] ? new Date(Number(entry['Time']) * 1000 || String(entry['Time'])).toISOString() : new Date().toISOString(),
        region: 'local',
        resources: [],
        detail,
      };
      this.published.push(envelope);
      // the rule: every consumer event goes to the delivery queue
      if (entry['Source'] === consumerEvents.source) this.enqueue(JSON.stringify(envelope));
      return { EventId: id };
    });
    return { FailedEntryCount: out.filter((e) => 'ErrorCode' in e).length, Entries: out };
  }

  private enqueue(body: string): void {
    const message: Message = { id: randomUUID(), body, receives: 0, visibleAt: Date.now() };
    this.queue.set(message.id, message);
    this.schedule(message);
  }

  private schedule(message: Message): void {
    if (this.stopped) return;
    clearTimeout(message.timer);
    message.timer = setTimeout(() => this.receive(message), Math.max(0, message.visibleAt - Date.now()));
  }

  private changeVisibility(receiptHandle: string, seconds: number): boolean {
    const message = [...this.queue.values()].find((m) => m.receiptHandle === receiptHandle);
    if (!message || !Number.isFinite(seconds)) return false;
    message.visibleAt = Date.now() + seconds * 1000;
    return true;
  }

  private receive(message: Message): void {
    message.receives += 1;
    message.receiptHandle = randomUUID();
    message.visibleAt = Date.now() + (this.options.visibilitySeconds ?? 30) * 1000;
    const event = {
      Records: [
        {
          messageId: message.id,
          receiptHandle: message.receiptHandle,
          body: message.body,
          attributes: { ApproximateReceiveCount: String(message.receives) },
          messageAttributes: {},
          eventSource: 'aws:sqs',
          eventSourceARN: 'arn:aws:sqs:local:000000000000:webhook-deliveries',
          awsRegion: 'local',
        },
      ],
    };
    const run = this.options.lambdas
      .invoke<SQSBatchResponse>(consumerEvents.dispatcherFunctionId, event)
      .then((out) => !out?.batchItemFailures?.some((f) => f.itemIdentifier === message.id))
      .catch((err: unknown) => {
        logger.error('local webhook dispatch failed', { error: err as Error });
        return false;
      })
      .then((done) => {
        if (done) {
          this.queue.delete(message.id);
        } else if (message.receives >= (this.options.maxReceiveCount ?? consumerEvents.maxReceiveCount)) {
          this.queue.delete(message.id);
          this.deadLetters.push({ id: message.id, body: message.body, receives: message.receives });
        } else {
          this.schedule(message);
        }
      });
    const tracked = run.finally(() => this.inFlight.delete(tracked));
    this.inFlight.add(tracked);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const m of this.queue.values()) clearTimeout(m.timer);
    await Promise.all(this.inFlight);
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
