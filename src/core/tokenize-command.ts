/** A command split into its argument vector, or why it was not split. */
export type TokenizedCommand = { ok: true; argv: string[] } | { ok: false; reason: string };

// Shell syntax Warden refuses rather than interprets: each would let one allowed command carry
// another (`git status; rm -rf ~`), read or write files (`> x`), or run code (`$(…)`).
const operators: Record<string, string> = {
  ';': 'a command separator',
  '&': 'a background or && operator',
  '|': 'a pipe or || operator',
  '<': 'a redirection',
  '>': 'a redirection',
  '(': 'a subshell',
  ')': 'a subshell',
  '$': 'an expansion ($VAR, $(…), ${…})',
  '`': 'a command substitution',
};
// Unquoted, a shell would expand these into other arguments than the ones checked.
const expansions: Record<string, string> = { '*': 'a glob', '?': 'a glob', '[': 'a glob', '{': 'a brace expansion' };
const wordStartExpansions: Record<string, string> = { '~': 'a home directory expansion', '#': 'a comment' };
const escapableInDoubleQuotes = new Set(['$', '`', '"', '\\']);

/**
 * Splits a shell command into arguments the way sh would, with quotes and backslashes, and
 * refuses anything that would make a shell do more than run one program: operators,
 * redirections, expansions, substitutions, unquoted globs and line breaks.
 * @example tokenizeCommand(`git commit -m "fix: a; b"`) // { ok: true, argv: ['git', 'commit', '-m', 'fix: a; b'] }
 */
export function tokenizeCommand(command: string): TokenizedCommand {
  const control = [...command].find((character) => (character < ' ' && character !== '\t') || character === '\u007f');
  if (control !== undefined) return refuse(control === '\n' || control === '\r' ? 'a line break' : 'a control character', control);

  const argv: string[] = [];
  let word = '';
  let inWord = false;
  for (let index = 0; index < command.length; index += 1) {
    const character = command[index] ?? '';
    if (character === ' ' || character === '\t') {
      if (inWord) argv.push(word);
      word = '';
      inWord = false;
    } else if (character === "'") {
      const end = command.indexOf("'", index + 1);
      if (end === -1) return { ok: false, reason: 'it has a single quote that is never closed' };
      word += command.slice(index + 1, end);
      inWord = true;
      index = end;
    } else if (character === '"') {
      const quoted = readDoubleQuoted(command, index + 1);
      if (!quoted.ok) return quoted;
      word += quoted.text;
      inWord = true;
      index = quoted.end;
    } else if (character === '\\') {
      if (index + 1 >= command.length) return { ok: false, reason: 'it ends in a backslash' };
      word += command[index + 1];
      inWord = true;
      index += 1;
    } else {
      const meaning = operators[character] ?? expansions[character] ?? (inWord ? undefined : wordStartExpansions[character]);
      if (meaning !== undefined) return refuse(meaning, character);
      word += character;
      inWord = true;
    }
  }
  if (inWord) argv.push(word);
  if (argv.length === 0) return { ok: false, reason: 'it is empty' };
  return { ok: true, argv };
}

function readDoubleQuoted(command: string, start: number): { ok: true; text: string; end: number } | { ok: false; reason: string } {
  let text = '';
  for (let index = start; index < command.length; index += 1) {
    const character = command[index] ?? '';
    if (character === '"') return { ok: true, text, end: index };
    if (character === '\\' && escapableInDoubleQuotes.has(command[index + 1] ?? '')) {
      text += command[index + 1];
      index += 1;
    } else if (character === '$' || character === '`') {
      return refuse(operators[character] ?? '', character, ' inside double quotes');
    } else {
      text += character;
    }
  }
  return { ok: false, reason: 'it has a double quote that is never closed' };
}

function refuse(meaning: string, character: string, where = ''): { ok: false; reason: string } {
  const shown = character === '\n' ? '\\n' : character === '\r' ? '\\r' : character < ' ' || character === '\u007f' ? `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}` : character;
  return { ok: false, reason: `it contains "${shown}" (${meaning})${where}` };
}
