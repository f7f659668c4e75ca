/** Where commands write: text for people on `out`, problems on `error`. Tests pass a recorder. */
export interface CliOutput {
  out(text: string): void;
  error(text: string): void;
  /** Where progress bars are drawn (stderr); they are drawn only when it is a terminal. */
  progress?: ProgressStream;
}

/** The slice of a terminal stream a progress bar needs. */
export interface ProgressStream {
  isTTY?: boolean;
  write(text: string): unknown;
}

/** Writes to the process's stdout and stderr, one line per call. */
export function createProcessOutput(): CliOutput {
  return {
    out: (text) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
    error: (text) => process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
    progress: process.stderr,
  };
}

/** Collects what a command writes, for tests. */
export function createRecordingOutput(): CliOutput & { stdout(): string; stderr(): string } {
  const out: string[] = [];
  const error: string[] = [];
  return {
    out: (text) => out.push(text.endsWith('\n') ? text : `${text}\n`),
    error: (text) => error.push(text.endsWith('\n') ? text : `${text}\n`),
    stdout: () => out.join(''),
    stderr: () => error.join(''),
  };
}
