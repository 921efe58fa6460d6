// GPU names from both providers come out the same, so offers can be compared across providers.
import { describe, expect, it } from 'vitest';
import { gpuNameFromV0Name, vramFromName } from '../../shared/adapters/providers/tensordock.ts';
import { gpuKey, normalizeGpuName } from '../../shared/domain/offer.ts';

describe('normalizeGpuName', () => {
  it.each([
    ['RTX 4090', 'RTX 4090'],
    ['GeForce RTX 4090', 'RTX 4090'],
    ['NVIDIA GeForce RTX 4090 PCIe 24GB', 'RTX 4090'],
    ['rtx4090', 'RTX 4090'],
    ['RTX 5060 Ti', 'RTX 5060 Ti'],
    ['GeForce RTX 5060 Ti ', 'RTX 5060 Ti'],
    ['NVIDIA GeForce RTX 5060 Ti 16GB', 'RTX 5060 Ti'],
    ['RTX_3090', 'RTX 3090'],
    ['Tesla V100', 'V100'],
    ['NVIDIA A40 PCIe 48GB', 'A40'],
    ['A100 PCIE', 'A100'],
    ['NVIDIA A100 PCIe 80GB', 'A100'],
    ['A100 SXM4', 'A100 SXM'],
    ['H100 SXM', 'H100 SXM'],
    ['NVIDIA H100 SXM5 80GB', 'H100 SXM'],
    ['H100 NVL', 'H100 NVL'],
    ['NVIDIA H100 NVL 94GB', 'H100 NVL'],
    ['RTX A5000', 'RTX A5000'],
    ['NVIDIA RTX A6000 PCIe 48GB', 'RTX A6000'],
    ['L40S', 'L40S'],
    ['NVIDIA L4 PCIe 24GB', 'L4'],
  ])('%s → %s', (raw, expected) => {
    expect(normalizeGpuName(raw)).toBe(expected);
  });

  it('gives the same key to the same card on both providers', () => {
    expect(gpuKey('RTX 4090')).toBe(gpuKey('NVIDIA GeForce RTX 4090 PCIe 24GB'));
    expect(gpuKey('A100 SXM4')).toBe(gpuKey('NVIDIA A100 SXM4 80GB'));
    expect(gpuKey('H100 SXM')).toBe(gpuKey('NVIDIA H100 SXM5 80GB'));
    expect(gpuKey('RTX 4090')).not.toBe(gpuKey('RTX 4080'));
    expect(gpuKey('RTX 5060 Ti')).not.toBe(gpuKey('RTX 5060'));
  });
});

describe('TensorDock names', () => {
  it.each([
    ['geforcertx4090-pcie-24gb', 'RTX 4090'],
    ['geforcertx3090-pcie-24gb', 'RTX 3090'],
    ['geforcertx5090-pcie-32gb', 'RTX 5090'],
    ['l4-pcie-24gb', 'L4'],
    ['rtxa5000-pcie-24gb', 'RTX A5000'],
    ['rtxa6000-pcie-48gb', 'RTX A6000'],
    ['a40-pcie-48gb', 'A40'],
    ['h100-sxm5-80gb', 'H100 SXM'],
    ['teslav100-pcie-16gb', 'V100'],
  ])('v0Name %s → %s', (v0, expected) => {
    expect(gpuNameFromV0Name(v0)).toBe(expected);
  });

  it('reads VRAM from the display name or the v0Name', () => {
    expect(vramFromName('NVIDIA GeForce RTX 4090 PCIe 24GB')).toBe(24);
    expect(vramFromName(undefined, 'a40-pcie-48gb')).toBe(48);
    expect(vramFromName('NVIDIA L4')).toBeUndefined();
  });
});
