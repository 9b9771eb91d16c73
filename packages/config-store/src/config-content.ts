import { KERNEL_CONFIG_FIELDS, LAUNCH_DEFAULT_FIELDS, type ConfigKey, type Engine, type KernelConfig } from '@moe/engine-facts';
import type { ConfigTable } from './config-table';
import { checkEntryFields, checkEntryFit, entryContext, entryFields, FIX_RETUNE, GroupedIssues } from './entry-checks';
import { BadConfigFileError } from './errors/bad-config-file-error';
import type { Issue } from './finding';
import { issue } from './finding';
import type { JsonNode, JsonOut } from './json-text';
import { formatPythonJson, JsonSyntaxError, MAX_JSON_DEPTH, nodeToOut, parseJsonText } from './json-text';

/** A config file's content as written: entries in file order, fields as JSON values. */
export interface ConfigFileContent {
  /** vLLM's leading `"triton_version"` entry, when present. */
  tritonVersion: string | null;
  entries: ContentEntry[];
}

export interface ContentEntry {
  /** The batch key exactly as written ("64"). */
  key: string;
  /** Fields in file order; values as Python would re-emit them. */
  fields: [string, JsonOut][];
}

/** Everything known about a file's content, for one engine. */
export interface AnalyzedContent {
  /** null when the text is not a JSON object. */
  content: ConfigFileContent | null;
  /** What the engine loads: batch key -> config (Triton's launch defaults filled in for missing warps/stages). */
  table: ConfigTable;
  /** Batch keys the engine loads whose entry fails when the engine picks it (missing fields, wrong types). */
  brokenKeys: number[];
  /** Every batch key the engine's dict holds, in its order (a repeated key keeps its first place). */
  engineKeys: number[];
  /** False when the engine fails while loading the file. */
  loadable: boolean;
  /** True when the bytes are exactly what the engine's tuner would write for this content. */
  canonical: boolean;
  /** Why the bytes differ from the tuner's output (empty when canonical). */
  noncanonicalReasons: string[];
  issues: Issue[];
}

export interface ContentContext {
  engine: Engine;
  /** The key parsed from the file name, when known: enables dtype, block and GPU checks. */
  key?: ConfigKey | null;
}

/** Python's int() on a string key: optional whitespace and sign, digits with single underscores. */
export function pythonIntKey(key: string): number | null {
  const m = /^[ \t\n\r\f\v]*([+-]?\d+(?:_\d+)*)[ \t\n\r\f\v]*$/.exec(key);
  if (!m) return null;
  const n = Number((m[1] as string).replace(/_/g, ''));
  return Number.isSafeInteger(n) ? n : null;
}


/** Decodes file bytes as strict UTF-8 (as Python's open() does), or throws BadConfigFileError. */
export function decodeConfigBytes(bytes: Uint8Array, label = 'config file'): string {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    throw new BadConfigFileError(`${label} is not valid UTF-8 text; the engines read config files as UTF-8, so rewrite it as UTF-8 JSON`);
  }
}

type JsonObjectNode = Extract<JsonNode, { kind: 'object' }>;

/** The text as a JSON object, or null with the issue that says why not. */
function parseTopLevel(text: string): { root: JsonObjectNode; issue: null } | { root: null; issue: Issue } {
  let root: JsonNode;
  try {
    root = parseJsonText(text);
  } catch (err) {
    if (!(err instanceof JsonSyntaxError)) throw err;
    const deep = err.reason.startsWith('nesting deeper');
    return {
      root: null,
      issue: deep
        ? issue('error', 'too-deep', `JSON nests deeper than ${MAX_JSON_DEPTH} levels (${err.message}); a config file nests 2`, FIX_RETUNE)
        : issue('error', 'invalid-json', `not valid JSON: ${err.message}`, 'fix the JSON syntax or regenerate the file'),
    };
  }
  if (root.kind !== 'object') return { root: null, issue: issue('error', 'not-object', `the top level is a JSON ${root.kind}, not an object of batch sizes`, FIX_RETUNE) };
  return { root, issue: null };
}

