import { describe, expect, it } from 'vitest';
import { normalizeContent } from './normalize-content.js';

describe('normalizeContent', () => {
  it('collapses whitespace and strips terminal colours', () => {
    expect(normalizeContent('  \u001b[31mFAIL\u001b[39m  src/date.test.ts\n\n\t> formats')).toBe('FAIL src/date.test.ts > formats');
  });

  it('masks what changes from one run of the same thing to the next', () => {
    const masked = normalizeContent(
      [
        'request 3f2a9c1e-7b4d-4e8a-9f0c-1d2e3f4a5b6c',
        'at 2026-11-25T18:30:01.123Z and 2026-11-25 18:30:01+01:00',
        'Start at 18:30:01, Duration 1.53s (transform 20ms, setup 0 ms)',
        'commit 9fceb02d0ae598e95dc970b74767f19372d61af8, build index-3f9a1c0e.js, pointer 0x7ffd5fbff8ac',
        'tool call call_Jq8VxW2kR5nB0mLp7TzY4dHs, message msg_01XFDUDYJgAACzvnptvVoYEL',
        'epoch 1764095401 and 1764095401123',
      ].join('\n'),
    );
    expect(masked).toBe(
      'request <uuid> at <time> and <time> Start at <time>, Duration <duration> (transform <duration>, setup <duration>) ' +
        'commit <hex>, build index-<hex>.js, pointer <hex> tool call call_<id>, message msg_<id> epoch <number> and <number>',
    );
  });

  it('keeps what tells progress apart from repetition', () => {
    const kept = [
      'src/date.ts:12:30 - error TS2322',
      'Tests 3 failed | 41 passed (44)',
      'exit code 1',
      'progress: 47%',
      'processed 123456 rows',
      'listening on port 51234',
      'node v20.11.1',
      'deadbeef acceded facade',
      'migration-20240101-add-users.sql',
      'handleIncomingRequestWithRetry',
    ];
    for (const text of kept) expect(normalizeContent(text)).toBe(text);
  });

  it('makes two runs of the same failing test equal and a different failure different', () => {
    const run = (start: string, duration: string, expected: string) =>
      ` FAIL  src/date.test.ts > formatDay\nAssertionError: expected 'Tue' to be '${expected}'\n Test Files  1 failed (1)\n   Start at  ${start}\n   Duration  ${duration}`;
    expect(normalizeContent(run('18:30:01', '1.53s', 'Wed'))).toBe(normalizeContent(run('18:31:17', '1.61s', 'Wed')));
    expect(normalizeContent(run('18:30:01', '1.53s', 'Wed'))).not.toBe(normalizeContent(run('18:31:17', '1.61s', 'Thu')));
  });
});
