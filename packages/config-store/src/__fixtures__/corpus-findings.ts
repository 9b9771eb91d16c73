/**
 * Doctor's findings over reference/ (the repository's copy of the engines' config files), checked
 * by hand. Each group says why.
 * (Non-canonical formatting findings are the files in ./noncanonical-corpus.ts, one info each.)
 */
export interface ExpectedFinding {
  file: string;
  severity: 'error' | 'warning' | 'info';
  code: string;
  /** A piece of the message that must appear. */
  says: string;
}

/**
 * SGLang: the same file name in several triton_* folders. Without --triton, every copy but the
 * one in the newest folder is read only under its own Triton version: any other version falls
 * back newest first. Worked out by listing each name's folders and taking the highest version.
 */
export const SGLANG_SHADOWED: readonly [string, string][] = [
  ["triton_3_1_0/E=256,N=256,device_name=NVIDIA_B200,dtype=fp8_w8a8,block_shape=[128, 128].json", "triton_3_4_0"],
  ["triton_3_1_0/E=8,N=7168,device_name=NVIDIA_H100_80GB_HBM3.json", "triton_3_3_1"],
  ["triton_3_2_0/E=128,N=384,device_name=NVIDIA_H20,dtype=fp8_w8a8,block_shape=[128, 128].json", "triton_3_3_1"],
  ["triton_3_2_0/E=128,N=768,device_name=NVIDIA_H20,dtype=fp8_w8a8,block_shape=[128, 128].json", "triton_3_3_1"],
  ["triton_3_2_0/E=128,N=768,device_name=NVIDIA_H20.json", "triton_3_3_1"],
  ["triton_3_2_0/E=128,N=768,device_name=NVIDIA_H200.json", "triton_3_6_0"],
  ["triton_3_2_0/E=257,N=128,device_name=NVIDIA_H100_80GB_HBM3,dtype=fp8_w8a8,block_shape=[128, 128].json", "triton_3_4_0"],
  ["triton_3_2_0/E=257,N=128,device_name=NVIDIA_H20,dtype=fp8_w8a8,block_shape=[128, 128].json", "triton_3_3_1"],
  ["triton_3_2_0/E=257,N=256,device_name=NVIDIA_B200,dtype=fp8_w8a8,block_shape=[128, 128].json", "triton_3_5_1"],
  ["triton_3_2_0/E=257,N=256,device_name=NVIDIA_H20,dtype=fp8_w8a8,block_shape=[128, 128].json", "triton_3_5_1"],
  ["triton_3_2_0/E=257,N=256,device_name=NVIDIA_H200,dtype=fp8_w8a8,block_shape=[128, 128].json", "triton_3_5_1"],
  ["triton_3_2_0/E=8,N=7168,device_name=NVIDIA_H100_80GB_HBM3.json", "triton_3_3_1"],
  ["triton_3_3_1/E=257,N=256,device_name=NVIDIA_B200,dtype=fp8_w8a8,block_shape=[128, 128].json", "triton_3_5_1"],
  ["triton_3_3_1/E=257,N=256,device_name=NVIDIA_H20,dtype=fp8_w8a8,block_shape=[128, 128].json", "triton_3_5_1"],
  ["triton_3_3_1/E=257,N=256,device_name=NVIDIA_H20-3e,dtype=fp8_w8a8,block_shape=[128, 128].json", "triton_3_5_1"],
  ["triton_3_3_1/E=257,N=256,device_name=NVIDIA_H200,dtype=fp8_w8a8,block_shape=[128, 128].json", "triton_3_5_1"],
  ["triton_3_4_0/E=128,N=1856,device_name=NVIDIA_H100_80GB_HBM3.json", "triton_3_5_1"],
  ["triton_3_4_0/E=161,N=192,device_name=NVIDIA_H200,dtype=fp8_w8a8,per_channel_quant=True.json", "triton_3_5_1"],
  ["triton_3_4_0/E=256,N=512,device_name=NVIDIA_H20.json", "triton_3_5_1"],
  ["triton_3_4_0/E=257,N=256,device_name=NVIDIA_H20,dtype=fp8_w8a8,block_shape=[128, 128].json", "triton_3_5_1"],
  ["triton_3_4_0/E=257,N=256,device_name=NVIDIA_H20,dtype=fp8_w8a8,block_shape=[128, 128]_down.json", "triton_3_5_1"],
  ["triton_3_4_0/E=512,N=128,device_name=NVIDIA_H200.json", "triton_3_5_1"],
  ["triton_3_4_0/E=512,N=256,device_name=NVIDIA_B200.json", "triton_3_5_1"],
  ["triton_3_4_0/E=512,N=256,device_name=NVIDIA_H200.json", "triton_3_5_1"],
];

