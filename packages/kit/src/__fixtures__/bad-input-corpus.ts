import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildPack } from '@moe/config-store';

/**
 * The bad-input corpus of issue #13: hostile inputs for every entry point of `moe` (shapes;
 * configs lookup, doctor, install, merge and pack; tune --simulate), each with the exit code it
 * must give and what its one-line message must name. Small inputs are files in bad-input/;
 * big or odd ones (100 MB files, FIFOs, devices, symlink loops, deep nesting, non-UTF-8, folders
 * where files belong, unwritable targets) are made at test time by `setup`.
 */

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), 'bad-input');

export const CONFIG_NAME = 'E=8,N=7168,device_name=NVIDIA_H100_80GB_HBM3.json';
export const DEVICE = 'NVIDIA H100 80GB HBM3';
const GOOD_ENTRY = { BLOCK_SIZE_M: 16, BLOCK_SIZE_N: 64, BLOCK_SIZE_K: 64, GROUP_SIZE_M: 1, num_warps: 4, num_stages: 3 };
export const GOOD_CONFIG = `${JSON.stringify({ '1': GOOD_ENTRY }, null, 4)}\n`;
const GOOD_MODEL = '{"architectures": ["MixtralForCausalLM"], "hidden_size": 4096, "num_local_experts": 8, "num_experts_per_tok": 2, "intermediate_size": 14336}\n';

/** Where an entry builds its inputs. */
export class CorpusDir {
  readonly root = mkdtempSync(path.join(tmpdir(), 'moe-bad-input-'));
  /** Undo steps for unwritable folders (run after the entry). */
  readonly undo: (() => void)[] = [];

  /** A static fixture: bad-input/<rel>. */
  fixture(rel: string): string {
    return path.join(FIXTURES, rel);
  }
  text(rel: string): string {
    return readFileSync(this.fixture(rel), 'utf8');
  }
  /** Writes a file under the entry's folder, creating folders; returns its path. */
  file(rel: string, content: string | Uint8Array): string {
    const abs = path.join(this.root, rel);
    mkdirSync(path.dirname(abs), { recursive: true });
    writeFileSync(abs, content);
    return abs;
  }
  dir(rel: string): string {
    const abs = path.join(this.root, rel);
    mkdirSync(abs, { recursive: true });
    return abs;
  }
  fifo(rel: string): string {
    const abs = path.join(this.root, rel);
    mkdirSync(path.dirname(abs), { recursive: true });
    execFileSync('mkfifo', [abs]);
    return abs;
  }
  /** A sparse file of `bytes` bytes (100 MB costs no disk), starting with `head`. */
  sparse(rel: string, bytes: number, head = '{'): string {
    const abs = this.file(rel, head);
    truncateSync(abs, bytes);
    return abs;
  }
  link(rel: string, target: string): string {
    const abs = path.join(this.root, rel);
    mkdirSync(path.dirname(abs), { recursive: true });
    symlinkSync(target, abs);
    return abs;
  }
  /** A vLLM config folder holding one file named CONFIG_NAME with `content`. */
  vllmTree(rel: string, content: string | Uint8Array): string {
    this.file(`${rel}/${CONFIG_NAME}`, content);
    return path.join(this.root, rel);
  }
  /** A tuning shard in the SGLang layout (triton_3_5_1/CONFIG_NAME). */
  shard(rel: string, content: string = GOOD_CONFIG): string {
    this.file(`${rel}/triton_3_5_1/${CONFIG_NAME}`, content);
    return path.join(this.root, rel);
  }
  /** Makes `p` unwritable (mode 0555 as a user, chattr +i as root); false when impossible here. */
  unwritable(p: string): boolean {
    if (process.getuid?.() !== 0) {
      chmodSync(p, 0o555);
      this.undo.push(() => chmodSync(p, 0o755));
      return true;
    }
    try {
      execFileSync('chattr', ['+i', p], { stdio: 'ignore' });
      this.undo.push(() => execFileSync('chattr', ['-i', p], { stdio: 'ignore' }));
      return true;
    } catch {
      return false;
    }
  }
}

export type Category = 'malformed data' | 'oversized or odd file' | 'hostile path' | 'write failure' | 'bad argument';

export interface CorpusEntry {
  id: string;
  category: Category;
  /** Builds the inputs; returns the argv, or a string saying why it cannot run here (skipped). */
  setup: (c: CorpusDir) => string[] | string;
  /** 2 bad input, 1 findings (doctor errors; 0 for warnings only), 4 the machine refused. */
  exit: 0 | 1 | 2 | 4;
  /** What the one-line message (stdout for findings) must contain: the input it names. */
  names: (c: CorpusDir) => string;
  /** What it must say is wrong, and the fix. */
  says: RegExp;
  /** Folders whose contents must be exactly as before: nothing half-written. */
  unchanged?: (c: CorpusDir) => string[];
}

