import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { hasPython } from '@moe/vitest-config/test-env';
import { describe, expect, it } from 'vitest';
import { probeEngineKernel } from './probe-engine-kernel';


describe('probeEngineKernel', () => {
  it('a missing interpreter is a reason, not a throw', async () => {
    const r = await probeEngineKernel({ python: '/nonexistent/python3' });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(/could not start '\/nonexistent\/python3'.*--python/);
  });

  it.skipIf(!hasPython)('an interpreter without SGLang or vLLM says what it tried', async () => {
    const r = await probeEngineKernel({ python: 'python3', env: { PYTHONPATH: '' } });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(/sglang: no installed distribution.*vllm: no installed distribution/);
  });

  it.skipIf(!hasPython)('an installed distribution whose kernel module is missing names the modules tried', async () => {
    // A site-packages folder with only sglang's dist-info: the version is found, the kernel module is not.
    const site = mkdtempSync(path.join(os.tmpdir(), 'moe-probe-'));
    mkdirSync(path.join(site, 'sglang-9.9.9.dist-info'));
    writeFileSync(path.join(site, 'sglang-9.9.9.dist-info', 'METADATA'), 'Metadata-Version: 2.1\nName: sglang\nVersion: 9.9.9\n');
    const r = await probeEngineKernel({ python: 'python3', engine: 'sglang', env: { PYTHONPATH: site } });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(/sglang 9\.9\.9: sglang\.kernels\.ops\.moe\.fused_moe_triton_kernels: ModuleNotFoundError.*sglang 9\.9\.9: sglang\.srt\.layers\.moe\.fused_moe_triton\.fused_moe_triton_kernels: ModuleNotFoundError/);
  });
});
