import { describe, expect, it } from 'vitest';
import { redactCredential } from './redact-credential.js';

const key = 'sk-proj-CANARY-0123456789abcdefghij';

describe('redactCredential', () => {
  it('cuts out every whole occurrence of the credential', () => {
    expect(redactCredential(`{"message":"Incorrect API key provided: ${key}. Again: ${key}"}`, key)).toBe('{"message":"Incorrect API key provided: [redacted]. Again: [redacted]"}');
  });

  it('cuts out a run of 12 or more of its characters, and leaves shorter ones', () => {
    expect(redactCredential(`key ${key.slice(5, 17)}… and ${key.slice(-20)}`, key)).toBe('key [redacted]… and [redacted]');
    expect(redactCredential(`OpenAI style: ${key.slice(0, 8)}****${key.slice(-4)}`, key)).toBe(`OpenAI style: ${key.slice(0, 8)}****${key.slice(-4)}`);
  });

  it('leaves text without the credential as it is, and redacts a short credential only whole', () => {
    expect(redactCredential('{"error":{"message":"model not found"}}', key)).toBe('{"error":{"message":"model not found"}}');
    expect(redactCredential('token-abc and token-ab', 'token-abc')).toBe('[redacted] and token-ab');
    expect(redactCredential('anything', '')).toBe('anything');
  });
});
