import { describe, expect, it } from 'vitest';
import { loopDetectedError } from './loop-detected-error.js';
import { defaultLoopDetectionConfig, loopDetectionConfigSchema, type LoopDetectionConfig } from './loop-detection-config-schema.js';
import { observeCall } from './loop-detector.js';
import type { ObservedMessage } from './loop-observation.js';
import { createLoopState, resumeLoopState, type LoopState, type LoopVerdict } from './loop-state.js';

/** One LLM call of an agent: what the model answered, and what running its tool call gave. */
interface Turn {
  /** A message the user or harness adds before the call. */
  user?: string;
  assistant?: string;
  tool?: { name: string; arguments: Record<string, unknown> };
  result?: string;
  failed?: boolean;
}

const startInMs = Date.UTC(2026, 10, 25, 18, 30);

/** Drives a chat-completions style agent: each request resends the whole history. */
function createAgentRun(config: LoopDetectionConfig = defaultLoopDetectionConfig, system = 'You are a coding agent working in /work/repo.') {
  let state = createLoopState();
  const messages: ObservedMessage[] = [{ role: 'system', text: system }];
  let timeInMs = startInMs;
  return {
    call(turn: Turn): LoopVerdict {
      if (turn.user !== undefined) messages.push({ role: 'user', text: turn.user });
      timeInMs += 7_000;
      const toolCalls = turn.tool === undefined || turn.failed ? [] : [{ name: turn.tool.name, argumentsJson: JSON.stringify(turn.tool.arguments) }];
      const result = observeCall(state, { messages: structuredClone(messages), toolCalls, failed: turn.failed ?? false, timeInMs }, config);
      state = result.state;
      if (!turn.failed) {
        messages.push({ role: 'assistant', text: turn.assistant ?? '' });
        if (turn.tool !== undefined) messages.push({ role: 'tool', text: turn.result ?? '' });
      }
      return result.verdict;
    },
    get state(): LoopState {
      return state;
    },
    set state(value: LoopState) {
      state = value;
    },
  };
}

const kinds = (verdicts: LoopVerdict[]) => verdicts.map((verdict) => (verdict.kind === 'ok' ? 'ok' : verdict.reason));

function vitestFailure(startedAt: string, duration: string): string {
  return [
    '> repo@1.0.0 test',
    '> vitest run',
    '',
    ' RUN  v4.1.12 /work/repo',
    '',
    ' ❯ src/format-day.test.ts (3 tests | 1 failed) 12ms',
    '   × formatDay > names the day after a month boundary 8ms',
    '',
    ' FAIL  src/format-day.test.ts > formatDay > names the day after a month boundary',
    "AssertionError: expected 'Sun' to be 'Mon' // Object.is equality",
    ' ❯ src/format-day.test.ts:14:41',
    '',
    ' Test Files  1 failed | 6 passed (7)',
    '      Tests  1 failed | 38 passed (39)',
    `   Start at  ${startedAt}`,
    `   Duration  ${duration} (transform 96ms, setup 0ms, collect 210ms, tests 31ms)`,
  ].join('\n');
}

