// Offer ids the broker issues: `vastai-<ask id>` and `tensordock-<location uuid>-<v0Name>`.
import { ValidationError } from './errors.ts';
import type { ProviderName } from './offer.ts';

const VAST = /^vastai-(\d{1,12})$/i;
const TENSORDOCK = /^tensordock-([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})-([a-z0-9][a-z0-9-]{1,63})$/i;

interface ParsedOfferId {
  id: string;
  provider: ProviderName;
}

/** Normalises an offer id (trimmed, lower-case prefix) or throws: no provider could have issued it. */
export function parseOfferId(raw: string): ParsedOfferId {
  const text = raw.trim();
  const vast = VAST.exec(text);
  if (vast) return { id: `vastai-${vast[1]}`, provider: 'vastai' };
  const td = TENSORDOCK.exec(text);
  if (td) return { id: `tensordock-${td[1]!.toLowerCase()}-${td[2]!.toLowerCase()}`, provider: 'tensordock' };
  throw new ValidationError(
    'offer_id is not an offer id any provider issues (expected vastai-{ask id} or tensordock-{location uuid}-{gpu})',
    { field: 'offer_id' },
    'invalid_offer_id',
  );
}
