// The Vast.ai template catalog in the table: one item (`TEMPLATES` / `CATALOG#vastai`) holding the templates as
// gzip-compressed JSON, the time of the last successful fetch and the last failure. Readers keep the decoded
// templates in memory and decode again only when the stored hash changes.
import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { gunzip, gzip } from 'node:zlib';
import { type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Template } from '../../domain/template.ts';
import type { StoredTemplateCatalog, TemplateCatalogStore } from '../../ports/templates.ts';

const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);

const KEY = { pk: 'TEMPLATES', sk: 'CATALOG#vastai' };
/** well under DynamoDB's 400 KB item limit */
export const MAX_CATALOG_BYTES = 300 * 1024;

type Db = Pick<DynamoDBDocumentClient, 'send'>;

export class DynamoTemplateCatalogStore implements TemplateCatalogStore {
  private decoded?: { hash: string; templates: Template[] };

  constructor(
    private readonly db: Db,
    private readonly tableName: string,
  ) {}

  async read(): Promise<StoredTemplateCatalog | undefined> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.tableName, Key: KEY }));
    if (!Item) return undefined;
    const hash = typeof Item['hash'] === 'string' ? Item['hash'] : undefined;
    let templates: Template[] = [];
    if (hash && Item['data'] instanceof Uint8Array) {
      if (this.decoded?.hash !== hash) {
        const json = (await gunzipAsync(Item['data'])).toString('utf8');
        this.decoded = { hash, templates: JSON.parse(json) as Template[] };
      }
      templates = this.decoded.templates;
    }
    return {
      templates,
      ...(typeof Item['fetched_at'] === 'string' ? { fetched_at: Item['fetched_at'] } : {}),
      ...(typeof Item['error'] === 'string' ? { error: Item['error'], error_at: String(Item['error_at'] ?? '') } : {}),
    };
  }

  /** Stores the most used templates that fit the item (all of them, in practice); returns how many. */
  async write(catalog: StoredTemplateCatalog & { fetched_at: string }): Promise<{ stored: number }> {
    let templates = [...catalog.templates].sort((a, b) => (b.count_created ?? 0) - (a.count_created ?? 0));
    let data = await gzipAsync(JSON.stringify(templates));
    while (data.byteLength > MAX_CATALOG_BYTES && templates.length > 0) {
      templates = templates.slice(0, Math.floor(templates.length * 0.9));
      data = await gzipAsync(JSON.stringify(templates));
    }
    await this.db.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          ...KEY,
          fetched_at: catalog.fetched_at,
          count: templates.length,
          hash: createHash('sha256').update(data).digest('hex'),
          data,
        },
      }),
    );
    return { stored: templates.length };
  }

  async recordFailure(error: string, at: string): Promise<void> {
    await this.db.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: KEY,
        UpdateExpression: 'SET #error = :error, error_at = :at',
        ExpressionAttributeNames: { '#error': 'error' },
        ExpressionAttributeValues: { ':error': error.slice(0, 300), ':at': at },
      }),
    );
  }
}
