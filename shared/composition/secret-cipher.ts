// Picks the cipher for secrets at rest: KMS when SSH_KEY_KMS_KEY_ID is set (deployed), else AES-GCM with a key file
// under DATA_DIR (local). Clients and ciphers are created once per process.
import { KMSClient } from '@aws-sdk/client-kms';
import { KmsSecretCipher } from '../adapters/secrets/kms-secret-cipher.ts';
import { LocalSecretCipher } from '../adapters/secrets/local-secret-cipher.ts';
import { config } from '../config.ts';
import { traced } from '../observability/tracing.ts';
import type { SecretCipher } from '../ports/secret-cipher.ts';

let kms: KMSClient | undefined;
function kmsClient(): KMSClient {
  kms ??= traced(new KMSClient({}));
  return kms;
}

const ciphers = new Map<string, SecretCipher>();

export function secretCipherFromEnv(): SecretCipher {
  const keyId = config().get('SSH_KEY_KMS_KEY_ID');
  const dataDir = config().get('DATA_DIR');
  const id = keyId ? `kms:${keyId}` : `local:${dataDir}`;
  let cipher = ciphers.get(id);
  if (!cipher) {
    cipher = keyId ? new KmsSecretCipher(kmsClient(), keyId) : LocalSecretCipher.inDataDir(dataDir);
    ciphers.set(id, cipher);
  }
  return cipher;
}