/** SGLang: every other finding. */
export const SGLANG_OTHER: readonly ExpectedFinding[] = [
  // A block shape without a dtype: SGLang only writes block_shape after a block-quant dtype
  // (fp8_w8a8 / int8_w8a8), so no runtime name looks like this. Checked against the name rule.
  { file: 'triton_3_1_0/E=256,N=128,device_name=NVIDIA_H20,block_shape=[128, 128].json', severity: 'error', code: 'block-shape-without-dtype', says: 'block_shape without a dtype' },
  // L20Y is not in MoE Kit's GPU table (no public facts on its shared memory); the name itself is fine.
  { file: 'triton_3_1_0/E=256,N=128,device_name=NVIDIA_L20Y,dtype=fp8_w8a8,block_shape=[128, 128].json', severity: 'warning', code: 'unknown-device-name', says: 'NVIDIA_L20Y' },
  // Two int4 files were committed with an empty device name ("device_name=,"): the engine always
  // asks with a GPU name, so they are never read.
  { file: 'triton_3_4_0/E=384,N=128,device_name=,dtype=int4_w4a16.json', severity: 'error', code: 'empty-device-name', says: 'device name is empty' },
  { file: 'triton_3_4_0/E=384,N=128,device_name=,dtype=int4_w4a16_down.json', severity: 'error', code: 'empty-device-name', says: 'device name is empty' },
  // Entries 128 and 256 of this file are SGLang's own default (64/64/32/8) without num_warps and
  // num_stages; Triton fills 4 warps / 3 stages. Seen in the file by eye.
  { file: 'triton_3_6_0/E=32,N=768,device_name=NVIDIA_H100_80GB_HBM3.json', severity: 'warning', code: 'missing-key', says: 'entries "128", "256": num_stages is missing' },
  { file: 'triton_3_6_0/E=32,N=768,device_name=NVIDIA_H100_80GB_HBM3.json', severity: 'warning', code: 'missing-key', says: 'entries "128", "256": num_warps is missing' },
  // Triton 3.6's shared-memory rule (num_stages buffers once BLOCK_M >= 64 on Hopper, measured
  // on H200 by @moe/tuner) against three int8_w8a16 H100 files tuned with Triton 3.1: BLOCK
  // 256x128x128 at 3 stages, a = 2 and b = 1 bytes: 256x128x2 + 128x128x1 = 81920 bytes a
  // buffer, x 3 = 245760 > 232448, while the 2 buffers older Tritons keep (163840) fit. So warnings, not
  // errors: SGLang picks these files only when no newer triton_* folder has the name. Worked
  // out with a separate Python script over every NVIDIA entry of the corpus (19 entries: 15 in
  // E=1, 2 each in the E=16 files); no other SGLang entry is over on any GPU.
  { file: 'triton_3_1_0/E=1,N=3072,device_name=NVIDIA_H100_80GB_HBM3,dtype=int8_w8a16.json', severity: 'warning', code: 'shared-memory-triton36', says: 'entries "512", "1024", "1536", "2048", "3072", "4096" and 9 more: Triton 3.6 needs 245760 bytes' },
  { file: 'triton_3_1_0/E=16,N=3072,device_name=NVIDIA_H100_80GB_HBM3,dtype=int8_w8a16.json', severity: 'warning', code: 'shared-memory-triton36', says: 'entries "1536", "4096": Triton 3.6 needs 245760 bytes' },
  { file: 'triton_3_1_0/E=16,N=7168,device_name=NVIDIA_H100_80GB_HBM3,dtype=int8_w8a16.json', severity: 'warning', code: 'shared-memory-triton36', says: 'entries "1536", "4096": Triton 3.6 needs 245760 bytes' },
];

