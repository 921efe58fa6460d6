// Picks the cipher for secrets at rest: KMS when SSH_KEY_KMS_KEY_ID is set (deployed), else AES-GCM with a key file
// under DATA_DIR (local). Clients and ciphers are created once per process.
import { KMSClient } from '@aws-sdk/client-kms';
import { optionalEnv } from '../../config.ts';
import { traced } from '../../observability/tracing.ts';
import type { SecretCipher } from '../../ports/secret-cipher.ts';
import { KmsSecretCipher } from './kms-secret-cipher.ts';
import { LocalSecretCipher } from './local-secret-cipher.ts';

let kms: KMSClient | undefined;
function kmsClient(): KMSClient {
  kms ??= traced(new KMSClient({}));
  return kms;
}

const ciphers = new Map<string, SecretCipher>();

export function secretCipherFromEnv(): SecretCipher {
  const keyId = optionalEnv('SSH_KEY_KMS_KEY_ID');
  const dataDir = optionalEnv('DATA_DIR') ?? './.data';
  const id = keyId ? `kms:${keyId}` : `local:${dataDir}`;
  let cipher = ciphers.get(id);
  if (!cipher) {
    cipher = keyId ? new KmsSecretCipher(kmsClient(), keyId) : LocalSecretCipher.inDataDir(dataDir);
    ciphers.set(id, cipher);
  }
  return cipher;
}
