/**
 * A validation problem (a zod issue) in plain words for a one-line error: "must be more than
 * 0", never the library's "Too small: expected number to be >0". Messages a schema wrote itself
 * are kept. Takes the issue's shape, not zod's type, so any caller can pass one.
 */
export interface IssueLike {
  code: string;
  message: string;
  path: PropertyKey[];
  expected?: string;
  origin?: string;
  minimum?: number | bigint;
  maximum?: number | bigint;
  inclusive?: boolean;
  values?: unknown[];
  keys?: string[];
  format?: string;
}

/** The library's own wording starts like this; anything else was written by a schema of ours. */
const LIBRARY_WORDING = /^(Invalid|Too (small|big):|Unrecognized key|Expected|Required)/;

const article = (word: string) => (/^[aeiou]/.test(word) ? `an ${word}` : `a ${word}`);

export function issueWords(issue: IssueLike): string {
  if (!LIBRARY_WORDING.test(issue.message)) return issue.message;
  const n = (x: number | bigint | undefined) => String(x);
  switch (issue.code) {
    case 'invalid_type':
      if (issue.expected === 'int') return 'must be a whole number';
      return issue.message.includes('received undefined') ? `is missing (it must be ${article(issue.expected ?? 'value')})` : `must be ${article(issue.expected ?? 'value')}`;
    case 'too_small':
      if (issue.origin === 'array' || issue.origin === 'set') return `needs at least ${n(issue.minimum)} item${Number(issue.minimum) === 1 ? '' : 's'}`;
      if (issue.origin === 'string') return Number(issue.minimum) === 1 ? 'must not be empty' : `must be at least ${n(issue.minimum)} characters long`;
      return issue.inclusive === false ? `must be more than ${n(issue.minimum)}` : `must be at least ${n(issue.minimum)}`;
    case 'too_big':
      if (issue.origin === 'array' || issue.origin === 'set') return `may have at most ${n(issue.maximum)} items`;
      if (issue.origin === 'string') return `must be at most ${n(issue.maximum)} characters long`;
      if (issue.maximum === Number.MAX_SAFE_INTEGER) return `is too large (whole numbers go up to ${Number.MAX_SAFE_INTEGER}, 2^53-1)`;
      return issue.inclusive === false ? `must be less than ${n(issue.maximum)}` : `must be at most ${n(issue.maximum)}`;
    case 'invalid_value':
      return `must be ${(issue.values ?? []).map((v) => JSON.stringify(v)).join(' or ')}`;
    case 'invalid_format':
      return issue.format === 'regex' ? 'does not have the expected form' : `must be ${article(issue.format ?? 'valid value')}`;
    case 'invalid_key':
      return 'is not an allowed key here';
    case 'unrecognized_keys':
      return `has unknown key${(issue.keys ?? []).length === 1 ? '' : 's'} ${(issue.keys ?? []).join(', ')}`;
    case 'invalid_union':
      return 'has the wrong type';
    case 'not_multiple_of':
      return 'is not an allowed step';
    default:
      return 'is not valid';
  }
}
