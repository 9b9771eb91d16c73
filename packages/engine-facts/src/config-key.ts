/**
 * What a config file is for: the kernel shape and GPU its file name encodes.
 * E: experts on this rank; N: per-rank expert intermediate size (as the engine names it);
 * deviceName: the GPU as the engine spells it; dtype: null for bf16/fp16; blockShape:
 * [block_n, block_k] of block quantization; perChannelQuant and down: SGLang only.
 */
export interface ConfigKey {
  E: number;
  N: number;
  deviceName: string;
  dtype: string | null;
  blockShape: [number, number] | null;
  perChannelQuant: boolean;
  down: boolean;
}

export function sameConfigKey(a: ConfigKey, b: ConfigKey): boolean {
  return (
    a.E === b.E &&
    a.N === b.N &&
    a.deviceName === b.deviceName &&
    a.dtype === b.dtype &&
    (a.blockShape?.[0] ?? 0) === (b.blockShape?.[0] ?? 0) &&
    (a.blockShape?.[1] ?? 0) === (b.blockShape?.[1] ?? 0) &&
    a.perChannelQuant === b.perChannelQuant &&
    a.down === b.down
  );
}