const model = (rel: string): CorpusEntry['setup'] => (c) => ['shapes', c.fixture(`model/${rel}`)];
const lookupVllm = (dir: string) => ['configs', 'lookup', '--engine', 'vllm', '--dir', dir, '--E', '8', '--N', '7168', '--device-name', DEVICE, '--m', '1'];
const tune = (file: string) => ['tune', '--simulate', file];

export const CORPUS: CorpusEntry[] = [
  // ---- moe shapes: model configs -------------------------------------------------------------
  { id: 'shapes: truncated JSON', category: 'malformed data', setup: model('truncated.json'), exit: 2, names: (c) => c.fixture('model/truncated.json'), says: /not valid JSON .*pass a Hugging Face config\.json/ },
  { id: 'shapes: not JSON', category: 'malformed data', setup: model('not-json.json'), exit: 2, names: (c) => c.fixture('model/not-json.json'), says: /not valid JSON/ },
  { id: 'shapes: a JSON array', category: 'malformed data', setup: model('array.json'), exit: 2, names: (c) => c.fixture('model/array.json'), says: /expected a JSON object, got an array/ },
  { id: 'shapes: an empty file', category: 'malformed data', setup: model('empty.json'), exit: 2, names: (c) => c.fixture('model/empty.json'), says: /not valid JSON/ },
  { id: 'shapes: a quoted expert count', category: 'malformed data', setup: model('string-experts.json'), exit: 2, names: () => 'num_local_experts = "8"', says: /is not a number; fix the config\.json or pass --experts/ },
  { id: 'shapes: NaN (json.loads reads it; a width cannot be it)', category: 'malformed data', setup: model('nan.json'), exit: 2, names: () => 'intermediate_size = NaN', says: /is not a number; fix the config\.json or pass --intermediate/ },
  { id: 'shapes: a negative width', category: 'malformed data', setup: model('negative.json'), exit: 2, names: () => 'intermediate_size = -14336', says: /is not a positive integer; fix the config\.json or pass --intermediate/ },
  { id: 'shapes: a fractional width', category: 'malformed data', setup: model('fractional.json'), exit: 2, names: () => 'intermediate_size = 1.5', says: /is not a positive integer/ },
  { id: 'shapes: intermediate_size 1e20 (issue item 5)', category: 'malformed data', setup: model('huge-1e20.json'), exit: 2, names: () => 'intermediate_size = 100000000000000000000', says: /is over 2147483647 \(2\^31-1\), too large for a kernel dimension; fix the config\.json or pass --intermediate/ },
  { id: 'shapes: intermediate_size 1e999 (issue item 5)', category: 'malformed data', setup: model('huge-1e999.json'), exit: 2, names: () => 'intermediate_size = Infinity', says: /is not a finite number; fix the config\.json or pass --intermediate/ },
  { id: 'shapes: zero experts', category: 'malformed data', setup: model('zero-experts.json'), exit: 2, names: () => 'num_local_experts = 0', says: /not a Mixture-of-Experts model/ },
  { id: 'shapes: top-k over the experts', category: 'malformed data', setup: model('topk-over.json'), exit: 2, names: () => 'top-k 16', says: /is more than the 8 routed experts/ },
  { id: 'shapes: only unknown keys', category: 'malformed data', setup: model('unknown-keys.json'), exit: 2, names: (c) => c.fixture('model/unknown-keys.json'), says: /not a Mixture-of-Experts model: no expert-count key found/ },
  { id: 'shapes: deep nesting', category: 'oversized or odd file', setup: (c) => ['shapes', c.file('deep.json', `{"text_config": ${'['.repeat(200_000)}${']'.repeat(200_000)}}`)], exit: 2, names: (c) => path.join(c.root, 'deep.json'), says: /not a Mixture-of-Experts model/ },
  { id: 'shapes: not UTF-8', category: 'oversized or odd file', setup: (c) => ['shapes', c.file('latin1.json', Buffer.concat([Buffer.from('{"model_type": "caf'), Buffer.from([0xe9]), Buffer.from('"}')]))], exit: 2, names: (c) => path.join(c.root, 'latin1.json'), says: /not UTF-8 text \(byte 0xe9 at offset 19\)/ },
  { id: 'shapes: a byte order mark', category: 'oversized or odd file', setup: (c) => ['shapes', c.file('bom.json', `\ufeff${GOOD_MODEL}`)], exit: 2, names: (c) => path.join(c.root, 'bom.json'), says: /starts with a byte order mark \(BOM\), which Python's json\.loads refuses/ },
  { id: 'shapes: a 100 MB file (issue item 3)', category: 'oversized or odd file', setup: (c) => ['shapes', c.sparse('big.json', 100 * 1024 * 1024)], exit: 2, names: (c) => path.join(c.root, 'big.json'), says: /104857600 bytes, over the 16777216-byte cap for a config\.json/ },
  { id: 'shapes: a FIFO (issue item 3)', category: 'oversized or odd file', setup: (c) => ['shapes', c.fifo('pipe.json')], exit: 2, names: (c) => path.join(c.root, 'pipe.json'), says: /is a FIFO \(named pipe\), not a file; pass a config\.json/ },
  { id: 'shapes: /dev/zero (issue item 3)', category: 'oversized or odd file', setup: () => ['shapes', '/dev/zero'], exit: 2, names: () => '/dev/zero', says: /is a character device, not a file/ },
  { id: 'shapes: a folder without config.json', category: 'oversized or odd file', setup: (c) => ['shapes', c.dir('model')], exit: 2, names: (c) => path.join(c.root, 'model'), says: /the folder has no config\.json/ },
  { id: 'shapes: a folder named config.json', category: 'oversized or odd file', setup: (c) => (c.dir('m/config.json'), ['shapes', path.join(c.root, 'm')]), exit: 2, names: (c) => path.join(c.root, 'm', 'config.json'), says: /it is a folder, not a file/ },
  { id: 'shapes: a symlink loop', category: 'hostile path', setup: (c) => (c.link('a.json', path.join(c.root, 'b.json')), c.link('b.json', path.join(c.root, 'a.json')), ['shapes', path.join(c.root, 'a.json')]), exit: 2, names: (c) => path.join(c.root, 'a.json'), says: /ELOOP: a symlink loop/ },
  { id: 'shapes: a broken symlink', category: 'hostile path', setup: (c) => ['shapes', c.link('gone.json', path.join(c.root, 'nothing'))], exit: 2, names: (c) => path.join(c.root, 'gone.json'), says: /ENOENT/ },
  { id: 'shapes: a path climbing out with ..', category: 'hostile path', setup: (c) => ['shapes', `${c.root}/../../../../../../no/such/config.json`], exit: 2, names: () => 'no/such/config.json', says: /no such file or folder/ },
  { id: 'shapes: a NUL byte in the path', category: 'hostile path', setup: () => ['shapes', './config\0.json'], exit: 2, names: () => 'argument 2', says: /contains a NUL byte/ },
  { id: 'shapes: --tp past 2^53', category: 'bad argument', setup: (c) => ['shapes', c.file('m.json', GOOD_MODEL), '--tp', '99999999999999999999'], exit: 2, names: () => '--tp', says: /positive integer/ },
  { id: 'shapes: --intermediate 1e20', category: 'bad argument', setup: (c) => ['shapes', c.file('m.json', GOOD_MODEL), '--intermediate', '100000000000000000000'], exit: 2, names: () => '--intermediate', says: /not a positive integer up to 2147483647/ },

  // ---- moe configs doctor: config trees ------------------------------------------------------
  ...(
    [
      ['truncated JSON', 'truncated.json', /not valid JSON|truncated|end of input/i],
      ['a quoted block size', 'wrong-type.json', /BLOCK_SIZE_M/],
      ['NaN', 'nan.json', /NaN/],
      ['a negative block size', 'negative.json', /BLOCK_SIZE_K/],
      ['a huge integer', 'huge.json', /num_warps/],
      ['a JSON array', 'array-top.json', /array|object/],
      ['a text batch key', 'text-key.json', /"one"|one/],
      ['a JSON string', 'string-top.json', /string|object/],
    ] as const
  ).map(([what, rel, says]): CorpusEntry => ({
    id: `doctor: ${what}`,
    category: 'malformed data',
    setup: (c) => ['configs', 'doctor', '--engine', 'vllm', c.vllmTree('t', c.text(`config/${rel}`))],
    exit: 1,
    names: () => CONFIG_NAME,
    says,
  })),
  { id: 'doctor: nesting deeper than the engines take', category: 'oversized or odd file', setup: (c) => ['configs', 'doctor', '--engine', 'vllm', c.vllmTree('t', `{"1": ${'['.repeat(100_000)}${']'.repeat(100_000)}}`)], exit: 1, names: () => CONFIG_NAME, says: /nesting deeper than 32 levels/ },
  { id: 'doctor: not UTF-8', category: 'oversized or odd file', setup: (c) => ['configs', 'doctor', '--engine', 'vllm', c.vllmTree('t', Buffer.from([0x7b, 0x22, 0x31, 0xff, 0x22, 0x7d]))], exit: 1, names: () => CONFIG_NAME, says: /not-utf8/ },
  { id: 'doctor: a 100 MB config file', category: 'oversized or odd file', setup: (c) => (c.sparse(`t/${CONFIG_NAME}`, 100 * 1024 * 1024), ['configs', 'doctor', '--engine', 'vllm', path.join(c.root, 't')]), exit: 1, names: () => CONFIG_NAME, says: /file-too-large/ },
  { id: 'doctor: a FIFO at a config name (issue item 4)', category: 'oversized or odd file', setup: (c) => (c.fifo(`t/${CONFIG_NAME}`), ['configs', 'doctor', '--engine', 'vllm', path.join(c.root, 't')]), exit: 1, names: () => CONFIG_NAME, says: /not-a-file: .* is a FIFO \(named pipe\), not a file: vLLM finds it by name/ },
  { id: 'doctor: a folder at a config name (issue item 4)', category: 'oversized or odd file', setup: (c) => (c.dir(`t/${CONFIG_NAME}`), ['configs', 'doctor', '--engine', 'vllm', path.join(c.root, 't')]), exit: 1, names: () => CONFIG_NAME, says: /not-a-file: .* is a folder, not a file: vLLM finds it by name .*IsADirectoryError/ },
  { id: 'doctor: a symlink to a config file outside the tree', category: 'hostile path', setup: (c) => (c.link(`t/${CONFIG_NAME}`, c.file('outside/x.json', GOOD_CONFIG)), ['configs', 'doctor', '--engine', 'vllm', path.join(c.root, 't')]), exit: 0, names: () => CONFIG_NAME, says: /symlink-outside/ },
  { id: 'doctor: a symlink loop at a config name', category: 'hostile path', setup: (c) => (c.link(`t/${CONFIG_NAME}`, path.join(c.root, 't', CONFIG_NAME)), ['configs', 'doctor', '--engine', 'vllm', path.join(c.root, 't')]), exit: 1, names: () => CONFIG_NAME, says: /broken-symlink/ },
  { id: 'doctor: a file, not a folder', category: 'hostile path', setup: (c) => ['configs', 'doctor', c.file('f.json', GOOD_CONFIG)], exit: 2, names: (c) => path.join(c.root, 'f.json'), says: /is not a folder; pass the folder that holds the config files/ },
  { id: 'doctor: /dev/null', category: 'hostile path', setup: () => ['configs', 'doctor', '/dev/null'], exit: 2, names: () => '/dev/null', says: /is not a folder/ },
  { id: 'doctor: --triton banana', category: 'bad argument', setup: (c) => ['configs', 'doctor', '--engine', 'sglang', c.shard('s'), '--triton', 'banana'], exit: 2, names: () => '--triton banana', says: /not a version/ },

  // ---- moe configs lookup ----------------------------------------------------------------------
  { id: 'lookup: truncated JSON at the name', category: 'malformed data', setup: (c) => lookupVllm(c.vllmTree('t', c.text('config/truncated.json'))), exit: 2, names: () => CONFIG_NAME, says: /the engine fails to load this file/ },
  { id: 'lookup: a text batch key', category: 'malformed data', setup: (c) => lookupVllm(c.vllmTree('t', c.text('config/text-key.json'))), exit: 2, names: () => CONFIG_NAME, says: /the engine fails to load this file/ },
  { id: 'lookup: a FIFO at the name (issue item 4)', category: 'oversized or odd file', setup: (c) => (c.fifo(`t/${CONFIG_NAME}`), lookupVllm(path.join(c.root, 't'))), exit: 2, names: () => CONFIG_NAME, says: /is a FIFO \(named pipe\), not a file: vLLM finds it by name .*blocks opening it.*; remove it, or put the config file in its place/ },
  { id: 'lookup: a folder at the name (issue item 4)', category: 'oversized or odd file', setup: (c) => (c.dir(`t/${CONFIG_NAME}`), lookupVllm(path.join(c.root, 't'))), exit: 2, names: () => CONFIG_NAME, says: /is a folder, not a file: vLLM finds it by name .*IsADirectoryError/ },
  { id: 'lookup: a 100 MB file at the name', category: 'oversized or odd file', setup: (c) => (c.sparse(`t/${CONFIG_NAME}`, 100 * 1024 * 1024), lookupVllm(path.join(c.root, 't'))), exit: 2, names: () => CONFIG_NAME, says: /104857600 bytes, over the 1048576-byte cap/ },
  { id: 'lookup: a symlink out of the tree at the name', category: 'hostile path', setup: (c) => (c.link(`t/${CONFIG_NAME}`, c.file('outside/x.json', GOOD_CONFIG)), lookupVllm(path.join(c.root, 't'))), exit: 2, names: () => CONFIG_NAME, says: /outside the folder: the engine would read it, but MoE Kit does not follow it/ },
  { id: 'lookup: --dir is a file', category: 'hostile path', setup: (c) => lookupVllm(c.file('f', 'x')), exit: 2, names: (c) => path.join(c.root, 'f'), says: /is not a folder/ },
  { id: 'lookup: --dir does not exist', category: 'hostile path', setup: (c) => lookupVllm(path.join(c.root, 'nope')), exit: 2, names: (c) => path.join(c.root, 'nope'), says: /is not a folder/ },
  { id: 'lookup: --m with an empty item', category: 'bad argument', setup: (c) => [...lookupVllm(c.vllmTree('t', GOOD_CONFIG)).slice(0, -1), '1,,2'], exit: 2, names: () => '--m 1,,2', says: /not a comma-separated list of positive integers/ },
  { id: 'lookup: --m past 2^53', category: 'bad argument', setup: (c) => [...lookupVllm(c.vllmTree('t', GOOD_CONFIG)).slice(0, -1), '99999999999999999999'], exit: 2, names: () => '--m 99999999999999999999', says: /positive integers/ },
  { id: 'lookup: --E 0', category: 'bad argument', setup: (c) => ['configs', 'lookup', '--engine', 'vllm', '--dir', c.vllmTree('t', GOOD_CONFIG), '--E', '0', '--N', '7168', '--device-name', DEVICE], exit: 2, names: () => '--E 0', says: /not a positive integer/ },
  { id: 'lookup: --N abc', category: 'bad argument', setup: (c) => ['configs', 'lookup', '--engine', 'vllm', '--dir', c.vllmTree('t', GOOD_CONFIG), '--E', '8', '--N', 'abc', '--device-name', DEVICE], exit: 2, names: () => '--N abc', says: /not a positive integer/ },
  { id: 'lookup: --dtype banana', category: 'bad argument', setup: (c) => [...lookupVllm(c.vllmTree('t', GOOD_CONFIG)), '--dtype', 'banana'], exit: 2, names: () => '--dtype banana', says: /unknown( dtype)?; pass one of/ },
  { id: 'lookup: --engine banana', category: 'bad argument', setup: (c) => ['configs', 'lookup', '--engine', 'banana', '--dir', c.root, '--E', '8', '--N', '1', '--device-name', DEVICE], exit: 2, names: () => '--engine banana', says: /unknown engine/ },
  { id: 'lookup: an unknown option', category: 'bad argument', setup: () => ['configs', 'lookup', '--bogus'], exit: 2, names: () => "'--bogus'", says: /^moe: unknown option '--bogus'; see moe configs lookup --help$/ },

  // ---- moe configs install ---------------------------------------------------------------------
  { id: 'install: a truncated source', category: 'malformed data', setup: (c) => ['configs', 'install', '--engine', 'vllm', '--into', c.dir('into'), c.vllmTree('src', c.text('config/truncated.json'))], exit: 2, names: () => CONFIG_NAME, says: /nothing was installed/, unchanged: (c) => [path.join(c.root, 'into')] },
  { id: 'install: a source with a quoted block size', category: 'malformed data', setup: (c) => ['configs', 'install', '--engine', 'vllm', '--into', c.dir('into'), c.vllmTree('src', c.text('config/wrong-type.json'))], exit: 2, names: () => CONFIG_NAME, says: /BLOCK_SIZE_M.*nothing was installed/, unchanged: (c) => [path.join(c.root, 'into')] },
  { id: 'install: a FIFO source', category: 'oversized or odd file', setup: (c) => ['configs', 'install', '--engine', 'vllm', '--into', c.dir('into'), c.fifo(`src/${CONFIG_NAME}`)], exit: 2, names: () => CONFIG_NAME, says: /is a FIFO \(named pipe\), not a file or folder/, unchanged: (c) => [path.join(c.root, 'into')] },
  { id: 'install: a source folder holding a FIFO', category: 'oversized or odd file', setup: (c) => (c.fifo(`src/${CONFIG_NAME}`), ['configs', 'install', '--engine', 'vllm', '--into', c.dir('into'), path.join(c.root, 'src')]), exit: 2, names: () => CONFIG_NAME, says: /is a FIFO \(named pipe\), not a file or folder; remove it, or pass the config files themselves/, unchanged: (c) => [path.join(c.root, 'into')] },
  { id: 'install: a 100 MB source', category: 'oversized or odd file', setup: (c) => ['configs', 'install', '--engine', 'vllm', '--into', c.dir('into'), c.sparse(`src/${CONFIG_NAME}`, 100 * 1024 * 1024)], exit: 2, names: () => CONFIG_NAME, says: /over the 1048576-byte cap/, unchanged: (c) => [path.join(c.root, 'into')] },
  { id: 'install: a source folder with a symlink leaving it', category: 'hostile path', setup: (c) => (c.link(`src/${CONFIG_NAME}`, c.file('elsewhere/x.json', GOOD_CONFIG)), ['configs', 'install', '--engine', 'vllm', '--into', c.dir('into'), path.join(c.root, 'src')]), exit: 2, names: () => CONFIG_NAME, says: /outside the folder; install copies only files inside the folder given/, unchanged: (c) => [path.join(c.root, 'into')] },
  { id: 'install: --into a symlink to outside the tree at the target', category: 'hostile path', setup: (c) => (c.link(`into/${CONFIG_NAME}`, c.file('victim.json', 'keep me')), ['configs', 'install', '--engine', 'vllm', '--force', '--into', path.join(c.root, 'into'), c.vllmTree('src', GOOD_CONFIG)]), exit: 2, names: () => CONFIG_NAME, says: /symlink/, unchanged: (c) => [path.join(c.root, 'into'), path.join(c.root, 'victim.json')] },
  { id: 'install: --into does not exist', category: 'hostile path', setup: (c) => ['configs', 'install', '--engine', 'vllm', '--into', path.join(c.root, 'nope'), c.vllmTree('src', GOOD_CONFIG)], exit: 2, names: (c) => path.join(c.root, 'nope'), says: /is not a folder/ },
  { id: 'install: a missing source', category: 'hostile path', setup: (c) => ['configs', 'install', '--engine', 'vllm', '--into', c.dir('into'), path.join(c.root, 'nope.json')], exit: 2, names: (c) => path.join(c.root, 'nope.json'), says: /does not exist/ },
  {
    id: 'install: into a read-only or immutable folder (issue item 1)',
    category: 'write failure',
    setup: (c) => {
      const into = c.dir('into');
      if (!c.unwritable(into)) return 'root without chattr: no folder can be made unwritable here';
      return ['configs', 'install', '--engine', 'vllm', '--into', into, c.vllmTree('src', GOOD_CONFIG)];
    },
    exit: 4,
    names: (c) => path.join(c.root, 'into'),
    says: /^moe: cannot write into .* \((EACCES|EPERM): .*\); nothing was written; run the install as the user who owns that folder, or install into a folder you own and point vLLM at it \(VLLM_TUNED_CONFIG_FOLDER\)$/,
    unchanged: (c) => [path.join(c.root, 'into')],
  },
  {
    id: 'install --dry-run into a read-only folder does not say "would write" (issue item 1)',
    category: 'write failure',
    setup: (c) => {
      const into = c.dir('into');
      if (!c.unwritable(into)) return 'root without chattr: no folder can be made unwritable here';
      return ['configs', 'install', '--dry-run', '--engine', 'vllm', '--into', into, c.vllmTree('src', GOOD_CONFIG)];
    },
    exit: 4,
    names: (c) => path.join(c.root, 'into'),
    says: /; dry run: nothing was written; /,
    unchanged: (c) => [path.join(c.root, 'into')],
  },
  {
    id: 'install: the second of two Triton folders read-only (issue item 2)',
    category: 'write failure',
    setup: (c) => {
      const into = c.dir('into/configs');
      c.dir('into/configs/triton_3_4_0');
      const second = c.dir('into/configs/triton_3_5_1');
      c.file(`src/triton_3_4_0/${CONFIG_NAME}`, GOOD_CONFIG);
      c.file(`src/triton_3_5_1/${CONFIG_NAME}`, GOOD_CONFIG);
      if (!c.unwritable(second)) return 'root without chattr: no folder can be made unwritable here';
      return ['configs', 'install', '--engine', 'sglang', '--into', into, path.join(c.root, 'src')];
    },
    exit: 4,
    names: (c) => path.join(c.root, 'into', 'configs', 'triton_3_5_1'),
    says: /nothing was written/,
    unchanged: (c) => [path.join(c.root, 'into')],
  },

  { id: 'doctor: an unknown field', category: 'malformed data', setup: (c) => ['configs', 'doctor', '--engine', 'vllm', c.vllmTree('t', JSON.stringify({ '1': { ...GOOD_ENTRY, BLOCK_SIZE_Q: 3 } }))], exit: 1, names: () => CONFIG_NAME, says: /BLOCK_SIZE_Q/ },
  ...(
    [
      ['a path with ..', '../../evil.json'],
      ['an absolute path', '/etc/evil.json'],
    ] as const
  ).map(([what, evil]): CorpusEntry => ({
    id: `install: a pack whose manifest lists ${what}`,
    category: 'hostile path',
    setup: (c) => {
      const pack = path.join(c.root, 'pack');
      buildPack(c.shard('s'), { name: 'h100', out: pack });
      const manifest = JSON.parse(readFileSync(path.join(pack, 'manifest.json'), 'utf8'));
      manifest.files[0].path = evil;
      writeFileSync(path.join(pack, 'manifest.json'), JSON.stringify(manifest));
      return ['configs', 'install', '--engine', 'sglang', '--into', c.dir('into'), pack];
    },
    exit: 2,
    names: () => 'manifest.json',
    says: /files\.0\.path must be (a relative path without "\.\.", "\\\\" or NUL|relative)/,
    unchanged: (c) => [path.join(c.root, 'into')],
  })),

  // ---- moe configs merge -----------------------------------------------------------------------
  { id: 'merge: one input', category: 'bad argument', setup: (c) => ['configs', 'merge', c.shard('a'), '-o', path.join(c.root, 'out')], exit: 2, names: () => 'at least two inputs', says: /pass the folders to merge/ },
  { id: 'merge: a truncated shard', category: 'malformed data', setup: (c) => ['configs', 'merge', c.shard('a'), c.shard('b', c.text('config/truncated.json')), '-o', path.join(c.root, 'out')], exit: 2, names: () => CONFIG_NAME, says: /fix it before merging/, unchanged: (c) => [c.root] },
  { id: 'merge: pack-input.json with a 0 µs time', category: 'malformed data', setup: (c) => (c.file('b/pack-input.json', JSON.stringify({ files: { [CONFIG_NAME]: { measurements: { '1': { tunedUs: 0, defaultUs: null, date: '2026-11-27' } } } } })), ['configs', 'merge', c.shard('a'), c.shard('b'), '-o', path.join(c.root, 'out')]), exit: 2, names: () => 'pack-input.json', says: /tunedUs must be more than 0/, unchanged: (c) => [c.root] },
  { id: 'merge: a FIFO in a shard', category: 'oversized or odd file', setup: (c) => (c.fifo(`b/triton_3_5_1/${CONFIG_NAME}`), ['configs', 'merge', c.shard('a'), path.join(c.root, 'b'), '-o', path.join(c.root, 'out')]), exit: 2, names: () => CONFIG_NAME, says: /is a FIFO \(named pipe\), not a file/, unchanged: (c) => [c.root] },
  { id: 'merge: -o a file', category: 'hostile path', setup: (c) => ['configs', 'merge', c.shard('a'), c.shard('b'), '-o', c.file('f', 'x')], exit: 2, names: (c) => path.join(c.root, 'f'), says: /is a file, not a folder/ },
  { id: 'merge: -o not empty', category: 'hostile path', setup: (c) => (c.file('out/x', 'x'), ['configs', 'merge', c.shard('a'), c.shard('b'), '-o', path.join(c.root, 'out')]), exit: 2, names: (c) => path.join(c.root, 'out'), says: /is not empty/, unchanged: (c) => [path.join(c.root, 'out')] },
  {
    id: 'merge -o in a read-only folder (issue item 1)',
    category: 'write failure',
    setup: (c) => {
      const a = c.shard('a');
      const b = c.shard('b');
      const parent = c.dir('ro');
      if (!c.unwritable(parent)) return 'root without chattr: no folder can be made unwritable here';
      return ['configs', 'merge', a, b, '-o', path.join(parent, 'out')];
    },
    exit: 4,
    names: (c) => path.join(c.root, 'ro'),
    says: /; nothing was written; pass -o a folder you can write to$/,
    unchanged: (c) => [path.join(c.root, 'ro')],
  },

  // ---- moe configs pack ------------------------------------------------------------------------
  { id: 'pack: --pack-version banana (issue item 7)', category: 'bad argument', setup: (c) => ['configs', 'pack', c.shard('s'), '--name', 'h100', '-o', path.join(c.root, 'p'), '--pack-version', 'banana'], exit: 2, names: () => '--pack-version banana', says: /not a semver version; pass e\.g\. --pack-version 0\.1\.0/ },
  { id: 'pack: --name with spaces', category: 'bad argument', setup: (c) => ['configs', 'pack', c.shard('s'), '--name', 'My GPU', '-o', path.join(c.root, 'p')], exit: 2, names: () => '--name My GPU', says: /lowercase letters, digits and dashes/ },
  { id: 'pack: a source with a symlink leaving it', category: 'hostile path', setup: (c) => (c.link(`s/triton_3_5_1/${CONFIG_NAME}`, c.file('elsewhere.json', GOOD_CONFIG)), ['configs', 'pack', path.join(c.root, 's'), '--name', 'h100', '-o', path.join(c.root, 'p')]), exit: 2, names: () => CONFIG_NAME, says: /outside the folder; a pack is built only from files inside the folder given/ },
  { id: 'pack: a 100 MB pack-input.json', category: 'oversized or odd file', setup: (c) => (c.sparse('s/pack-input.json', 100 * 1024 * 1024), ['configs', 'pack', c.shard('s'), '--name', 'h100', '-o', path.join(c.root, 'p')]), exit: 2, names: () => 'pack-input.json', says: /over the 16777216-byte cap/ },
  {
    id: 'pack -o in a read-only folder (issue item 1)',
    category: 'write failure',
    setup: (c) => {
      const s = c.shard('s');
      const parent = c.dir('ro');
      if (!c.unwritable(parent)) return 'root without chattr: no folder can be made unwritable here';
      return ['configs', 'pack', s, '--name', 'h100', '-o', path.join(parent, 'p')];
    },
    exit: 4,
    names: (c) => path.join(c.root, 'ro'),
    says: /; nothing was written; pass -o a folder you can write to$/,
    unchanged: (c) => [path.join(c.root, 'ro')],
  },

  // ---- moe tune --simulate ---------------------------------------------------------------------
  { id: 'tune: a truncated table', category: 'malformed data', setup: (c) => tune(c.fixture('table/truncated.json')), exit: 2, names: (c) => c.fixture('table/truncated.json'), says: /not valid JSON/ },
  { id: 'tune: every row empty (issue item 7)', category: 'malformed data', setup: (c) => tune(c.fixture('table/empty-rows.json')), exit: 2, names: (c) => c.fixture('table/empty-rows.json'), says: /no row of "rows" holds a time/ },
  { id: 'tune: a 0 µs time (issue item 7)', category: 'malformed data', setup: (c) => tune(c.fixture('table/zero-us.json')), exit: 2, names: () => 'rows.0.us.0', says: /must be more than 0/ },
  { id: 'tune: NaN', category: 'malformed data', setup: (c) => tune(c.fixture('table/nan.json')), exit: 2, names: (c) => c.fixture('table/nan.json'), says: /NaN and Infinity are not JSON numbers/ },
  { id: 'tune: a batch size of 1e20 (issue item 7)', category: 'malformed data', setup: (c) => tune(c.fixture('table/huge-m.json')), exit: 2, names: () => 'rows.0.M', says: /is too large \(whole numbers go up to 9007199254740991, 2\^53-1\)/ },
  { id: 'tune: an empty space', category: 'malformed data', setup: (c) => tune(c.fixture('table/no-space.json')), exit: 2, names: () => 'space', says: /needs at least one config/ },
  { id: 'tune: a JSON string', category: 'malformed data', setup: (c) => tune(c.fixture('table/not-object.json')), exit: 2, names: () => 'the top level', says: /must be an object/ },
  { id: 'tune: an index past the space', category: 'malformed data', setup: (c) => tune(c.fixture('table/unknown-index.json')), exit: 2, names: () => 'rows[M=1].us.7', says: /is not an index into "space"/ },
  { id: 'tune: a FIFO (issue item 3)', category: 'oversized or odd file', setup: (c) => tune(c.fifo('t.json')), exit: 2, names: (c) => path.join(c.root, 't.json'), says: /is a FIFO \(named pipe\), not a regular file; pass a measured table JSON/ },
  { id: 'tune: /dev/zero (issue item 3)', category: 'oversized or odd file', setup: () => tune('/dev/zero'), exit: 2, names: () => '/dev/zero', says: /is a character device, not a regular file/ },
  { id: 'tune: a 100 MB table', category: 'oversized or odd file', setup: (c) => tune(c.sparse('big.json', 100 * 1024 * 1024)), exit: 2, names: (c) => path.join(c.root, 'big.json'), says: /over the 67108864-byte cap/ },
  { id: 'tune: a folder', category: 'oversized or odd file', setup: (c) => tune(c.dir('d')), exit: 2, names: (c) => path.join(c.root, 'd'), says: /is a folder, not a regular file/ },
  { id: 'tune: not UTF-8', category: 'oversized or odd file', setup: (c) => tune(c.file('l.json', Buffer.from([0x7b, 0xff, 0x7d]))), exit: 2, names: (c) => path.join(c.root, 'l.json'), says: /not UTF-8 text/ },
  { id: 'tune: a symlink loop', category: 'hostile path', setup: (c) => (c.link('a.json', path.join(c.root, 'b.json')), c.link('b.json', path.join(c.root, 'a.json')), tune(path.join(c.root, 'a.json'))), exit: 2, names: (c) => path.join(c.root, 'a.json'), says: /ELOOP/ },
  { id: 'tune: --budget past 2^53', category: 'bad argument', setup: (c) => [...tune(c.file('t.json', readFileSync(c.fixture('table/zero-us.json'), 'utf8').replace('"0": 0', '"0": 5'))), '--budget', '99999999999999999999'], exit: 2, names: () => '--budget', says: /not a positive integer up to 9007199254740991/ },
  { id: 'tune: --seed -1', category: 'bad argument', setup: (c) => [...tune(c.fixture('table/zero-us.json')), '--seed', '-1'], exit: 2, names: () => '--seed', says: /0 to 4294967295/ },
  { id: 'tune: --jitter NaN', category: 'bad argument', setup: (c) => [...tune(c.fixture('table/zero-us.json')), '--jitter', 'NaN'], exit: 2, names: () => '--jitter', says: /not a percentage from 0 to 20/ },
];