/** vLLM's leading "triton_version" entry (kept in `content`); SGLang fails to load a file with one. */
function tritonVersionEntry(engine: Engine, value: JsonNode, content: ConfigFileContent): Issue | null {
  if (engine === 'sglang') {
    return issue(
      'error',
      'triton-version-key',
      `has a "triton_version" entry: SGLang converts every key with int() and fails to load the file`,
      'remove the "triton_version" entry (install with `moe configs install --engine sglang` does it)',
    );
  }
  if (value.kind === 'string') content.tritonVersion = value.value;
  return null;
}

/** Whether the bytes are what the engine's tuner writes; if not, the reasons and an info issue. */
function checkCanonical(out: AnalyzedContent, engine: Engine, text: string, root: JsonObjectNode, content: ConfigFileContent): void {
  const canonicalText = formatConfigContent(engine, content);
  out.canonical = canonicalText === text;
  if (out.canonical) return;
  out.noncanonicalReasons = noncanonicalReasons(engine, text, root, canonicalText);
  out.issues.push(
    issue(
      'info',
      'noncanonical',
      `not formatted as the ${engine === 'sglang' ? 'SGLang' : 'vLLM'} tuner writes it: ${out.noncanonicalReasons.join('; ')}`,
      `rewrite it with \`moe configs install\` or the engine's tuner (content is unaffected)`,
    ),
  );
}

/** Reads a config file's text the way `ctx.engine` loads it and checks everything MoE Kit can. */
export function analyzeConfigText(text: string, ctx: ContentContext): AnalyzedContent {
  const { engine } = ctx;
  const out: AnalyzedContent = {
    content: null,
    table: new Map(),
    brokenKeys: [],
    engineKeys: [],
    loadable: false,
    canonical: false,
    noncanonicalReasons: [],
    issues: [],
  };
  const top = parseTopLevel(text);
  if (!top.root) {
    out.issues.push(top.issue);
    return out;
  }
  const { root } = top;
  const ec = entryContext(engine, ctx.key ?? null);
  const grouped = new GroupedIssues();
  const content: ConfigFileContent = { tritonVersion: null, entries: [] };
  let loadable = true;
  const seenKeys = new Map<number, string>();
  const broken = new Set<number>();

  for (const member of root.members) {
    if (member.key === 'triton_version') {
      const problem = tritonVersionEntry(engine, member.value, content);
      if (problem) {
        loadable = false;
        out.issues.push(problem);
      }
      continue;
    }
    // Both engines convert every key with Python's int() (vLLM after dropping "triton_version"):
    // a key int() rejects makes the whole load fail.
    const m = pythonIntKey(member.key);
    const fields: [string, JsonOut][] = member.value.kind === 'object' ? member.value.members.map((f) => [f.key, nodeToOut(f.value)]) : [];
    content.entries.push({ key: member.key, fields });
    if (m === null) {
      loadable = false;
      out.issues.push(
        issue(
          'error',
          'bad-batch-key',
          `key ${JSON.stringify(member.key)} is not an integer: ${engine === 'sglang' ? 'SGLang' : 'vLLM'} converts every key with int() and fails to load the file`,
          'use batch sizes as keys ("1", "2", ...) and nothing else',
        ),
      );
      continue;
    }
    const keyText = JSON.stringify(member.key);
    if (seenKeys.has(m)) {
      grouped.add('warning', 'duplicate-key', `batch size ${m} appears more than once; the engine keeps the last value at the first position`, 'keep one entry per batch size', keyText);
    }
    if (!seenKeys.has(m)) out.engineKeys.push(m);
    seenKeys.set(m, member.key);
    if (member.value.kind !== 'object') {
      broken.add(m);
      grouped.add('error', 'entry-not-object', `value is a JSON ${member.value.kind}, not a config object`, FIX_RETUNE, keyText);
      continue;
    }
    const { config, ok } = checkEntryFields(entryFields(member.value.members, grouped, keyText), ec, grouped, keyText);
    if (!ok) {
      broken.add(m);
      continue;
    }
    broken.delete(m);
    for (const field of LAUNCH_DEFAULT_FIELDS) if (config[field] === undefined) config[field] = ec.launch[field as 'num_warps' | 'num_stages'];
    const kc = config as unknown as KernelConfig;
    out.table.set(m, kc);
    checkEntryFit(kc, ec, grouped, keyText);
  }
  // A key whose last occurrence is broken is broken; the table holds only usable entries.
  for (const m of broken) out.table.delete(m);
  out.brokenKeys = [...broken];
  out.issues.push(...grouped.issues());
  out.content = content;
  out.loadable = loadable;
  if (loadable && out.table.size === 0 && broken.size === 0) {
    out.issues.push(issue('warning', 'empty-table', 'has no batch-size entries: the engine treats it as missing and uses its default config', FIX_RETUNE));
  }
  checkCanonical(out, engine, text, root, content);
  return out;
}

