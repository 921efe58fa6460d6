// The DynamoDB store adapters against the store contracts (the in-memory fakes meet the same suite in
// test/unit/memory-stores.test.ts). A fresh table per case: listings see only what the case wrote.
import { DynamoBudgetStore } from '../../shared/adapters/dynamodb/budget-store.ts';
import { DynamoCostLedger } from '../../shared/adapters/dynamodb/cost-ledger.ts';
import { DynamoSessionEventLog } from '../../shared/adapters/dynamodb/session-event-log.ts';
import { DynamoSessionStore } from '../../shared/adapters/dynamodb/session-store/store.ts';
import { DynamoVerificationHistory } from '../../shared/adapters/dynamodb/verification-history.ts';
import { storeContracts } from '../contracts/store-contracts.ts';
import { freshTable } from '../support/table.ts';

storeContracts('DynamoDB', async () => {
  const { db, tableName } = await freshTable('contract');
  const budgets = new DynamoBudgetStore(db, tableName);
  return {
    sessions: new DynamoSessionStore(db, tableName),
    events: new DynamoSessionEventLog(db, tableName),
    costs: new DynamoCostLedger(db, tableName),
    history: new DynamoVerificationHistory(db, tableName),
    setLimit: async (consumerId, usd) =>
      usd === null
        ? budgets.delete(consumerId)
        : budgets.put({ consumer_id: consumerId, monthly_limit_usd: usd, on_exceeded: 'block', updated_at: new Date().toISOString() }),
    committed: async (consumerId, month) => (await budgets.commitment(consumerId, month)).committed_usd,
  };
});
