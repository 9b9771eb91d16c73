/** Reading values out of an untyped config.json by dotted key paths ('text_config.num_experts'). */

export type ConfigObject = Record<string, unknown>;

export function isObject(value: unknown): value is ConfigObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The value at a dotted path, or undefined. */
export function getPath(root: ConfigObject, path: string): unknown {
  let current: unknown = root;
  for (const part of path.split('.')) {
    if (!isObject(current)) return undefined;
    current = current[part];
  }
  return current;
}

/** Joins a scope ('' for the root, 'text_config', ...) and a key into one path. */
export function joinPath(scope: string, key: string): string {
  return scope ? `${scope}.${key}` : key;
}

/** A number read from the config: a plain number, or the MoE layers' value of a per-layer list. */
export interface NumberField {
  value: number;
  key: string;
  /** Set when the value came from a per-layer list. */
  note?: string;
  /** A per-layer list whose layers hold different values (the MoE layers' value was taken). */
  layersDiffer?: boolean;
}

/** A per-layer list whose MoE layers disagree: the caller turns it into an error. */
export interface DivergentList {
  key: string;
  values: number[];
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

/**
 * Reads a number at `path`. A list is taken as per-layer: the entries of the MoE layers (those
 * `moeLayers` marks, else every non-zero entry) must agree, and the note says so when layers differ.
 * Returns undefined when the key is absent, null or not numeric, and a DivergentList when the
 * MoE layers hold different values.
 */
export function readNumber(
  root: ConfigObject,
  path: string,
  moeLayers?: boolean[],
): NumberField | DivergentList | undefined {
  const raw = getPath(root, path);
  if (isCount(raw)) return { value: raw, key: path };
  if (!Array.isArray(raw) || raw.length === 0 || !raw.every((v) => v === null || isCount(v))) return undefined;
  const list = raw as (number | null)[];
  const masked =
    moeLayers && moeLayers.length === list.length ? list.filter((_, i) => moeLayers[i]) : list;
  const values = masked.filter((v): v is number => v !== null && v !== 0);
  const distinct = [...new Set(values)];
  if (distinct.length === 0) return undefined;
  if (distinct.length > 1) return { key: path, values: distinct.sort((a, b) => a - b) };
  const value = distinct[0] as number;
  const allSame = list.every((v) => v === value);
  return {
    value,
    key: path,
    layersDiffer: !allSame,
    note: allSame
      ? `${path} is a per-layer list (${list.length} entries), all ${value}`
      : `${path} is a per-layer list whose layers differ: the ${values.length} MoE layers of ${list.length} take ${value}`,
  };
}

export function isDivergent(field: NumberField | DivergentList | undefined): field is DivergentList {
  return field !== undefined && 'values' in field;
}

/** The first string of a string or string list at `path`. */
export function readString(root: ConfigObject, path: string): string | null {
  const raw = getPath(root, path);
  if (typeof raw === 'string' && raw) return raw;
  if (Array.isArray(raw) && typeof raw[0] === 'string' && raw[0]) return raw[0];
  return null;
}
