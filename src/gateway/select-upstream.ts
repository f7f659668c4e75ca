import type { WardenConfig } from '../core/config-schema.js';
import type { PriceCatalogue } from '../core/price-catalogue.js';
import { resolveProvider } from '../core/resolve-provider.js';
import type { Upstream } from './upstream.js';

/** Finds the upstream that serves a model, remembering each answer (config does not change at run time). */
export function createUpstreamSelector(options: { config: Readonly<WardenConfig>; catalogue: PriceCatalogue; upstreams: ReadonlyMap<string, Upstream> }) {
  const { config, catalogue, upstreams } = options;
  const chosen = new Map<string, Upstream | null>();
  return (model: string): Upstream | undefined => {
    const known = chosen.get(model);
    if (known !== undefined) return known ?? undefined;
    // The catalogue matches some models (embeddings) only when told the provider: ask each configured one.
    const catalogueProvider =
      catalogue.find(model)?.provider ?? [...upstreams.values()].map((upstream) => upstream.priceProvider).find((provider) => provider !== undefined && catalogue.find(model, provider) !== undefined);
    const name = resolveProvider({ model, config, ...(catalogueProvider === undefined ? {} : { catalogueProvider }) });
    const upstream = name === undefined ? undefined : upstreams.get(name);
    chosen.set(model, upstream ?? null);
    return upstream;
  };
}

export type UpstreamSelector = ReturnType<typeof createUpstreamSelector>;