describe('observeCall on transcripts that must trigger', () => {
  it('stops a coding agent re-running the same failing npm test at repeatThreshold', () => {
    const run = createAgentRun();
    const npmTest = { name: 'bash', arguments: { command: 'npm test' } };
    const verdicts = [run.call({ user: 'Fix the failing test in src/format-day.ts.', assistant: "I'll run the tests first.", tool: npmTest, result: vitestFailure('18:30:09', '1.53s') })];
    const retries = ['Let me run the tests again.', 'Running the tests once more to confirm.', 'Let me re-run the tests.', 'Running npm test again.', 'One more run.'];
    retries.forEach((assistant, index) => {
      verdicts.push(run.call({ assistant, tool: npmTest, result: vitestFailure(`18:3${index + 1}:1${index}`, `1.${60 + index}s`) }));
    });
    expect(kinds(verdicts)).toEqual(['ok', 'ok', 'ok', 'ok', 'repeated-tool-call', 'repeated-tool-call']);
    expect(verdicts[4]).toEqual({
      kind: 'loop',
      reason: 'repeated-tool-call',
      count: 5,
      threshold: 5,
      detail: 'tool call bash({"command":"npm test"}) made 5 times with the same result and nothing new in between (repeatThreshold is 5)',
      action: 'refuse',
      ongoing: false,
    });
    expect(verdicts[5]).toMatchObject({ count: 6, ongoing: true });
    expect(run.state.halt).toEqual({ detection: verdicts[4], sinceInMs: startInMs + 5 * 7_000 });
  });

  it('catches an agent oscillating between reading two files', () => {
    const run = createAgentRun();
    const read = (path: string) => ({ name: 'read_file', arguments: { path } });
    const contents: Record<string, string> = {
      'src/config.ts': "export const retries = Number(process.env.RETRIES ?? '3');",
      'src/client.ts': "import { retries } from './config.js';\nexport const client = createClient({ retries });",
    };
    const verdicts = [run.call({ user: 'Why does the client ignore RETRIES?', assistant: 'Let me look at the config.', tool: read('src/config.ts'), result: contents['src/config.ts'] })];
    for (let index = 1; index < 7; index += 1) {
      const path = index % 2 === 1 ? 'src/client.ts' : 'src/config.ts';
      verdicts.push(run.call({ assistant: `Checking ${path} again.`, tool: read(path), result: contents[path] }));
    }
    expect(kinds(verdicts)).toEqual(['ok', 'ok', 'ok', 'ok', 'ok', 'oscillation', 'oscillation']);
    expect(verdicts[5]).toMatchObject({
      kind: 'loop',
      count: 3,
      detail: 'alternating between read_file({"path":"src/config.ts"}) and read_file({"path":"src/client.ts"}) with unchanged results for 3 cycles (oscillationThreshold is 3)',
    });
  });

  it('calls a task stuck when the upstream fails more than maxConsecutiveFailures times in a row', () => {
    const run = createAgentRun();
    const verdicts = [run.call({ user: 'Summarise the incident report.', assistant: 'Reading it.', tool: { name: 'read_file', arguments: { path: 'incident.md' } }, result: '# Incident 4812\nAPI latency spike' })];
    for (let attempt = 0; attempt < 7; attempt += 1) verdicts.push(run.call({ failed: true }));
    expect(kinds(verdicts)).toEqual(['ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'consecutive-failures', 'consecutive-failures']);
    expect(verdicts[6]).toMatchObject({ kind: 'stuck', count: 6, threshold: 5, detail: '6 upstream calls in a row failed (maxConsecutiveFailures is 5)', ongoing: false });
    expect(verdicts[7]).toMatchObject({ count: 7, ongoing: true });
  });

  it('sees no progress when an agent cycles through three tools that keep answering the same', () => {
    const run = createAgentRun();
    const tools = [
      { tool: { name: 'bash', arguments: { command: 'git status' } }, result: 'On branch main\nnothing to commit, working tree clean' },
      { tool: { name: 'bash', arguments: { command: 'npm run lint' } }, result: 'src/app.ts\n  3:10  error  Unexpected any  @typescript-eslint/no-explicit-any' },
      { tool: { name: 'read_file', arguments: { path: 'src/app.ts' } }, result: 'export function parse(input: any) {\n  return input;\n}' },
    ];
    const verdicts = [run.call({ user: 'Make lint pass.', ...tools[0] })];
    for (let index = 1; index < 10; index += 1) verdicts.push(run.call({ assistant: 'Let me check.', ...tools[index % 3] }));
    expect(kinds(verdicts)).toEqual(['ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'no-progress', 'no-progress']);
    expect(verdicts[8]).toMatchObject({ kind: 'stuck', count: 5, detail: '5 calls in a row brought no new tool result, message or tool call (noProgressThreshold is 5)' });
  });

  it('catches the same request sent again and again by an agent that keeps no history', () => {
    const config = loopDetectionConfigSchema.parse({ repeatThreshold: 3 });
    let state = createLoopState();
    const verdicts: LoopVerdict[] = [];
    for (let index = 0; index < 4; index += 1) {
      const messages: ObservedMessage[] = [{ role: 'user', text: `Classify this ticket (request ${crypto.randomUUID()}): "Refund not received"` }];
      const result = observeCall(state, { messages, toolCalls: [], failed: false, timeInMs: startInMs + index }, config);
      state = result.state;
      verdicts.push(result.verdict);
    }
    expect(kinds(verdicts)).toEqual(['ok', 'ok', 'repeated-request', 'repeated-request']);
  });
});

describe('observeCall on transcripts that must not trigger', () => {
  it('lets an agent poll a CI job whose status and progress change, sleeping in between', () => {
    const run = createAgentRun();
    const progress = ['queued', 'running 5%', 'running 18%', 'running 31%', 'running 44%', 'running 58%', 'running 71%', 'running 86%', 'running 97%', 'passed'];
    const verdicts = [run.call({ user: 'Wait for CI job 4812 and tell me when it is green.', assistant: 'Checking the job.', tool: { name: 'ci_status', arguments: { job: 4812 } }, result: `job 4812: queued (updated 2026-11-25T18:30:00Z)` })];
    progress.forEach((status, index) => {
      verdicts.push(run.call({ assistant: 'Still going, waiting.', tool: { name: 'bash', arguments: { command: 'sleep 30' } }, result: '' }));
      verdicts.push(run.call({ assistant: 'Checking the job.', tool: { name: 'ci_status', arguments: { job: 4812 } }, result: `job 4812: ${status} (updated 2026-11-25T18:3${index}:30Z, run ${crypto.randomUUID()})` }));
    });
    expect(verdicts).toHaveLength(21);
    expect(kinds(verdicts).filter((kind) => kind !== 'ok')).toEqual([]);
    expect(run.state.halt).toBeUndefined();
  });

  it('keeps tasks apart: the same short greeting in many tasks is not a repeat', () => {
    const verdicts = Array.from({ length: 10 }, () => {
      const run = createAgentRun(defaultLoopDetectionConfig, 'You are a friendly assistant.');
      return run.call({ user: 'hi' });
    });
    expect(kinds(verdicts)).toEqual(Array(10).fill('ok'));

    let shared = createLoopState();
    const sharedVerdicts = Array.from({ length: 5 }, (_, index) => {
      const messages: ObservedMessage[] = [{ role: 'system', text: 'You are a friendly assistant.' }, { role: 'user', text: 'hi' }];
      const result = observeCall(shared, { messages, toolCalls: [], failed: false, timeInMs: startInMs + index }, defaultLoopDetectionConfig);
      shared = result.state;
      return result.verdict;
    });
    expect(kinds(sharedVerdicts).at(-1)).toBe('repeated-request');
  });

  it('lets a long conversation grow normally', () => {
    const run = createAgentRun(defaultLoopDetectionConfig, 'You are a tutor for Node.js.');
    const topics = ['streams', 'buffers', 'the event loop', 'worker threads', 'ESM', 'CommonJS', 'fs/promises', 'AbortController', 'undici', 'test runners'];
    const verdicts: LoopVerdict[] = [];
    for (let turn = 0; turn < 40; turn += 1) {
      const topic = topics[turn % topics.length] ?? '';
      verdicts.push(run.call({ user: `Question ${turn + 1}: explain ${topic}${turn >= 10 ? ' with an example' : ''}${turn >= 20 ? ' and a pitfall' : ''}${turn >= 30 ? ' in one line' : ''}.`, assistant: `Answer ${turn + 1} about ${topic}.` }));
    }
    expect(kinds(verdicts).filter((kind) => kind !== 'ok')).toEqual([]);
  });

  it('lets retries after a failure that then succeed go on', () => {
    const run = createAgentRun();
    const verdicts: LoopVerdict[] = [];
    verdicts.push(run.call({ user: 'Translate the docs into German.' }));
    for (let page = 1; page <= 6; page += 1) {
      for (let attempt = 0; attempt < 4; attempt += 1) verdicts.push(run.call({ failed: true }));
      verdicts.push(run.call({ assistant: `Page ${page} translated.`, user: `Now page ${page + 1}.` }));
    }
    expect(kinds(verdicts).filter((kind) => kind !== 'ok')).toEqual([]);
    expect(run.state.consecutiveFailures).toBe(0);
  });

  it('does not count a tool call repeated after a different action changed its result', () => {
    const run = createAgentRun();
    const npmTest = { name: 'bash', arguments: { command: 'npm test' } };
    const verdicts = [run.call({ user: 'Fix the tests.', tool: npmTest, result: vitestFailure('18:30:09', '1.53s') })];
    for (let attempt = 1; attempt <= 6; attempt += 1) {
      verdicts.push(run.call({ tool: { name: 'edit_file', arguments: { path: 'src/format-day.ts', replace: `attempt ${attempt}` } }, result: 'edited' }));
      verdicts.push(run.call({ tool: npmTest, result: vitestFailure(`18:4${attempt}:00`, '1.50s') }));
    }
    expect(kinds(verdicts).filter((kind) => kind !== 'ok')).toEqual([]);
  });
});

describe('observeCall state', () => {
  it('leaves the given state untouched and returns plain data that survives JSON', () => {
    const run = createAgentRun();
    const npmTest = { name: 'bash', arguments: { command: 'npm test' } };
    run.call({ user: 'Fix the tests.', tool: npmTest, result: vitestFailure('18:30:09', '1.53s') });
    run.call({ tool: npmTest, result: vitestFailure('18:31:09', '1.55s') });
    const before = JSON.stringify(run.state);
    const frozen = deepFreeze(JSON.parse(before) as LoopState);
    run.state = frozen;
    run.call({ tool: npmTest, result: vitestFailure('18:32:09', '1.56s') });
    expect(JSON.stringify(frozen)).toBe(before);
    run.state = JSON.parse(JSON.stringify(run.state)) as LoopState;
    run.call({ tool: npmTest, result: vitestFailure('18:33:09', '1.57s') });
    expect(run.call({ tool: npmTest, result: vitestFailure('18:34:09', '1.58s') })).toMatchObject({ reason: 'repeated-tool-call', count: 5 });
  });

  it('with action alert, never halts and marks later calls of the same episode as ongoing', () => {
    const run = createAgentRun(loopDetectionConfigSchema.parse({ action: 'alert', maxConsecutiveFailures: 2 }));
    run.call({ user: 'Go.' });
    const verdicts = [1, 2, 3, 4].map(() => run.call({ failed: true }));
    verdicts.push(run.call({ assistant: 'Done.' }));
    verdicts.push(...[1, 2, 3].map(() => run.call({ failed: true })));
    expect(verdicts.map((verdict) => (verdict.kind === 'ok' ? 'ok' : verdict.ongoing ? 'ongoing' : 'new'))).toEqual(['ok', 'ok', 'new', 'ongoing', 'ok', 'ok', 'ok', 'new']);
    expect(verdicts[2]).toMatchObject({ action: 'alert' });
    expect(run.state.halt).toBeUndefined();
  });

  it('after resumeLoopState, needs the full threshold again before it halts', () => {
    const run = createAgentRun(loopDetectionConfigSchema.parse({ action: 'pause' }));
    const npmTest = { name: 'bash', arguments: { command: 'npm test' } };
    run.call({ user: 'Fix the tests.', tool: npmTest, result: vitestFailure('18:30:09', '1.53s') });
    for (let index = 0; index < 4; index += 1) run.call({ tool: npmTest, result: vitestFailure('18:30:09', '1.53s') });
    expect(run.state.halt?.detection).toMatchObject({ reason: 'repeated-tool-call', action: 'pause' });
    run.state = resumeLoopState(run.state);
    expect(run.state.halt).toBeUndefined();
    const verdicts = [1, 2, 3, 4, 5].map(() => run.call({ tool: npmTest, result: vitestFailure('18:30:09', '1.53s') }));
    expect(kinds(verdicts)).toEqual(['ok', 'ok', 'ok', 'ok', 'repeated-tool-call']);
  });

  it('keeps only the window of recent calls', () => {
    const run = createAgentRun(loopDetectionConfigSchema.parse({ window: 8, repeatThreshold: 4, oscillationThreshold: 2 }));
    for (let turn = 0; turn < 30; turn += 1) run.call({ user: `Step ${turn}`, assistant: `Did ${turn}` });
    expect(run.state.calls).toHaveLength(8);
  });
});

describe('loopDetectionConfigSchema', () => {
  it('has sane defaults', () => {
    expect(defaultLoopDetectionConfig).toEqual({ window: 20, repeatThreshold: 5, oscillationThreshold: 3, noProgressThreshold: 5, maxConsecutiveFailures: 5, action: 'refuse', mode: 'enforce' });
  });

  it('refuses thresholds the window cannot reach, unknown keys and unknown actions', () => {
    const messages = (input: unknown) => loopDetectionConfigSchema.safeParse(input).error?.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    expect(messages({ window: 4 })).toEqual([
      'repeatThreshold: repeatThreshold is above window, so it could never fire; raise window or lower repeatThreshold',
      'oscillationThreshold: an oscillation of oscillationThreshold cycles takes twice as many calls as fit in window; raise window or lower oscillationThreshold',
    ]);
    expect(messages({ repeatTreshold: 3 })?.[0]).toContain('repeatTreshold');
    expect(messages({ action: 'block' })?.[0]).toMatch(/^action: expected one of alert/);
    expect(messages({ repeatThreshold: 1 })).toEqual(['repeatThreshold: a threshold of 1 would fire on the first call; use 2 or more']);
  });
});

describe('loopDetectedError', () => {
  it('says what happened and what to change', () => {
    const error = loopDetectedError(
      { kind: 'loop', reason: 'oscillation', count: 3, threshold: 3, detail: 'alternating between a() and b() with unchanged results for 3 cycles (oscillationThreshold is 3)', action: 'refuse', ongoing: false },
      'task-42',
    );
    expect(error.code).toBe('loop_detected');
    expect(error.message).toBe(
      'Task "task-42" looks stuck in a loop: alternating between a() and b() with unchanged results for 3 cycles (oscillationThreshold is 3). The agent keeps getting the same answers: change its approach, or raise loopDetection.oscillationThreshold if this repetition is intended.',
    );
    expect(error.details).toEqual({ taskId: 'task-42', reason: 'oscillation', count: 3, threshold: 3, action: 'refuse' });
  });
});

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
