// Compose accepts `command`/`entrypoint` as a string, split like a shell would (without expansion), or as a list.
// Both forms normalise to the list, so the same command written either way hashes the same.
import type { Parsed } from './units.js';

/**
 * Splits `sh -c 'echo "a b"'` into words: whitespace separates, single quotes are literal, double quotes allow
 * `\"` and `\\`, a backslash outside quotes escapes the next character. No variables, globs or operators.
 */
export function splitCommand(text: string): Parsed<string[]> {
  const words: string[] = [];
  let current = '';
  let inWord = false;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string;
    if (quote === "'") {
      if (ch === "'") quote = undefined;
      else current += ch;
    } else if (quote === '"') {
      if (ch === '"') quote = undefined;
      else if (ch === '\\' && (text[i + 1] === '"' || text[i + 1] === '\\')) current += text[++i];
      else current += ch;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
      inWord = true;
    } else if (ch === '\\') {
      if (i + 1 >= text.length) return { ok: false, reason: 'ends with a lone backslash' };
      current += text[++i];
      inWord = true;
    } else if (/\s/.test(ch)) {
      if (inWord) words.push(current);
      current = '';
      inWord = false;
    } else {
      current += ch;
      inWord = true;
    }
  }
  if (quote) return { ok: false, reason: `has an unterminated ${quote === '"' ? 'double' : 'single'} quote` };
  if (inWord) words.push(current);
  return { ok: true, value: words };
}