function noncanonicalReasons(engine: Engine, text: string, root: Extract<JsonNode, { kind: 'object' }>, canonical: string): string[] {
  const reasons: string[] = [];
  if (text.includes('\r\n')) reasons.push('CRLF line endings');
  if (!text.endsWith('\n')) reasons.push('no newline at the end');
  else if (/\n[ \t\r\n]*\n$/.test(text) || /[ \t]+\n$/.test(text)) reasons.push('extra blank lines or spaces at the end');
  const topKeys = root.members.map((m) => m.key).filter((k) => k !== 'triton_version');
  const topSet = new Set(topKeys.map((k) => pythonIntKey(k) ?? k));
  if (topSet.size !== topKeys.length) reasons.push('duplicate batch keys');
  const nums = topKeys.map((k) => pythonIntKey(k));
  if (nums.every((n) => n !== null)) {
    for (let i = 1; i < nums.length; i += 1) {
      if ((nums[i] as number) < (nums[i - 1] as number)) {
        reasons.push('batch keys not in ascending order');
        break;
      }
    }
    if (topKeys.some((k) => String(pythonIntKey(k)) !== k)) reasons.push('batch keys not written as plain integers');
  }
  const tv = root.members.findIndex((m) => m.key === 'triton_version');
  if (tv >= 0 && engine === 'sglang') reasons.push('a "triton_version" entry (the SGLang tuner writes none)');
  if (tv > 0 && engine === 'vllm') reasons.push('"triton_version" is not the first entry');
  let fieldOrder = false;
  let fieldDup = false;
  for (const m of root.members) {
    if (m.value.kind !== 'object') continue;
    const names = m.value.members.map((f) => f.key);
    if (new Set(names).size !== names.length) fieldDup = true;
    const ranks = names.map((n) => (KERNEL_CONFIG_FIELDS as readonly string[]).indexOf(n)).map((r) => (r < 0 ? 1000 : r));
    for (let i = 1; i < ranks.length; i += 1) if ((ranks[i] as number) < (ranks[i - 1] as number)) fieldOrder = true;
  }
  if (fieldDup) reasons.push('duplicate fields');
  if (fieldOrder) reasons.push("fields not in the tuner's order");
  // Whitespace: the same members in file order, dumped with indent=4.
  const sameOrder = formatPythonJson(nodeToOut(root), 4);
  const body = text.replace(/\r\n/g, '\n').replace(/\s+$/, '');
  if (sameOrder !== body) {
    const firstIndented = /\n( +)"/.exec(body);
    const indent = firstIndented ? (firstIndented[1] as string).length : 0;
    if (indent !== 4) reasons.push(indent === 0 ? 'not indented' : `indented with ${indent} spaces instead of 4`);
    else if (formatPythonJson(nodeToOut(root), 4).replace(/\s/g, '') === body.replace(/\s/g, '')) reasons.push('indentation or spacing differs from indent=4');
    else reasons.push('numbers or strings written differently from Python json');
  }
  if (reasons.length === 0 && canonical !== text) reasons.push('differs from the tuner output');
  return reasons;
}

