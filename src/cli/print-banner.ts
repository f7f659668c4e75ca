import type { WardenConfig } from '../core/parse-config.js';
import { redactUrl } from '../stores/redact-url.js';
import type { RunningGateway } from './serve.js';

/** What a person sees when the gateway starts: where it is, how to reach the panel, a first request. */
export function printBanner(options: { running: RunningGateway; write: (text: string) => void }): void {
  const { running, write } = options;
  const providers = Object.entries(running.config.providers).map(([name, provider]) => `${name} (${provider.type})`).join(', ') || 'none';
  const lines = [
    '',
    `Warden gateway listening on ${running.url}`,
    `  providers:      ${providers}`,
    ...storeLines(running.config),
    `  control panel:  ${running.url}/ui`,
    `  metrics:        ${running.url}/metrics (admin key)`,
  ];
  if (running.demoKey !== undefined) {
    lines.push(
      '',
      'No config given: running the built-in simulated provider (no API keys needed).',
      `  demo key:   ${running.demoKey}   (team "demo", $1/day)`,
      `  admin key:  ${running.adminKey ?? ''}`,
      '',
      'Try a first request:',
      '',
      `  curl -s ${running.url}/v1/chat/completions \\`,
      `    -H "Authorization: Bearer ${running.demoKey}" \\`,
      `    -H "Content-Type: application/json" \\`,
      `    -d '{"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Hello, Warden!"}]}' -i`,
      '',
      'The answer carries x-warden-cost-usd and x-warden-budget-remaining-usd headers. Use "model": "auto"',
      'to let routing choose a tier, and `npm run warden -- keys create --team research --budget 25/day`',
      `with WARDEN_ADMIN_KEY set to create keys of your own.`,
    );
  }
  lines.push('', 'Stop with Ctrl-C.', '');
  write(lines.join('\n'));
}

function storeLines(config: Readonly<WardenConfig>): string[] {
  const { storage } = config;
  if (storage.budgets === 'sqlite' && storage.ledger === 'sqlite') return [`  store:          SQLite at ${config.server.sqlitePath}`];
  const sqlite = `SQLite at ${config.server.sqlitePath}`;
  return [
    `  budgets:        ${storage.budgets === 'sqlite' ? sqlite : `Redis at ${redactUrl(storage.budgets)} (namespace ${storage.namespace}; when it is down: ${storage.onBudgetStoreDown})`}`,
    `  ledger, keys:   ${storage.ledger === 'sqlite' ? sqlite : `PostgreSQL at ${redactUrl(storage.ledger)} (schema ${storage.namespace})`}`,
  ];
}
