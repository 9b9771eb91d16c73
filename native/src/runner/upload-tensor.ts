import type { Context, DeviceBuffer } from '../addon/types';
import type { HostTensor } from '../reference/random-inputs';

/** Uploads a host tensor (and its fp8 scales) into fresh device buffers. */
export function uploadTensor(ctx: Context, t: HostTensor): { data: DeviceBuffer; scale: DeviceBuffer | null } {
  const data = ctx.alloc(Math.max(t.bytes.byteLength, 16));
  data.upload(t.bytes);
  let scale: DeviceBuffer | null = null;
  if (t.scales) {
    scale = ctx.alloc(Math.max(t.scales.byteLength, 16));
    scale.upload(t.scales);
  }
  return { data, scale };
}
