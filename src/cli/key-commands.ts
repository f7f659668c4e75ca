import type { KeyBudget } from '../core/control-records.js';
import { nanoToUsdText } from '../core/money.js';
import { parseBudgetSpec } from '../core/parse-budget-spec.js';
import type { AdminClient, AdminKeyRecord, CreateKeyInput } from './admin-client.js';
import type { CliOutput } from './cli-output.js';
import { formatTable, formatTimeInMs } from './format-table.js';

interface CommandContext {
  client: AdminClient;
  output: CliOutput;
  /** Print the API's JSON instead of text for people. */
  json?: boolean;
}

/** `warden keys create`: creates a virtual key and prints its plaintext, the only time it is shown. */
export async function createKeyCommand(options: CommandContext & { input: CreateKeyInput }): Promise<void> {
  const { client, output, input } = options;
  // Checked here too so a typo fails before anything reaches the gateway.
  for (const budget of input.budgets ?? []) parseBudgetSpec(budget);
  const created = await client.createKey(input);
  if (options.json) {
    output.out(JSON.stringify(created, null, 2));
    return;
  }
  const { record } = created;
  output.out(
    [
      `Created key ${record.id}.`,
      '',
      `    ${created.key}`,
      '',
      'Copy this key now: it will not be shown again (Warden stores only its hash).',
      '',
      ...describeKey(record).map(([label, value]) => `  ${label.padEnd(8)} ${value}`),
    ].join('\n'),
  );
}

/** `warden keys list`. */
export async function listKeysCommand(options: CommandContext): Promise<void> {
  const { client, output } = options;
  const keys = await client.listKeys();
  if (options.json) {
    output.out(JSON.stringify(keys, null, 2));
    return;
  }
  if (keys.length === 0) {
    output.out('No keys yet. Create one with `warden keys create --name <name> --budget 25/day`.');
    return;
  }
  const rows = keys.map((record) => [
    record.id,
    record.prefix,
    record.name ?? '',
    record.team ?? '',
    record.models?.join(',') ?? 'all',
    formatBudgets(record.budgets),
    record.cache ? 'on' : 'off',
    formatTimeInMs(record.createdAtInMs),
    record.revokedAtInMs === undefined ? 'active' : 'revoked',
  ]);
  output.out(formatTable({ header: ['id', 'prefix', 'name', 'team', 'models', 'budgets', 'cache', 'created', 'status'], rows }));
}

/** `warden keys revoke <id>`: the key stops working at once. */
export async function revokeKeyCommand(options: CommandContext & { id: string }): Promise<void> {
  const { client, output } = options;
  const record = await client.revokeKey(options.id);
  if (options.json) {
    output.out(JSON.stringify(record, null, 2));
    return;
  }
  const label = record.name === undefined ? record.id : `${record.id} (${record.name})`;
  const when = record.revokedAtInMs === undefined ? '' : ` at ${formatTimeInMs(record.revokedAtInMs)}`;
  output.out(`Revoked key ${label}${when}. Requests with it are now refused.`);
}

function describeKey(record: AdminKeyRecord): Array<[string, string]> {
  return [
    ['id', record.id],
    ['prefix', record.prefix],
    ...(record.name === undefined ? [] : ([['name', record.name]] as Array<[string, string]>)),
    ...(record.team === undefined ? [] : ([['team', record.team]] as Array<[string, string]>)),
    ['models', record.models?.join(', ') ?? 'all'],
    ['budgets', formatBudgets(record.budgets)],
    ['cache', record.cache ? 'on' : 'off'],
  ];
}

/** "$25/day, $100/month, soft $20/day, 1000 calls/day"; "none" without budgets. */
export function formatBudgets(budgets: readonly KeyBudget[]): string {
  if (budgets.length === 0) return 'none';
  return budgets
    .flatMap((budget) => {
      const per = budget.window === 'total' ? ' total' : `/${budget.window}`;
      return [
        budget.hardInNanoUsd === undefined ? undefined : `${dollars(budget.hardInNanoUsd)}${per}`,
        budget.softInNanoUsd === undefined ? undefined : `soft ${dollars(budget.softInNanoUsd)}${per}`,
        budget.calls === undefined ? undefined : `${budget.calls} calls${per}`,
      ].filter((text): text is string => text !== undefined);
    })
    .join(', ');
}

function dollars(nano: number): string {
  const text = nanoToUsdText(nano);
  // Cents read as "$0.50", not "$0.5".
  return `$${/\.\d$/.test(text) ? `${text}0` : text}`;
}
