import { execFileSync } from 'node:child_process';
import { mkdirSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir, writeTree } from './__fixtures__/fake-engines';
import { doctor } from './doctor';
import { readEngineTree } from './engine-tree';
import { EngineWouldFailError } from './errors/engine-would-fail-error';
import { FileTooLargeError } from './errors/file-too-large-error';
import { UnsafePathError } from './errors/unsafe-path-error';
import { collectSourceFiles } from './install';
import { lookupConfig, treeSource } from './lookup';
import { mergeConfigs } from './merge';
import { readFileCapped } from './safe-fs';

// Issue #13 item 4: a folder or FIFO at a config file's name was "no such file": doctor reported
// 0 files and no finding, lookup said the engine uses its default. Both engines check the path
// with os.path.exists and then open() it: a folder fails (IsADirectoryError), a FIFO blocks.
// Item 3: special files were read without limit.

const NAME = 'E=8,N=7168,device_name=NVIDIA_H100_80GB_HBM3.json';
const entry = `${JSON.stringify({ '1': { BLOCK_SIZE_M: 16, BLOCK_SIZE_N: 32, BLOCK_SIZE_K: 64, GROUP_SIZE_M: 1, num_warps: 4, num_stages: 3 } }, null, 4)}\n`;
const key = { E: 8, N: 7168, deviceName: 'NVIDIA H100 80GB HBM3', dtype: null, blockShape: null, perChannelQuant: false };
const mkfifo = (p: string) => execFileSync('mkfifo', [p]);

describe('readFileCapped refuses what is not a regular file, unread and at once', () => {
  it('a FIFO with no writer (opening it blocking would wait forever)', () => {
    const fifo = path.join(tempDir(), NAME);
    mkfifo(fifo);
    expect(() => readFileCapped(fifo)).toThrow(UnsafePathError);
    expect(() => readFileCapped(fifo)).toThrow(`${fifo} is a FIFO (named pipe), not a regular file; pass a config file`);
  });

  it('/dev/zero (it never ends) and a folder', () => {
    expect(() => readFileCapped('/dev/zero')).toThrow('/dev/zero is a character device, not a regular file; pass a config file');
    const dir = tempDir();
    expect(() => readFileCapped(dir, undefined, 'a measured table')).toThrow(`${dir} is a folder, not a regular file; pass a measured table`);
  });

  it('a 100 MB file (sparse, made at test time) by its size', () => {
    const big = path.join(tempDir(), NAME);
    writeFileSync(big, '{');
    truncateSync(big, 100 * 1024 * 1024);
    expect(() => readFileCapped(big)).toThrow(FileTooLargeError);
    expect(() => readFileCapped(big)).toThrow(`${big} is 104857600 bytes, over the 1048576-byte cap for this kind of file; it is not a config file (check the path)`);
  });
});

describe('doctor: a folder or FIFO where the engine looks for a config file', () => {
  it('vLLM: a folder named like a config file is an error, not 0 files', () => {
    const dir = tempDir();
    mkdirSync(path.join(dir, NAME));
    const r = doctor(dir, { engine: 'vllm' });
    expect(r.findings.map((f) => [f.file, f.severity, f.code])).toEqual([[NAME, 'error', 'not-a-file']]);
    expect(r.findings[0]?.message).toBe(`${NAME} is a folder, not a file: vLLM finds it by name (os.path.exists) and fails opening it (IsADirectoryError)`);
    expect(r.findings[0]?.fix).toBe('remove it, or put the config file in its place');
  });

  it('SGLang: a FIFO in a triton_X_Y_Z folder is an error (the engine blocks reading it)', () => {
    const dir = path.join(tempDir(), 'configs');
    mkdirSync(path.join(dir, 'triton_3_5_1'), { recursive: true });
    mkfifo(path.join(dir, 'triton_3_5_1', NAME));
    const r = doctor(dir, { engine: 'sglang' });
    expect(r.findings.map((f) => [f.file, f.severity, f.code])).toEqual([[`triton_3_5_1/${NAME}`, 'error', 'not-a-file']]);
    expect(r.findings[0]?.message).toBe(`triton_3_5_1/${NAME} is a FIFO (named pipe), not a file: SGLang finds it by name (os.path.exists) and blocks opening it until something writes to the pipe`);
  });

  it('a FIFO with another name is a warning that it was not checked', () => {
    const dir = tempDir();
    writeTree(dir, { [NAME]: entry });
    mkfifo(path.join(dir, 'pipe'));
    const r = doctor(dir, { engine: 'vllm' });
    expect(r.findings.filter((f) => f.file === 'pipe').map((f) => [f.severity, f.code, f.message])).toEqual([['warning', 'special-entry', 'not checked: pipe is a FIFO (named pipe), not a file or folder']]);
  });
});

