// Budget alerts of the local runtime: one JSON line each in <DATA_DIR>/budget-alerts.jsonl (what a test or a
// developer reads), and a warning in the log.
import { appendFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { BudgetAlert, BudgetAlerts } from '../../ports/budgets.ts';

export class FileBudgetAlerts implements BudgetAlerts {
  constructor(
    private readonly dataDir: string,
    private readonly log: (message: string, alert: BudgetAlert) => void,
  ) {}

  get file(): string {
    return join(this.dataDir, 'budget-alerts.jsonl');
  }

  async publish(alert: BudgetAlert): Promise<void> {
    this.log('budget alert', alert);
    await mkdir(this.dataDir, { recursive: true });
    await appendFile(this.file, `${JSON.stringify(alert)}\n`, { mode: 0o600 });
  }
}
