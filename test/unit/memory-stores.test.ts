// The in-memory fakes the use-case tests run on, held to the store contracts the DynamoDB adapters meet
// (test/adapters/store-contracts.test.ts runs the same suite against DynamoDB Local).
import { storeContracts } from '../contracts/store-contracts.ts';
import { MemoryCostLedger } from '../fakes/memory-cost-ledger.ts';
import { MemorySessionEventLog } from '../fakes/memory-session-event-log.ts';
import { MemorySessionStore } from '../fakes/memory-session-store.ts';
import { MemoryVerificationHistory } from '../fakes/memory-verification-history.ts';

storeContracts('in memory', async () => {
  const sessions = new MemorySessionStore();
  return {
    sessions,
    events: new MemorySessionEventLog(),
    costs: new MemoryCostLedger(),
    history: new MemoryVerificationHistory(),
    setLimit: async (consumerId, usd) => sessions.budgets.setLimit(consumerId, usd),
    committed: async (consumerId, month) => sessions.budgets.commitment(consumerId, month).committed_usd,
  };
});