describe('lookup: the engine would fail on a folder or FIFO at the name it asks for', () => {
  it('vLLM: a folder at the name is not "no such file"', () => {
    const dir = tempDir();
    mkdirSync(path.join(dir, NAME));
    const src = treeSource(readEngineTree('vllm', dir));
    const run = () => lookupConfig({ engine: 'vllm', key, ms: [1] }, src);
    expect(run).toThrow(EngineWouldFailError);
    expect(run).toThrow(`${NAME} is a folder, not a file: vLLM finds it by name (os.path.exists) and fails opening it (IsADirectoryError); remove it, or put the config file in its place`);
  });

  it('SGLang: a FIFO in the running version\'s folder', () => {
    const dir = path.join(tempDir(), 'configs');
    mkdirSync(path.join(dir, 'triton_3_5_1'), { recursive: true });
    mkfifo(path.join(dir, 'triton_3_5_1', NAME));
    const src = treeSource(readEngineTree('sglang', dir));
    expect(() => lookupConfig({ engine: 'sglang', key, ms: [1], tritonVersion: '3.5.1' }, src)).toThrow(
      `triton_3_5_1/${NAME} is a FIFO (named pipe), not a file: SGLang finds it by name (os.path.exists) and blocks opening it until something writes to the pipe; remove it, or put the config file in its place`,
    );
  });

  it('a symlink to a FIFO inside the folder is the same FIFO', () => {
    const dir = tempDir();
    mkfifo(path.join(dir, 'pipe'));
    symlinkSync('pipe', path.join(dir, NAME));
    expect(() => lookupConfig({ engine: 'vllm', key, ms: [1] }, treeSource(readEngineTree('vllm', dir)))).toThrow(/is a FIFO \(named pipe\), not a file: vLLM finds it by name/);
  });
});

describe('install and merge sources holding special files', () => {
  it('install: a FIFO named like a config file in a source folder is named, never opened', () => {
    const dir = tempDir();
    mkfifo(path.join(dir, NAME));
    expect(() => collectSourceFiles([dir])).toThrow(`${dir}: ${NAME} is a FIFO (named pipe), not a file or folder; remove it, or pass the config files themselves`);
    expect(() => collectSourceFiles([path.join(dir, NAME)])).toThrow(`${path.join(dir, NAME)} is a FIFO (named pipe), not a file or folder; pass config files, folders of them, or a pack folder`);
  });

  it('merge: a FIFO in a shard is named, never opened', () => {
    const a = tempDir();
    writeTree(a, { [`triton_3_5_1/${NAME}`]: entry });
    const b = tempDir();
    mkdirSync(path.join(b, 'triton_3_5_1'));
    mkfifo(path.join(b, 'triton_3_5_1', NAME));
    expect(() => mergeConfigs([a, b], { out: path.join(tempDir(), 'out') })).toThrow(`${b}: triton_3_5_1/${NAME} is a FIFO (named pipe), not a file; remove it, or put the config file in its place`);
  });
});
