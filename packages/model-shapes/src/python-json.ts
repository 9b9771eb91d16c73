/**
 * Parses JSON as Python's json.loads does (transformers reads config.json with it): plain JSON,
 * plus the bare words NaN, Infinity and -Infinity that Python's json.dumps writes for floats
 * like float('nan'). They become the numbers NaN and ±Infinity. Anything else JSON.parse refuses
 * is refused the same way (its error is thrown).
 */
export function parsePythonJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    const marked = markPythonWords(text);
    if (marked === null) throw err;
    return JSON.parse(marked.text, (_key, value: unknown) => (typeof value === 'string' && marked.words.has(value) ? marked.words.get(value) : value));
  }
}

const WORDS: [string, number][] = [
  ['-Infinity', -Infinity],
  ['Infinity', Infinity],
  ['NaN', NaN],
];

/** The text with each bare NaN/Infinity/-Infinity outside strings replaced by a unique string, or null when there is none. */
function markPythonWords(text: string): { text: string; words: Map<string, number> } | null {
  const tag = `\u0001moe-${Math.random().toString(36).slice(2)}-`;
  const words = new Map<string, number>();
  let out = '';
  let inString = false;
  let last = 0;
  let found = false;
  for (let i = 0; i < text.length; i += 1) {
    const ch = text[i];
    if (inString) {
      if (ch === '\\') i += 1;
      else if (ch === '"') inString = false;
      continue;
    }
    if (ch === '"') {
      inString = true;
      continue;
    }
    for (const [word, value] of WORDS) {
      if (!text.startsWith(word, i)) continue;
      const marker = `${tag}${word}`;
      words.set(marker, value);
      out += `${text.slice(last, i)}${JSON.stringify(marker)}`;
      i += word.length - 1;
      last = i + 1;
      found = true;
      break;
    }
  }
  if (!found) return null;
  return { text: out + text.slice(last), words };
}