/**
 * The bytes the engine's tuner writes for this content: `json.dumps(..., indent=4)` and a
 * newline; batch keys ascending; fields in the tuners' order (unknown fields after, as found);
 * vLLM keeps a leading "triton_version", SGLang has none.
 */
export function formatConfigContent(engine: Engine, content: ConfigFileContent): string {
  const members: [string, JsonOut][] = [];
  if (engine === 'vllm' && content.tritonVersion !== null) members.push(['triton_version', { kind: 'string', value: content.tritonVersion }]);
  const entries = content.entries.map((e, i) => ({ e, i, n: pythonIntKey(e.key) }));
  entries.sort((a, b) => {
    if (a.n !== null && b.n !== null && a.n !== b.n) return a.n - b.n;
    if (a.n === null && b.n !== null) return 1;
    if (a.n !== null && b.n === null) return -1;
    return a.i - b.i;
  });
  for (const { e } of entries) {
    const rank = (name: string) => {
      const r = (KERNEL_CONFIG_FIELDS as readonly string[]).indexOf(name);
      return r < 0 ? KERNEL_CONFIG_FIELDS.length : r;
    };
    const fields = e.fields.map((f, i) => ({ f, i })).sort((a, b) => rank(a.f[0]) - rank(b.f[0]) || a.i - b.i);
    members.push([e.key, { kind: 'object', members: fields.map((x) => x.f) }]);
  }
  return `${formatPythonJson({ kind: 'object', members }, 4)}\n`;
}

/** The content of a table (keys ascending, fields in the tuners' order). */
export function tableToContent(table: ConfigTable, tritonVersion: string | null = null): ConfigFileContent {
  const entries = [...table.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([m, config]): ContentEntry => ({
      key: String(m),
      fields: KERNEL_CONFIG_FIELDS.filter((f) => config[f] !== undefined).map((f): [string, JsonOut] => {
        const v = config[f] as number | boolean;
        return [f, typeof v === 'boolean' ? { kind: 'bool', value: v } : { kind: 'int', value: v }];
      }),
    }));
  return { tritonVersion, entries };
}

/** Writes a table exactly as the engine's tuner writes a file. */
export function formatConfigTable(engine: Engine, table: ConfigTable, options: { tritonVersion?: string | null } = {}): string {
  return formatConfigContent(engine, tableToContent(table, options.tritonVersion ?? null));
}

export interface ParsedConfigFile {
  content: ConfigFileContent;
  table: ConfigTable;
  tritonVersion: string | null;
  canonical: boolean;
  issues: Issue[];
}

/**
 * Parses a config file for `engine`; throws BadConfigFileError when the engine could not load it
 * (not UTF-8, not JSON, not an object, keys the engine fails on, entries with missing fields).
 */
export function parseConfigFile(engine: Engine, data: string | Uint8Array, options: { key?: ConfigKey | null; label?: string } = {}): ParsedConfigFile {
  const label = options.label ?? 'config file';
  const text = typeof data === 'string' ? data : decodeConfigBytes(data, label);
  const a = analyzeConfigText(text, { engine, key: options.key ?? null });
  const fatal = a.issues.filter((i) => i.severity === 'error' && ['invalid-json', 'too-deep', 'not-object', 'triton-version-key', 'bad-batch-key', 'entry-not-object', 'missing-key', 'unknown-key', 'not-integer'].includes(i.code));
  if (!a.content || !a.loadable || fatal.length > 0) {
    const first = fatal[0] ?? a.issues[0];
    throw new BadConfigFileError(`${label}: ${first ? first.message : 'cannot be loaded'}; fix: ${first ? first.fix : FIX_RETUNE} (run \`moe configs doctor\` for all problems)`);
  }
  return { content: a.content, table: a.table, tritonVersion: a.content.tritonVersion, canonical: a.canonical, issues: a.issues };
}
