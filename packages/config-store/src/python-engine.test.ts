import { chmodSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { EngineNotFoundError } from './errors/engine-not-found-error';
import { findInstalledEngine } from './python-engine';
import { fakeSglangSitePackages, tempDir, writeTree } from './__fixtures__/fake-engines';
import { hasPython } from './__fixtures__/has-python';

describe('findInstalledEngine', () => {
  it('gives a clear error for a missing interpreter', async () => {
    await expect(findInstalledEngine('sglang', '/no/such/python3')).rejects.toThrow(/no such interpreter/);
  });

  it('an empty interpreter (what `$(which python)` gives with none on PATH) is named, not a TypeError', async () => {
    await expect(findInstalledEngine('sglang', '')).rejects.toThrow(EngineNotFoundError);
    await expect(findInstalledEngine('vllm', '  ')).rejects.toThrow(/`python` is empty/);
  });

  it('gives a clear error when the interpreter hangs', async () => {
    const dir = tempDir();
    const fake = path.join(dir, 'python');
    writeFileSync(fake, '#!/bin/sh\nsleep 5\n');
    chmodSync(fake, 0o755);
    await expect(findInstalledEngine('sglang', fake, { timeoutMs: 300 })).rejects.toThrow(/did not answer/);
  });

  it.runIf(hasPython)('finds a package on the interpreter path, and says when it is missing', async () => {
    const site = fakeSglangSitePackages('new');
    const found = await findInstalledEngine('sglang', 'python3', { env: { ...process.env, PYTHONPATH: site } });
    expect(found.packageDir).toBe(path.join(site, 'sglang'));
    expect(found.sitePackages).toBe(site);
    await expect(findInstalledEngine('vllm', 'python3', { env: { ...process.env, PYTHONPATH: site } })).rejects.toThrow(/vllm is not installed/);
  });

  it.runIf(hasPython)('takes the Triton version from triton.__version__, as SGLang does (ROCm builds ship it as pytorch-triton-rocm)', async () => {
    const site = fakeSglangSitePackages('new');
    writeTree(site, { 'triton/__init__.py': '"""fake"""\n__version__ = \'3.4.0\'\n' });
    const found = await findInstalledEngine('sglang', 'python3', { env: { ...process.env, PYTHONPATH: site } });
    expect(found.tritonVersion).toBe('3.4.0');
  });
});
