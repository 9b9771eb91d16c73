/**
 * The byte outputs are filled with before a kernel runs: 0xff repeated is a NaN in every
 * float type the kernels write (bf16 0xffff, fp16 0xffff, fp32 0xffffffff, fp8 e4m3fn 0xff),
 * so an output element the kernel never wrote decodes as NaN and fails the comparison.
 */
export const POISON_BYTE = 0xff;
