// A consumer's budget and its month counters share a partition: BUDGET#<consumer> / BUDGET and / MONTH#<YYYY-MM>.
export const budgetKey = (consumerId: string) => ({ pk: `BUDGET#${consumerId}`, sk: 'BUDGET' });
export const monthKey = (consumerId: string, month: string) => ({ pk: `BUDGET#${consumerId}`, sk: `MONTH#${month}` });
