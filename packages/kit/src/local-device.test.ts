import { beforeEach, describe, expect, it, vi } from 'vitest';
import { localDeviceName } from './local-device';

const state = vi.hoisted(() => ({ probe: (): unknown => ({ devices: [], reason: 'x', backends: [] }) }));
vi.mock('@moe/native', () => ({ probeDevices: () => state.probe() }));

beforeEach(() => {
  state.probe = () => ({ devices: [], reason: 'no driver', backends: [] });
});

describe('localDeviceName', () => {
  it('is the first GPU name as the driver reports it', async () => {
    state.probe = () => ({ devices: [{ index: 0, name: 'NVIDIA H100 80GB HBM3' }, { index: 1, name: 'NVIDIA H200' }], reason: null, backends: [] });
    expect(await localDeviceName()).toBe('NVIDIA H100 80GB HBM3');
  });

  it('is null without a GPU', async () => {
    expect(await localDeviceName()).toBeNull();
  });

  it('is null, not an exception, when probing fails', async () => {
    state.probe = () => {
      throw new Error('addon exploded');
    };
    expect(await localDeviceName()).toBeNull();
  });
});
