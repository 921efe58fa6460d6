import { DeleteCommand, type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { Budget, BudgetStore } from '../../ports/budgets.ts';

const key = (consumerId: string) => ({ pk: `BUDGET#${consumerId}`, sk: 'BUDGET' });

export class DynamoBudgetStore implements BudgetStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async get(consumerId: string): Promise<Budget | undefined> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.tableName, Key: key(consumerId) }));
    return Item
      ? { consumer_id: consumerId, monthly_limit_usd: Number(Item['monthly_limit_usd']), updated_at: String(Item['updated_at']) }
      : undefined;
  }

  async put(budget: Budget): Promise<void> {
    await this.db.send(new PutCommand({ TableName: this.tableName, Item: { ...key(budget.consumer_id), ...budget } }));
  }

  async delete(consumerId: string): Promise<void> {
    await this.db.send(new DeleteCommand({ TableName: this.tableName, Key: key(consumerId) }));
  }
}
