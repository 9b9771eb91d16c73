// The config sets a bench compares, from `--sets default,tuned:<dir>,shipped:<dir>,pack:<name>,installed`.
// Each set is a place the engine could read its config files from; per batch size the bench
// takes the config the engine would load from there (config-store's lookup: nearest key,
// Triton-version fallback, down-file fallback, default).
import { deviceNameForEngine, type Engine } from '@moe/engine-facts';
import { BenchOptionError } from './errors/bench-option-error';

export type SetKind = 'default' | 'tuned' | 'shipped' | 'pack' | 'installed';
export const SET_KINDS: readonly SetKind[] = ['default', 'tuned', 'shipped', 'pack', 'installed'];

export interface SetSpec {
  kind: SetKind;
  /** tuned/shipped: the folder; pack: a pack name or folder; null for default and installed. */
  arg: string | null;
  /** shipped/tuned/pack: another GPU's files (`shipped:<dir>@<device name>`), else null (this card's). */
  deviceName: string | null;
  /** How reports name the set: the kind, the device's file-name spelling after @, #2 for a repeat. */
  label: string;
  /** The spec as written. */
  spec: string;
}

/** The baseline every speedup is over. */
export const BASELINE_SET = 'default';

const USAGE = 'pass e.g. `sets` default,tuned:out/,shipped:reference/sglang-configs@NVIDIA H100 80GB HBM3,pack:@moe/configs-h200,installed';

/**
 * `<dir>@<device>` splits at the last '@' when what follows holds no '/' (a device name never
 * does; a scoped pack name `@moe/configs-h200` or a folder `a@b/c` keeps its '@').
 */
function splitDevice(text: string): { arg: string; deviceName: string | null } {
  const at = text.lastIndexOf('@');
  if (at <= 0) return { arg: text, deviceName: null };
  const device = text.slice(at + 1);
  if (device.includes('/') || device.includes('\\')) return { arg: text, deviceName: null };
  return { arg: text.slice(0, at), deviceName: device.trim() };
}

/** Parses the comma-separated set specs; `default` is put first when it is not given. */
export function parseSetSpecs(text: string, engine: Engine): { sets: SetSpec[]; notes: string[] } {
  const notes: string[] = [];
  const parts = text.split(',').map((p) => p.trim());
  if (parts.some((p) => p === '')) throw new BenchOptionError(`\`sets\` ${JSON.stringify(text)}: an empty entry; ${USAGE}`);
  const sets: SetSpec[] = [];
  for (const spec of parts) {
    const colon = spec.indexOf(':');
    const word = colon < 0 ? spec : spec.slice(0, colon);
    const rest = colon < 0 ? null : spec.slice(colon + 1).trim();
    if (!(SET_KINDS as readonly string[]).includes(word)) {
      throw new BenchOptionError(`\`sets\` ${spec}: unknown set ${JSON.stringify(word)}; each is one of ${SET_KINDS.join(', ')} (tuned, shipped and pack take :<folder or name>); ${USAGE}`);
    }
    const kind = word as SetKind;
    if (kind === 'default' || kind === 'installed') {
      if (rest !== null) {
        throw new BenchOptionError(
          `\`sets\` ${spec}: ${kind} takes no argument (${kind === 'installed' ? 'it is what the engine of `python` loads' : "it is the engine's default config"}); write ${kind}`,
        );
      }
      sets.push({ kind, arg: null, deviceName: null, label: kind, spec });
      continue;
    }
    if (rest === null || rest === '') {
      throw new BenchOptionError(`\`sets\` ${spec}: ${kind} needs a ${kind === 'pack' ? 'pack name or folder' : 'folder'} after the colon, e.g. ${kind === 'pack' ? 'pack:@moe/configs-h200' : `${kind}:out/`}`);
    }
    const { arg, deviceName } = kind === 'pack' ? { arg: rest, deviceName: null } : splitDevice(rest);
    if (arg === '') throw new BenchOptionError(`\`sets\` ${spec}: no folder before the @; write ${kind}:<folder>@<device name>`);
    if (deviceName === '') throw new BenchOptionError(`\`sets\` ${spec}: no device name after the @; write ${kind}:<folder>@<device name>, e.g. @NVIDIA H100 80GB HBM3`);
    const label = deviceName ? `${kind}@${deviceNameForEngine(engine, deviceName)}` : kind;
    sets.push({ kind, arg, deviceName, label, spec });
  }
  // Repeated labels get #2, #3, ... in the order given.
  const seen = new Map<string, number>();
  for (const s of sets) {
    const n = (seen.get(s.label) ?? 0) + 1;
    seen.set(s.label, n);
    if (n > 1) s.label = `${s.label}#${n}`;
  }
  const dupDefault = sets.filter((s) => s.kind === 'default').length;
  if (dupDefault > 1) throw new BenchOptionError(`\`sets\` ${text}: default is given ${dupDefault} times; give it once (it is the baseline)`);
  if (dupDefault === 0) {
    sets.unshift({ kind: 'default', arg: null, deviceName: null, label: BASELINE_SET, spec: 'default' });
    notes.push('`sets` has no default: added it first, as the baseline of every speedup');
  } else if (sets[0]!.kind !== 'default') {
    const i = sets.findIndex((s) => s.kind === 'default');
    sets.unshift(...sets.splice(i, 1));
  }
  return { sets, notes };
}
