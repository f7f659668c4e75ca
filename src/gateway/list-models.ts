import type { IncomingMessage, ServerResponse } from 'node:http';
import type { VirtualKeyRecord } from '../core/control-records.js';
import type { WardenConfig } from '../core/config-schema.js';
import { sendJson } from './json-response.js';

/** Every model name this gateway routes: tiers, `auto` when it can route, and configured models. */
export function routableModels(config: Readonly<WardenConfig>): string[] {
  const names = new Set<string>();
  if (config.routing.defaultTier !== undefined || config.routing.rules.length > 0) names.add('auto');
  for (const [tier, models] of Object.entries(config.tiers)) {
    names.add(tier);
    for (const model of models) names.add(model);
  }
  for (const [model, fallbacks] of Object.entries(config.fallbacks)) {
    names.add(model);
    for (const fallback of fallbacks) names.add(fallback);
  }
  for (const model of Object.keys(config.models)) names.add(model);
  for (const provider of Object.values(config.providers)) for (const model of provider.models) names.add(model);
  for (const model of Object.keys(config.prices.overrides)) names.add(model);
  return [...names];
}

/** `GET /v1/models` in the client's dialect (Anthropic clients send `anthropic-version`), limited to the key's models. */
export function sendModelList(options: { config: Readonly<WardenConfig>; key: VirtualKeyRecord; request: IncomingMessage; response: ServerResponse; nowInMs: number }): void {
  const models = options.key.models ?? routableModels(options.config);
  const createdInSeconds = Math.floor(options.nowInMs / 1000);
  if (options.request.headers['anthropic-version'] !== undefined) {
    const data = models.map((id) => ({ type: 'model', id, display_name: id, created_at: new Date(options.nowInMs).toISOString() }));
    sendJson(options.response, 200, { data, has_more: false, first_id: models[0] ?? null, last_id: models.at(-1) ?? null });
    return;
  }
  sendJson(options.response, 200, { object: 'list', data: models.map((id) => ({ id, object: 'model', created: createdInSeconds, owned_by: 'warden' })) });
}
