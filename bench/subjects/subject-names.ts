/** The subjects of the gateway suite, in the order every workload interleaves them. */
export const subjectNames = ['direct', 'proxy', 'portkey', 'warden', 'warden-budgets-off'] as const;

export type SubjectName = (typeof subjectNames)[number];

/** How tables and the chart name each subject. */
export const subjectLabels: Readonly<Record<SubjectName, string>> = {
  direct: 'direct',
  proxy: 'bare proxy',
  portkey: 'Portkey',
  warden: 'Warden (budgets on)',
  'warden-budgets-off': 'Warden (budgets off)',
};

/** Opens the Warden subjects' admin API (`GET /admin/ledger`), which W5 and the pre-flight checks read. */
export const benchAdminKey = 'bench-admin-key-0123456789abcdef';

/**
 * Upstream connections of the bare proxy's pool and of Warden (`upstream.connections`): above the
 * 1,000 requests W3 holds in flight, so no subject queues in front of the mock (Warden's default is 256).
 */
export const upstreamConnections = 1_024;
