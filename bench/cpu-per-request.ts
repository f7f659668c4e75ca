import { readFileSync } from 'node:fs';
import { Pool } from 'undici';
import { sendRequestCount } from './load/send-request-count.js';
import { startSubject } from './subjects/start-subject.js';

/**
 * CPU time per request of the bare proxy and of Warden: the subject process's user + system time
 * (from /proc/<pid>/stat) over `measured` requests, after `warmUp` requests whose time is dropped.
 * CPU time is what throughput is made of, and unlike requests/s it hardly moves when a neighbour
 * loads the other core, so it can compare two builds on a busy machine in a minute.
 * Run: npm run build && node dist/bench/cpu-per-request.js [warmUp] [measured] [concurrency]
 */
const [warmUp = 5_000, measured = 30_000, concurrency = 20] = process.argv.slice(2).map(Number);
const ticksPerSecond = 100;

function cpuTimeInMs(pid: number): number {
  // Fields 14 and 15 (utime, stime) after the command name, which may itself hold spaces.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / ticksPerSecond;
}

async function measure(file: string, mockUrl: string): Promise<number> {
  const subject = await startSubject({ file, args: [mockUrl], cpu: undefined });
  const pool = new Pool(subject.url, { connections: concurrency });
  try {
    await sendRequestCount({ dispatcher: pool, target: subject, requests: warmUp, concurrency, label: file });
    const before = cpuTimeInMs(subject.pid);
    await sendRequestCount({ dispatcher: pool, target: subject, requests: measured, concurrency, label: file });
    return ((cpuTimeInMs(subject.pid) - before) * 1000) / measured;
  } finally {
    await pool.close();
    await subject.stop();
  }
}

const subjects = (process.env.WARDEN_BENCH_SUBJECTS ?? 'bare-proxy,warden').split(',');
const mock = await startSubject({ file: './mock-upstream-subject.js', args: [JSON.stringify({ outputTokens: 16 })], cpu: undefined });
try {
  const rows = [];
  for (const name of subjects) rows.push({ subject: name, cpuPerRequestInUs: Math.round(await measure(`./${name}-subject.js`, mock.url)) });
  console.table(rows);
} finally {
  await mock.stop();
}
