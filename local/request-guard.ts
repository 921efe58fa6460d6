// What keeps a web page from driving the local runtime (which holds real provider keys when they are set): a
// request must name the gateway by a loopback name or the address it listens on (DNS rebinding points a foreign
// name at 127.0.0.1, and its requests carry that name in Host), and a browser's Origin, when sent, must be the
// gateway itself (any page may send a request to localhost; only our own origin may).
import { networkInterfaces } from 'node:os';

const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '[::1]'];
const WILDCARDS = new Set(['0.0.0.0', '::', '[::]']);

interface GuardRefusal {
  status: 403;
  body: { message: string; error: string; error_type: 'forbidden_host' | 'forbidden_origin' };
}

/** The host names (lower case, IPv6 in brackets) a request may address the gateway by. */
export function allowedHostNames(listenHost: string): Set<string> {
  const names = new Set(LOOPBACK_NAMES);
  const host = bracket(listenHost.toLowerCase());
  if (!WILDCARDS.has(listenHost)) names.add(host);
  else {
    // listening on every interface: each of this machine's own addresses is a name it listens on
    for (const list of Object.values(networkInterfaces())) for (const i of list ?? []) names.add(bracket(i.address.toLowerCase()));
  }
  return names;
}

function bracket(address: string): string {
  return address.includes(':') && !address.startsWith('[') ? `[${address}]` : address;
}

/** Refuse a request whose Host or Origin is not this gateway's; undefined when it may pass. */
export function checkRequestOrigin(headers: Record<string, string | undefined>, names: Set<string>, port: number): GuardRefusal | undefined {
  const host = headers['host']?.trim().toLowerCase();
  if (!host || !isOwn(host, names, port)) {
    return refuse('forbidden_host', 'the Host header must name this gateway by a loopback name or the address it listens on');
  }
  const origin = headers['origin']?.trim().toLowerCase();
  if (origin !== undefined) {
    let parsed: URL | undefined;
    try {
      parsed = new URL(origin);
    } catch {
      parsed = undefined;
    }
    if (parsed?.protocol !== 'http:' || !isOwn(parsed.host, names, port)) {
      return refuse('forbidden_origin', 'requests from web pages of other origins are refused');
    }
  }
  return undefined;
}

/** `name:port`, or the bare name (a client may leave out port 80 only when it is the port) */
function isOwn(hostHeader: string, names: Set<string>, port: number): boolean {
  const m = /^(\[[0-9a-f:.]+\]|[^:]+)(?::(\d+))?$/.exec(hostHeader);
  if (!m) return false;
  const given = m[2] === undefined ? 80 : Number(m[2]);
  return names.has(m[1]!) && given === port;
}

function refuse(errorType: GuardRefusal['body']['error_type'], message: string): GuardRefusal {
  return { status: 403, body: { message, error: message, error_type: errorType } };
}
