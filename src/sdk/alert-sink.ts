import type { AlertsConfig } from '../core/slo-config-schema.js';
import type { Alert } from './alert.js';

/** Delivers alerts: to the log and metrics at once, to webhooks in the background. */
export interface AlertSink {
  send(alert: Alert): void;
  /** Resolves when every webhook delivery started so far has finished or given up. */
  idle(): Promise<void>;
}

export interface AlertSinkOptions {
  config: Readonly<AlertsConfig>;
  /** Called for every alert, before any webhook: the log line and the metric. */
  onAlert?: (alert: Alert) => void;
  /** A webhook gave up after its retries; `target` is the webhook without its secret path. */
  onDeliveryError?: (error: unknown, target: string) => void;
  fetch?: typeof fetch;
  sleep?: (delayInMs: number) => Promise<void>;
  timeoutInMs?: number;
}

const retryDelaysInMs = [1_000, 4_000];

/**
 * Posts each alert that notifies to every webhook that takes its kind, as Slack-compatible JSON
 * (`text`, plus the figures under `warden`). Failures (network, 429, 5xx) are retried twice;
 * a webhook URL carries its secret in the path, so errors name only its host.
 */
export function createAlertSink(options: AlertSinkOptions): AlertSink {
  const { config, onAlert, onDeliveryError } = options;
  const post = options.fetch ?? fetch;
  const sleep = options.sleep ?? ((delayInMs: number) => new Promise<void>((resolve) => setTimeout(resolve, delayInMs).unref()));
  const timeoutInMs = options.timeoutInMs ?? 5_000;
  const pending = new Set<Promise<void>>();

  const deliver = async (url: string, alert: Alert): Promise<void> => {
    const body = JSON.stringify({ text: `${icon(alert)} ${alert.text}`, warden: { kind: alert.kind, severity: alert.severity, timeInMs: alert.timeInMs, ...alert.data } });
    for (let attempt = 0; ; attempt += 1) {
      try {
        const response = await post(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body, signal: AbortSignal.timeout(timeoutInMs) });
        await response.arrayBuffer();
        if (response.ok) return;
        if (response.status !== 429 && response.status < 500) throw new Error(`the webhook answered HTTP ${response.status}`);
        if (attempt >= retryDelaysInMs.length) throw new Error(`the webhook answered HTTP ${response.status} ${attempt + 1} times`);
      } catch (error) {
        if (attempt >= retryDelaysInMs.length || (error instanceof Error && error.message.startsWith('the webhook answered'))) throw error;
      }
      await sleep(retryDelaysInMs[attempt] as number);
    }
  };

  return {
    send(alert) {
      onAlert?.(alert);
      if (!alert.notify) return;
      for (const webhook of config.webhooks) {
        if (webhook.kinds !== undefined && !webhook.kinds.includes(alert.kind)) continue;
        const delivery = deliver(webhook.url, alert).catch((error: unknown) => onDeliveryError?.(error, webhookTarget(webhook.url)));
        pending.add(delivery);
        void delivery.finally(() => pending.delete(delivery));
      }
    },
    async idle() {
      while (pending.size > 0) await Promise.all([...pending]);
    },
  };
}

/** The webhook's origin only: its path is the secret. */
export function webhookTarget(url: string): string {
  return `${new URL(url).origin}/…`;
}

function icon(alert: Alert): string {
  return alert.severity === 'critical' ? ':rotating_light:' : alert.severity === 'warning' ? ':warning:' : ':information_source:';
}
