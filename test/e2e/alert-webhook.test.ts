import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/core/parse-config.js';
import type { Alert } from '../../src/sdk/alert.js';
import { createAlertSink } from '../../src/sdk/alert-sink.js';

const alert: Alert = { kind: 'slo-burn-rate', severity: 'warning', text: 'SLO "x": the monthly budget runs out on Nov 27.', timeInMs: 1, notify: true, data: { slo: 'x' } };
let server: Server | undefined;
afterEach(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

/** A webhook answering each POST with the next status of `statuses` (then 200). */
async function webhookAnswering(statuses: number[]): Promise<{ url: string; bodies: unknown[] }> {
  const bodies: unknown[] = [];
  server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      bodies.push(JSON.parse(body));
      response.statusCode = statuses.shift() ?? 200;
      response.end();
    });
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/SECRET-TOKEN`, bodies };
}

function sinkFor(url: string, kinds?: Array<Alert['kind']>) {
  const errors: Array<{ message: string; target: string }> = [];
  const config = parseConfig({ alerts: { webhooks: [{ url, ...(kinds ? { kinds } : {}) }] } });
  const sink = createAlertSink({ config: config.alerts, sleep: () => Promise.resolve(), onDeliveryError: (error, target) => errors.push({ message: String(error), target }) });
  return { sink, errors };
}

describe('alert webhooks', () => {
  it('posts Slack-compatible JSON and retries a 503 and a 429', async () => {
    const webhook = await webhookAnswering([503, 429]);
    const { sink, errors } = sinkFor(webhook.url);
    sink.send(alert);
    await sink.idle();
    expect(webhook.bodies).toHaveLength(3);
    expect(webhook.bodies[2]).toEqual({ text: ':warning: SLO "x": the monthly budget runs out on Nov 27.', warden: { kind: 'slo-burn-rate', severity: 'warning', timeInMs: 1, slo: 'x' } });
    expect(errors).toEqual([]);
  });

  it('gives up on a 400 at once, and the error names the host, never the secret path', async () => {
    const webhook = await webhookAnswering([400]);
    const { sink, errors } = sinkFor(webhook.url);
    sink.send(alert);
    await sink.idle();
    expect(webhook.bodies).toHaveLength(1);
    expect(errors).toHaveLength(1);
    expect(errors[0]?.message).toContain('HTTP 400');
    expect(JSON.stringify(errors)).not.toContain('SECRET-TOKEN');
    expect(errors[0]?.target).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/…$/);
  });

  it('keeps log-only alerts and other kinds out of a webhook', async () => {
    const webhook = await webhookAnswering([]);
    const { sink } = sinkFor(webhook.url, ['slo-overrun']);
    sink.send(alert);
    sink.send({ ...alert, kind: 'slo-overrun', notify: false });
    sink.send({ ...alert, kind: 'slo-overrun' });
    await sink.idle();
    expect(webhook.bodies).toHaveLength(1);
  });

  it('gives up after three failed attempts when the webhook is unreachable', async () => {
    const { sink, errors } = sinkFor('http://127.0.0.1:9/hooks/SECRET-TOKEN');
    sink.send(alert);
    await sink.idle();
    expect(errors).toHaveLength(1);
    expect(JSON.stringify(errors)).not.toContain('SECRET-TOKEN');
  });
});
