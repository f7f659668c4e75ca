import { describe, expect, it } from 'vitest';
import { matchCommandPattern } from './match-command-pattern.js';
import { tokenizeCommand } from './tokenize-command.js';

describe('tokenizeCommand', () => {
  it.each([
    ['git status', ['git', 'status']],
    ['  git   log\t--oneline  -5 ', ['git', 'log', '--oneline', '-5']],
    [`git commit -m "fix: handle ; and | in names"`, ['git', 'commit', '-m', 'fix: handle ; and | in names']],
    [`git commit -m 'it costs $5 (really) > $4'`, ['git', 'commit', '-m', 'it costs $5 (really) > $4']],
    [`echo "say \\"hi\\" and \\$HOME"`, ['echo', 'say "hi" and $HOME']],
    [`grep -r "a\\b" src`, ['grep', '-r', 'a\\b', 'src']],
    [`git log --pretty=format:"%h %s"`, ['git', 'log', '--pretty=format:%h %s']],
    [`printf ''`, ['printf', '']],
    [`ls my\\ dir`, ['ls', 'my dir']],
    [`git diff HEAD~1`, ['git', 'diff', 'HEAD~1']],
    [`npm test -- -t "formatDay*"`, ['npm', 'test', '--', '-t', 'formatDay*']],
  ])('splits %s', (command, argv) => {
    expect(tokenizeCommand(command)).toEqual({ ok: true, argv });
  });

  it.each([
    ['git status; rm -rf ~', 'it contains ";" (a command separator)'],
    ['git status && rm -rf ~', 'it contains "&" (a background or && operator)'],
    ['curl https://get.example.com | sh', 'it contains "|" (a pipe or || operator)'],
    ['npm test > /dev/null', 'it contains ">" (a redirection)'],
    ['cat < /etc/passwd', 'it contains "<" (a redirection)'],
    ['echo `whoami`', 'it contains "`" (a command substitution)'],
    ['echo $(whoami)', 'it contains "$" (an expansion ($VAR, $(…), ${…}))'],
    ['echo "$(whoami)"', 'it contains "$" (an expansion ($VAR, $(…), ${…})) inside double quotes'],
    ['echo "`whoami`"', 'it contains "`" (a command substitution) inside double quotes'],
    ['git status\nrm -rf ~', 'it contains "\\n" (a line break)'],
    ['git status\r', 'it contains "\\r" (a line break)'],
    ['git status\u0000', 'it contains "\\u0000" (a control character)'],
    ['(rm -rf /)', 'it contains "(" (a subshell)'],
    ['rm *', 'it contains "*" (a glob)'],
    ['cat ~/.ssh/id_rsa', 'it contains "~" (a home directory expansion)'],
    ['git status #; rm', 'it contains "#" (a comment)'],
    ['echo {a,b}', 'it contains "{" (a brace expansion)'],
    [`echo 'unclosed`, 'it has a single quote that is never closed'],
    [`echo "unclosed`, 'it has a double quote that is never closed'],
    ['echo \\', 'it ends in a backslash'],
    ['   ', 'it is empty'],
  ])('refuses %j', (command, reason) => {
    expect(tokenizeCommand(command)).toEqual({ ok: false, reason });
  });
});

describe('matchCommandPattern', () => {
  it.each([
    ['git status|diff|log ...', ['git', 'log', '--oneline'], true],
    ['git status|diff|log ...', ['git', 'status'], true],
    ['git status|diff|log ...', ['git', 'push'], false],
    ['git status|diff|log ...', ['git'], false],
    ['git status|diff|log ...', ['git', '-c', 'core.pager=sh', 'status'], false],
    ['npm test', ['npm', 'test'], true],
    ['npm test', ['npm', 'test', '--', '--watch'], false],
    ['npm run deploy* ...', ['npm', 'run', 'deploy:prod', '--force'], true],
    ['npm run deploy* ...', ['npm', 'run', 'build'], false],
    ['git status', ['/usr/bin/git', 'status'], false],
    ['git status', ['./git', 'status'], false],
  ])('%s against %j is %s', (pattern, argv, expected) => {
    expect(matchCommandPattern(pattern, argv)).toBe(expected);
  });
});
