import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'undici';
import { sendRequestCount } from './load/send-request-count.js';
import { startSubject, type SubjectProcess } from './subjects/start-subject.js';

/**
 * Instructions per request of the bare proxy and of Warden, counted by valgrind's callgrind: unlike
 * times, the counts repeat from run to run on a busy machine. Each subject serves `shortRun` then
 * `longRun` requests (20 at a time) in two processes; the difference divided by the extra requests
 * is the steady-state cost of one request, start-up and JIT warm-up cancelled out.
 * Run: npm run build && node dist/bench/count-instructions.js [shortRun] [longRun]  (about 10 minutes)
 */
const [shortRun = 3_000, longRun = 6_000] = process.argv.slice(2).map(Number);
const concurrency = 20;

async function countInstructions(file: string, mockUrl: string, requests: number): Promise<number> {
  const outFile = join(tmpdir(), `warden-callgrind-${process.pid}-${requests}-${file.replace(/\W/g, '')}`);
  const subject = await startSubject({ file, args: [mockUrl], cpu: undefined, startTimeoutInMs: 300_000, launcher: ['valgrind', '-q', '--tool=callgrind', `--callgrind-out-file=${outFile}`] });
  const pool = new Pool(subject.url, { connections: concurrency });
  await sendRequestCount({ dispatcher: pool, target: subject, requests, concurrency, label: file });
  await pool.close();
  await subject.stop(120_000);
  const summary = /^summary:\s+(\d+)/m.exec(readFileSync(outFile, 'utf8'));
  rmSync(outFile, { force: true });
  if (!summary) throw new Error(`callgrind wrote no summary for ${file}`);
  return Number(summary[1]);
}

const started: SubjectProcess[] = [];
try {
  const mock = await startSubject({ file: './mock-upstream-subject.js', args: [JSON.stringify({ outputTokens: 16 })], cpu: undefined });
  started.push(mock);
  const rows = [];
  for (const [name, file] of [['bare proxy', './bare-proxy-subject.js'], ['warden', './warden-subject.js']] as const) {
    const short = await countInstructions(file, mock.url, shortRun);
    const long = await countInstructions(file, mock.url, longRun);
    rows.push({ subject: name, instructionsPerRequest: Math.round((long - short) / (longRun - shortRun)) });
  }
  console.table(rows);
  const [proxy, warden] = rows.map((row) => row.instructionsPerRequest);
  if (proxy !== undefined && warden !== undefined) console.log(`Warden / bare proxy: ${(warden / proxy).toFixed(2)} × the instructions per request`);
} finally {
  for (const subject of started) await subject.stop();
}
