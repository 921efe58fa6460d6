// Wiring of VerifySsh: the provisioning deps with the real SSH prober. Only this function probes SSH, so ssh2
// stays out of every other task's bundle (provisioningDeps() wires a prober that refuses).
import { Ssh2Prober } from '../adapters/ssh/prober.ts';
import type { ProvisioningDeps } from '../use-cases/provisioning/deps.ts';
import { provisioningDeps } from './provisioning.ts';

const prober = new Ssh2Prober();

export const verifySshDeps = (): Promise<ProvisioningDeps> => provisioningDeps().then((deps) => ({ ...deps, prober }));
