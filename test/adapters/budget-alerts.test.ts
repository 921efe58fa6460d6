// Where budget alerts go: the SNS topic (deployed) and a private JSONL file (local).
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { describe, expect, it } from 'vitest';
import { FileBudgetAlerts } from '../../shared/adapters/local/file-budget-alerts.ts';
import { SnsBudgetAlerts } from '../../shared/adapters/sns/sns-budget-alerts.ts';
import type { BudgetAlert } from '../../shared/ports/budgets.ts';

const ALERT: BudgetAlert = {
  type: 'budget_threshold',
  consumer_id: 'erin',
  month: '2026-12',
  level: 80,
  limit_usd: 10,
  committed_usd: 8.2,
  held_usd: 6,
  settled_usd: 2.2,
  on_exceeded: 'block',
  at: '2026-12-07T03:00:00.000Z',
};

describe('budget alerts', () => {
  it('publishes the alert as JSON with its level as a message attribute', async () => {
    const sent: PublishCommand[] = [];
    const sns = { send: async (c: PublishCommand) => void sent.push(c) } as unknown as SNSClient;
    await new SnsBudgetAlerts(sns, 'arn:aws:sns:us-east-1:0:BudgetAlerts').publish(ALERT);
    expect(sent).toHaveLength(1);
    const input = sent[0]!.input;
    expect(input.TopicArn).toBe('arn:aws:sns:us-east-1:0:BudgetAlerts');
    expect(JSON.parse(input.Message!)).toEqual(ALERT);
    expect(input.Subject).toBe('GPU Shopper budget 80%: erin');
    expect(input.MessageAttributes?.['level']).toEqual({ DataType: 'Number', StringValue: '80' });
  });

  it('locally appends one JSON line per alert to a file only its owner can read', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gs-alerts-'));
    const logged: string[] = [];
    const alerts = new FileBudgetAlerts(join(dir, 'data'), (m) => logged.push(m));
    await alerts.publish(ALERT);
    await alerts.publish({ ...ALERT, level: 100 });
    const lines = readFileSync(alerts.file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as BudgetAlert);
    expect(lines.map((l) => l.level)).toEqual([80, 100]);
    expect(statSync(alerts.file).mode & 0o777).toBe(0o600);
    expect(logged).toHaveLength(2);
  });
});
