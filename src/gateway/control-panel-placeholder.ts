/** The page at /ui until the control panel lands: what is here, and where to look meanwhile. */
export const controlPanelPlaceholder = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Warden</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem;color:#1c1c1c}code{background:#f2f2f2;padding:0 .25rem}</style>
</head><body>
<h1>Warden</h1>
<p>The gateway is running. The live control panel (fleet, spend, budgets, approvals, kill switch) is coming in a later release.</p>
<p>Meanwhile: spend and budgets are in <code>GET /metrics</code> and <code>GET /admin/ledger</code> (admin key), and <code>warden kills</code> / <code>warden kill &lt;target&gt;</code> work from the command line.</p>
</body></html>
`;