/** vLLM: every finding except the non-canonical ones. */
export const VLLM_OTHER: readonly ExpectedFinding[] = [
  // The folder: 55 files carry triton_version (3.4.0 x16, 3.5.0 x17, 3.5.1 x8, 3.6.0 x14), counted
  // with Python; vLLM ignores the entry, so files from four Triton versions mix silently.
  { file: '.', severity: 'info', code: 'mixed-triton-versions', says: '3.4.0 (16 files), 3.5.0 (17 files), 3.5.1 (8 files), 3.6.0 (14 files)' },
  // dtype=bf16: bf16 files have no dtype part in either engine; vLLM asks for the name without it.
  { file: 'E=128,N=8960,device_name=NVIDIA_H100_80GB_HBM3,dtype=bf16.json', severity: 'error', code: 'unknown-dtype', says: 'dtype=bf16' },
  { file: 'E=64,N=8960,device_name=NVIDIA_H100_80GB_HBM3,dtype=bf16.json', severity: 'error', code: 'unknown-dtype', says: 'dtype=bf16' },
  // dtype=float8: the 2024 tuner's spelling; today's vLLM asks for fp8_w8a8.
  { file: 'E=16,N=3072,device_name=NVIDIA_H100_80GB_HBM3,dtype=float8.json', severity: 'error', code: 'unknown-dtype', says: 'dtype=float8' },
  { file: 'E=16,N=7168,device_name=NVIDIA_H100_80GB_HBM3,dtype=float8.json', severity: 'error', code: 'unknown-dtype', says: 'dtype=float8' },
  // int8_w8a8 is an SGLang dtype string; vLLM's config dtype strings have no int8_w8a8.
  { file: 'E=256,N=128,device_name=NVIDIA_A100-SXM4-80GB,dtype=int8_w8a8,block_shape=[128,128].json', severity: 'error', code: 'unknown-dtype', says: 'int8_w8a8 is an SGLang dtype' },
  { file: 'E=256,N=128,device_name=NVIDIA_A100-SXM4-80GB,dtype=int8_w8a8.json', severity: 'error', code: 'unknown-dtype', says: 'int8_w8a8 is an SGLang dtype' },
  { file: 'E=256,N=128,device_name=NVIDIA_A800-SXM4-80GB,dtype=int8_w8a8,block_shape=[128,128].json', severity: 'error', code: 'unknown-dtype', says: 'int8_w8a8 is an SGLang dtype' },
  { file: 'E=256,N=128,device_name=NVIDIA_A800-SXM4-80GB,dtype=int8_w8a8.json', severity: 'error', code: 'unknown-dtype', says: 'int8_w8a8 is an SGLang dtype' },
  { file: 'E=256,N=256,device_name=NVIDIA_H20,dtype=int8_w8a8,block_shape=[128,128].json', severity: 'error', code: 'unknown-dtype', says: 'int8_w8a8 is an SGLang dtype' },
  // A block shape without a dtype (an MI325X file; its twin MI325_OAM file has dtype=fp8_w8a8).
  // vLLM has no int8_w8a8 dtype string, so it asks for exactly this name for block-quantized
  // int8_w8a8 models: read, but never for fp8, hence a note.
  { file: 'E=256,N=1024,device_name=AMD_Instinct_MI325X,block_shape=[128,128].json', severity: 'info', code: 'block-shape-without-dtype', says: 'only for block-quantized int8_w8a8 models' },
  // Strix Halo: vLLM names device id 0x1586 "AMD_Radeon_8060S" through its table, never the
  // marketing name "Radeon 8060S Graphics".
  { file: 'E=128,N=768,device_name=Radeon_8060S_Graphics,dtype=int4_w4a16.json', severity: 'error', code: 'device-never-requested', says: 'AMD_Radeon_8060S' },
  { file: 'E=256,N=128,device_name=NVIDIA_L20Y,dtype=fp8_w8a8,block_shape=[128,128].json', severity: 'warning', code: 'unknown-device-name', says: 'NVIDIA_L20Y' },
  // The dtype=bf16 file read as what its name says (2-byte operands): four entries exceed
  // H100's 232448 bytes even at num_stages - 1 buffers, so no Triton compiles them in bf16:
  //   "2": 32x256x256, 4 stages: (32x256 + 256x256) x 2 = 147456 a buffer, x 3 = 442368
  //   "8": 128x128x256, 3 stages: (128x256 + 256x128) x 2 = 131072, x 2 = 262144
  //   "32": 64x256x256, 3 stages: (64x256 + 256x256) x 2 = 163840, x 2 = 327680
  //   "64": 128x128x256, 4 stages: 131072 x 3 = 393216
  // (The entries look tuned for a 1-byte dtype; vLLM never reads the file either way.) The
  // dtype=float8 files are vLLM's 2024 fp8_w8a8 (fp8 activations too): at 1 byte every entry
  // fits; read as 2-byte they would not (5 entries), which is why float8 has its own sizes.
  { file: 'E=128,N=8960,device_name=NVIDIA_H100_80GB_HBM3,dtype=bf16.json', severity: 'error', code: 'shared-memory', says: 'entry "2": needs about 432 KB of shared memory even at num_stages - 1 tile buffers (442368 bytes' },
  { file: 'E=128,N=8960,device_name=NVIDIA_H100_80GB_HBM3,dtype=bf16.json', severity: 'error', code: 'shared-memory', says: 'entry "8": needs about 256 KB of shared memory even at num_stages - 1 tile buffers (262144 bytes' },
  { file: 'E=128,N=8960,device_name=NVIDIA_H100_80GB_HBM3,dtype=bf16.json', severity: 'error', code: 'shared-memory', says: 'entry "32": needs about 320 KB of shared memory even at num_stages - 1 tile buffers (327680 bytes' },
  { file: 'E=128,N=8960,device_name=NVIDIA_H100_80GB_HBM3,dtype=bf16.json', severity: 'error', code: 'shared-memory', says: 'entry "64": needs about 384 KB of shared memory even at num_stages - 1 tile buffers (393216 bytes' },
];
