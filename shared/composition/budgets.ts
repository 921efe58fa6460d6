// Wiring of the budget watch (alerts, on_exceeded) once per process: SNS when BUDGET_ALERT_TOPIC_ARN is set
// (deployed), a JSONL file under DATA_DIR otherwise (local). State-machine tasks get a watch that only alerts: a
// task may not start teardowns (the teardown machine invokes them), so the sweep and the costs API enforce stop.
import { SNSClient } from '@aws-sdk/client-sns';
import { DynamoBudgetStore } from '../adapters/dynamodb/budget-store.ts';
import { FileBudgetAlerts } from '../adapters/local/file-budget-alerts.ts';
import { SnsBudgetAlerts } from '../adapters/sns/sns-budget-alerts.ts';
import { config } from '../config.ts';
import { logger } from '../observability/powertools.ts';
import { traced } from '../observability/tracing.ts';
import type { BudgetAlerts } from '../ports/budgets.ts';
import { type BudgetWatch, budgetWatch } from '../use-cases/costs/budget-watch.ts';
import { stopOverBudget } from '../use-cases/costs/stop-over-budget.ts';
import { BusBudgetAlerts, FanOutBudgetAlerts } from '../use-cases/events/bus-budget-alerts.ts';
import { consumerEventsWired, sharedEventPublisher } from './consumer-events.ts';
import { sharedStores, sharedWorkflows, systemClock } from './shared-clients.ts';

const watches = new Map<boolean, BudgetWatch>();
let store: DynamoBudgetStore | undefined;

export function sharedBudgets(): DynamoBudgetStore {
  const { db, tableName } = sharedStores();
  store ??= new DynamoBudgetStore(db, tableName);
  return store;
}

function alertsFromEnv(): BudgetAlerts {
  const topicArn = config().get('BUDGET_ALERT_TOPIC_ARN');
  if (topicArn) return new SnsBudgetAlerts(traced(new SNSClient({})), topicArn);
  return new FileBudgetAlerts(config().get('DATA_DIR'), (message, alert) => logger.warn(message, { alert }));
}

let alerts: BudgetAlerts | undefined;

export function sharedBudgetWatch(opts: { stops: boolean }): BudgetWatch {
  const known = watches.get(opts.stops);
  if (known) return known;
  const { sessions, events } = sharedStores();
  // the consumer's webhooks hear of the alert too (budget.threshold), beside the topic or file
  alerts ??= consumerEventsWired()
    ? new FanOutBudgetAlerts([alertsFromEnv(), new BusBudgetAlerts(sharedEventPublisher())])
    : alertsFromEnv();
  const watch = budgetWatch({
    budgets: sharedBudgets(),
    alerts,
    clock: systemClock,
    ...(opts.stops
      ? {
          stopSessions: (consumerId: string) =>
            stopOverBudget({ sessions, events, workflows: sharedWorkflows(), clock: systemClock }, consumerId),
        }
      : {}),
    onError: (err) => logger.error('budget watch failed', { error: err as Error }),
  });
  watches.set(opts.stops, watch);
  return watch;
}
