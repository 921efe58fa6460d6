// POSTs a signed webhook delivery, behind the SSRF guard: the host name is resolved here and every address checked
// (address-class.ts) before a socket opens, and the connection uses exactly the addresses that were checked, so a
// DNS answer cannot change between the check and the connect. Redirects are never followed (a 3xx is an answer,
// recorded as a failed attempt): a redirect would be a way around the guard.
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import { addressAllowed, classifyAddress } from '../../domain/address-class.ts';
import type { PostOutcome, WebhookPost, WebhookSender } from '../../ports/webhooks.ts';

class AddressNotAllowedError extends Error {
  override readonly name = 'AddressNotAllowedError';
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

export class HttpWebhookSender implements WebhookSender {
  constructor(private readonly opts: { allowLoopback: boolean }) {}

  private refusal(address: string): string | undefined {
    const cls = classifyAddress(address);
    return addressAllowed(cls, this.opts) ? undefined : `address_not_allowed:${cls}`;
  }

  /** net.connect's lookup hook: resolve, refuse the whole host if any address is forbidden, else connect to those */
  private readonly guardedLookup = (hostname: string, options: { all?: boolean; family?: number }, cb: LookupCallback) => {
    dnsLookup(hostname, { all: true, family: options.family ?? 0 }, (err, addresses) => {
      if (err) return cb(err, []);
      const refused = addresses.map((a) => this.refusal(a.address)).find((r) => r !== undefined);
      if (refused || addresses.length === 0) return cb(new AddressNotAllowedError(refused ?? 'address_not_allowed:none'), []);
      if (options.all) return cb(null, addresses);
      return cb(null, addresses[0]!.address, addresses[0]!.family);
    });
  };

  post(req: WebhookPost): Promise<PostOutcome> {
    let url: URL;
    try {
      url = new URL(req.url);
    } catch {
      return Promise.resolve({ kind: 'refused', reason: 'invalid_url' });
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') return Promise.resolve({ kind: 'refused', reason: 'scheme_not_allowed' });
    const host = url.hostname.replace(/^\[|\]$/g, '');
    // an IP literal never reaches the lookup hook: check it here
    if (isIP(host)) {
      const refused = this.refusal(host);
      if (refused) return Promise.resolve({ kind: 'refused', reason: refused });
    }
    const client = url.protocol === 'https:' ? https : http;
    return new Promise<PostOutcome>((resolve) => {
      const request = client.request(
        url,
        {
          method: 'POST',
          headers: { ...req.headers, 'content-length': String(Buffer.byteLength(req.body)) },
          lookup: this.guardedLookup as never,
          timeout: req.timeoutMs,
        },
        (res) => {
          // the answer's body is not ours to keep (nor to log): drain it
          res.resume();
          resolve({ kind: 'answered', status: res.statusCode ?? 0 });
        },
      );
      request.on('timeout', () => request.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })));
      request.on('error', (err: NodeJS.ErrnoException) => {
        if (err instanceof AddressNotAllowedError) resolve({ kind: 'refused', reason: err.message });
        else resolve({ kind: 'failed', reason: failureClass(err) });
      });
      request.end(req.body);
    });
  }
}

function failureClass(err: NodeJS.ErrnoException): string {
  switch (err.code) {
    case 'ECONNREFUSED':
      return 'connection_refused';
    case 'ETIMEDOUT':
      return 'timeout';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'dns_failed';
    case 'ECONNRESET':
      return 'connection_reset';
    default:
      return err.code?.startsWith('ERR_TLS') || err.code?.includes('CERT') ? 'tls_error' : 'network_error';
  }
}
