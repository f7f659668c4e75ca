import { describe, expect, it } from 'vitest';
import { fingerprintMessage, fingerprintToolCall } from './fingerprint-call.js';

describe('fingerprintToolCall', () => {
  it('ignores key order, spacing and volatile values in the arguments', () => {
    const first = fingerprintToolCall({ name: 'http_get', argumentsJson: '{"url":"https://ci.example.com/jobs","since":"2026-11-25T18:30:01Z","page":1}' });
    const second = fingerprintToolCall({ name: 'http_get', argumentsJson: '{ "page": 1, "since": "2026-11-25T18:34:55Z", "url": "https://ci.example.com/jobs" }' });
    expect(second.fingerprint).toBe(first.fingerprint);
    expect(first.label).toBe('http_get({"page":1,"since":"<time>","url":"https://ci.example.com/jobs"})');
  });

  it('tells apart different tools, arguments and argument types', () => {
    const fingerprints = [
      fingerprintToolCall({ name: 'read_file', argumentsJson: '{"path":"src/a.ts"}' }),
      fingerprintToolCall({ name: 'read_file', argumentsJson: '{"path":"src/b.ts"}' }),
      fingerprintToolCall({ name: 'write_file', argumentsJson: '{"path":"src/a.ts"}' }),
      fingerprintToolCall({ name: 'read_file', argumentsJson: '{"path":"src/a.ts","limit":1}' }),
      fingerprintToolCall({ name: 'read_file', argumentsJson: '{"path":"src/a.ts","limit":"1"}' }),
    ].map(({ fingerprint }) => fingerprint);
    expect(new Set(fingerprints).size).toBe(fingerprints.length);
  });

  it('compares arguments that are not valid JSON as normalised text', () => {
    const first = fingerprintToolCall({ name: 'bash', argumentsJson: '{"command": "npm test"' });
    const second = fingerprintToolCall({ name: 'bash', argumentsJson: '{"command":   "npm test"' });
    expect(second.fingerprint).toBe(first.fingerprint);
    expect(first.label).toBe('bash({"command": "npm test")');
  });

  it('cuts long labels', () => {
    const { label } = fingerprintToolCall({ name: 'write_file', argumentsJson: JSON.stringify({ path: 'a.ts', content: 'x'.repeat(500) }) });
    expect(label).toHaveLength(160);
    expect(label.endsWith('…')).toBe(true);
  });
});

describe('fingerprintMessage', () => {
  it('depends on the role and the normalised text', () => {
    expect(fingerprintMessage({ role: 'tool', text: 'ok  at 18:30:01' })).toBe(fingerprintMessage({ role: 'tool', text: 'ok at 18:31:02' }));
    expect(fingerprintMessage({ role: 'tool', text: 'ok' })).not.toBe(fingerprintMessage({ role: 'user', text: 'ok' }));
    expect(fingerprintMessage({ role: 'tool', text: 'ok' })).toMatch(/^[0-9a-f]{16}$/);
  });
});
