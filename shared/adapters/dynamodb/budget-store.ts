import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { MonthCommitment } from '../../domain/budget-hold.ts';
import type { AlertLevel, Budget, BudgetStore } from '../../ports/budgets.ts';
import { readCommitment } from './budget-counter.ts';
import { budgetKey, monthKey } from './budget-keys.ts';

export class DynamoBudgetStore implements BudgetStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async get(consumerId: string): Promise<Budget | undefined> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.tableName, Key: budgetKey(consumerId), ConsistentRead: true }));
    return Item
      ? {
          consumer_id: consumerId,
          monthly_limit_usd: Number(Item['monthly_limit_usd']),
          on_exceeded: Item['on_exceeded'] === 'stop' ? 'stop' : 'block',
          updated_at: String(Item['updated_at']),
        }
      : undefined;
  }

  async put(budget: Budget): Promise<void> {
    await this.db.send(new PutCommand({ TableName: this.tableName, Item: { ...budgetKey(budget.consumer_id), ...budget } }));
  }

  async delete(consumerId: string): Promise<void> {
    await this.db.send(new DeleteCommand({ TableName: this.tableName, Key: budgetKey(consumerId) }));
  }

  commitment(consumerId: string, month: string): Promise<MonthCommitment> {
    return readCommitment(this.db, this.tableName, consumerId, month);
  }

  async markAlerted(consumerId: string, month: string, level: AlertLevel, at: string): Promise<boolean> {
    const flag = `alerted_${level}`;
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: monthKey(consumerId, month),
          UpdateExpression: 'SET #flag = :at',
          ConditionExpression: 'attribute_not_exists(#flag)',
          ExpressionAttributeNames: { '#flag': flag },
          ExpressionAttributeValues: { ':at': at },
        }),
      );
      return true;
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) return false;
      throw err;
    }
  }
}
