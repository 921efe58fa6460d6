// Which ledger the provider pacing uses. The product (AWS and the local runtime) shares one in DynamoDB, so every
// execution environment of every function takes its turn from the same limiter; `PROVIDER_PACING=memory` keeps
// it in the process, for tests and one-process tools only.
import { documentClient } from '../dynamodb/client.ts';
import { DynamoSlotLedger } from '../dynamodb/pacing-ledger.ts';
import { ConfigError } from '../../domain/errors.ts';
import { MemorySlotLedger, type SlotLedger } from './pacer.ts';

let memory: MemorySlotLedger | undefined;
const dynamo = new Map<string, DynamoSlotLedger>();

export function slotLedgerFromEnv(env: NodeJS.ProcessEnv): SlotLedger {
  const mode = env['PROVIDER_PACING']?.trim() || 'dynamodb';
  if (mode === 'memory') {
    memory ??= new MemorySlotLedger();
    return memory;
  }
  if (mode !== 'dynamodb') {
    throw new ConfigError(`PROVIDER_PACING must be dynamodb or memory, got "${mode.slice(0, 40)}"`, { variable: 'PROVIDER_PACING' });
  }
  const tableName = env['TABLE_NAME']?.trim();
  if (!tableName) throw new ConfigError('provider pacing in DynamoDB needs TABLE_NAME', { variable: 'TABLE_NAME' });
  let ledger = dynamo.get(tableName);
  if (!ledger) {
    ledger = new DynamoSlotLedger(documentClient(), tableName);
    dynamo.set(tableName, ledger);
  }
  return ledger;
}
