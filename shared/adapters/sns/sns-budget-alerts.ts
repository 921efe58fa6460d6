// Budget alerts to the stack's SNS topic: e-mail, chat or a queue subscribe to it.
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { BudgetAlert, BudgetAlerts } from '../../ports/budgets.ts';

export class SnsBudgetAlerts implements BudgetAlerts {
  constructor(
    private readonly sns: SNSClient,
    private readonly topicArn: string,
  ) {}

  async publish(alert: BudgetAlert): Promise<void> {
    await this.sns.send(
      new PublishCommand({
        TopicArn: this.topicArn,
        // SNS subjects are ASCII, at most 100 characters
        Subject: `GPU Shopper budget ${alert.level}%: ${alert.consumer_id}`.slice(0, 100),
        Message: JSON.stringify(alert),
        MessageAttributes: {
          type: { DataType: 'String', StringValue: alert.type },
          level: { DataType: 'Number', StringValue: String(alert.level) },
        },
      }),
    );
  }
}
