import { type ConfigObject, type DivergentList, type NumberField, getPath, isObject, joinPath, readNumber } from './config-fields';
import { InvalidModelConfigError } from './errors/invalid-model-config-error';
import { UnresolvedMoeFieldError } from './errors/unresolved-moe-field-error';
import { MAX_SHAPE_DIMENSION } from './moe-keys';

export function unique<T>(items: T[]): T[] {
  return [...new Set(items)];
}

/**
 * Reads the numbers of one config.json for the field resolvers: every value of the wrong type, out
 * of range or different across layers is refused here with the label, the key and the override
 * flag (`flag`, null for fields without one); notes on values read from per-layer lists collect
 * in `notes`.
 */
export class ShapeReader {
  readonly notes: string[] = [];
  /** The scopes `find` looks in, in order (set once the text model's scope is known). */
  lookIn: string[] = [''];
  /** Which layers are MoE layers, from a per-layer expert-count list (set with the scope). */
  moeLayers: boolean[] | undefined;

  constructor(
    readonly config: ConfigObject,
    readonly label: string,
  ) {}

  /** A positive integer up to MAX_SHAPE_DIMENSION, or InvalidModelConfigError. */
  positive(field: NumberField, flag: string | null): number {
    if (!Number.isInteger(field.value) || field.value <= 0) {
      throw new InvalidModelConfigError(
        `${this.label}: ${field.key} = ${field.value} is not a positive integer; fix the config.json${flag ? ` or pass \`${flag}\` <value>` : ''}`,
      );
    }
    if (field.value > MAX_SHAPE_DIMENSION) {
      throw new InvalidModelConfigError(
        `${this.label}: ${field.key} = ${BigInt(field.value)} is over ${MAX_SHAPE_DIMENSION} (2^31-1), too large for a kernel dimension; fix the config.json${flag ? ` or pass \`${flag}\` <value>` : ''}`,
      );
    }
    if (field.note) this.notes.push(field.note);
    return field.value;
  }

  /** A per-layer list whose MoE layers differ: one kernel shape does not fit them all. */
  divergent(d: DivergentList, flag: string): never {
    throw new UnresolvedMoeFieldError(
      `${this.label}: ${d.key} differs across MoE layers (${d.values.join(', ')}), so one kernel shape does not fit every layer; pass \`${flag}\` <value> for the layers you want to tune`,
    );
  }

  /** readNumber, but a value of the wrong type (a quoted number, a boolean) is named, not skipped. */
  read(path: string, flag: string | null, layers?: boolean[]): NumberField | DivergentList | undefined {
    const raw = getPath(this.config, path);
    const label = this.label;
    if (typeof raw === 'string' || typeof raw === 'boolean' || isObject(raw)) {
      throw new InvalidModelConfigError(
        `${label}: ${path} = ${JSON.stringify(raw)} is not a number; fix the config.json${flag ? ` or pass \`${flag}\` <value>` : ''}`,
      );
    }
    // JSON reads 1e999 as Infinity: named here, where readNumber would skip it as "not numeric".
    const fix = `fix the config.json${flag ? ` or pass \`${flag}\` <value>` : ''}`;
    if (typeof raw === 'number' && !Number.isFinite(raw)) {
      throw new InvalidModelConfigError(
        Number.isNaN(raw) ? `${label}: ${path} = NaN is not a number; ${fix}` : `${label}: ${path} = ${raw} (a number past the largest float, e.g. 1e999) is not a finite number; ${fix}`,
      );
    }
    if (Array.isArray(raw) && raw.some((v) => typeof v === 'number' && !Number.isFinite(v))) {
      throw new InvalidModelConfigError(`${label}: ${path} = [${raw.map(String).join(',')}] holds ${raw.some((v) => Number.isNaN(v)) ? 'NaN' : 'a number past the largest float (e.g. 1e999)'}; ${fix}`);
    }
    return readNumber(this.config, path, layers);
  }

  /** The first of `keys` set in any scope of `lookIn`, read over the MoE layers. */
  find(keys: string[], flag: string | null): NumberField | DivergentList | undefined {
    for (const s of this.lookIn) {
      for (const key of keys) {
        const field = this.read(joinPath(s, key), flag, this.moeLayers);
        if (field !== undefined) return field;
      }
    }
    return undefined;
  }
}
