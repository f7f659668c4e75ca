import { matchGlob } from './match-glob.js';

/** The token that, last in a pattern, stands for any further arguments. */
export const anyFurtherArguments = '...';

/**
 * Whether an argument vector matches a command pattern. A pattern is words separated by
 * spaces, matched one to one against the arguments: `a|b` is either word, `*` inside a word
 * is any run of characters except a `..` path segment (so `cat src/*` never reaches
 * `src/../../etc/passwd`; a pattern that means `..` writes it), and a last word `...` allows any
 * further arguments. Without `...` the arguments must end where the pattern does.
 * @example matchCommandPattern('git status|diff|log ...', ['git', 'log', '--oneline']) // true
 */
export function matchCommandPattern(pattern: string, argv: readonly string[]): boolean {
  const words = pattern.trim().split(/\s+/);
  const open = words.at(-1) === anyFurtherArguments;
  const fixed = open ? words.slice(0, -1) : words;
  if (open ? argv.length < fixed.length : argv.length !== fixed.length) return false;
  return fixed.every((word, index) => wordMatches(word, argv[index] ?? ''));
}

/** Why a pattern is malformed, or undefined when it is fine; for the config schema. */
export function commandPatternProblem(pattern: string): string | undefined {
  const words = pattern.trim().split(/\s+/);
  if (words[0] === '') return 'a command pattern cannot be empty';
  if (words[0] === anyFurtherArguments) return `a command pattern starts with the program, not "${anyFurtherArguments}"`;
  if (words.slice(0, -1).includes(anyFurtherArguments)) return `"${anyFurtherArguments}" may only be the last word of a command pattern`;
  if (words.some((word) => word.split('|').includes(''))) return 'a command pattern has an empty alternative ("a||b" or a leading or trailing "|")';
  return undefined;
}

function wordMatches(word: string, argument: string): boolean {
  return word.split('|').some((alternative) => matchGlob(alternative, argument) && (!alternative.includes('*') || parentSegments(argument) <= parentSegments(alternative)));
}

/** How many `..` path segments a word has, also after `=` as in `--output=../x`. */
function parentSegments(word: string): number {
  return word.split(/[/=]/).filter((segment) => segment === '..').length;
}
