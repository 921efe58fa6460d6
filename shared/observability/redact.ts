// Redaction of secret material in free text (log lines, error messages echoed to clients).

const PRIVATE_KEY_BLOCK = /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(-----END [A-Z ]*PRIVATE KEY-----|$)/g;
const BEARER = /(bearer\s+)[A-Za-z0-9._~+/=-]{8,}/gi;
const QUERY_CREDENTIAL = /((?:api_key|api_token|token|apikey)=)[^&\s"']+/gi;
/** our own API keys (`gsk_<id>_<secret>`): the id may be shown, the secret never */
const API_KEY = /\b(gsk_[0-9a-f]{12}_)[A-Za-z0-9_-]{8,}/g;

export function redactSecrets(text: string): string {
  if (text.length < 8) return text;
  return text
    .replace(PRIVATE_KEY_BLOCK, '[REDACTED PRIVATE KEY]')
    .replace(BEARER, '$1[REDACTED]')
    .replace(QUERY_CREDENTIAL, '$1[REDACTED]')
    .replace(API_KEY, '$1[REDACTED]');
}

/** User text echoed back in an error: bounded, printable, no markup. */
export function sanitizeEcho(text: string, max = 128): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping control characters is the point
  const cleaned = text.replace(/[\u0000-\u001f\u007f<>]/g, '');
  return cleaned.length > max ? `${cleaned.slice(0, max)}…` : cleaned;
}
