import type { ProgressStream } from './cli-output.js';

export interface ProgressBar {
  /** How far the work is, from 0 to 1. */
  update(fraction: number): void;
  /** Clears the bar, leaving the line as it was. */
  finish(): void;
}

const width = 30;

/**
 * A one-line bar (`label [######......] 42%`) redrawn in place on a terminal, shown only once
 * the work has taken `delayInMs`, so quick runs print nothing. Off when the stream is not a TTY
 * (a file, a pipe, CI logs).
 * @example const bar = createProgressBar({ stream: process.stderr, label: 'Reading the ledger', nowInMs: Date.now });
 */
export function createProgressBar(options: { stream: ProgressStream | undefined; label: string; nowInMs: () => number; delayInMs?: number }): ProgressBar {
  const { stream, label } = options;
  if (stream?.isTTY !== true) return { update: () => undefined, finish: () => undefined };
  const startedAtInMs = options.nowInMs();
  const delayInMs = options.delayInMs ?? 300;
  let shownPercent = -1;
  let lineLength = 0;
  return {
    update(fraction) {
      const percent = Math.floor(Math.min(1, Math.max(0, fraction)) * 100);
      if (percent === shownPercent || options.nowInMs() - startedAtInMs < delayInMs) return;
      shownPercent = percent;
      const filled = Math.round((percent / 100) * width);
      const line = `${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${percent}%`;
      lineLength = line.length;
      stream.write(`\r${line}`);
    },
    finish() {
      if (lineLength > 0) stream.write(`\r${' '.repeat(lineLength)}\r`);
      lineLength = 0;
    },
  };
}
