import type { WardenConfig } from './config-schema.js';
import type { ProviderConfig } from './gateway-config-schema.js';

const typeForCatalogueProvider: Readonly<Record<string, ProviderConfig['type']>> = {
  openai: 'openai',
  anthropic: 'anthropic',
};

/**
 * Names the configured provider that serves a model: config.models, then a provider listing it,
 * then one whose type fits the catalogue's provider, then a simulated provider; else undefined.
 */
export function resolveProvider(options: {
  model: string;
  config: Pick<WardenConfig, 'models' | 'providers'>;
  /** The price catalogue's provider id for the model, like "openai" or "anthropic". */
  catalogueProvider?: string;
}): string | undefined {
  const { model, config, catalogueProvider } = options;
  if (Object.hasOwn(config.models, model)) return config.models[model];
  const providers = Object.entries(config.providers);
  const listing = providers.find(([, provider]) => provider.models.includes(model));
  if (listing) return listing[0];
  const wantedType = catalogueProvider !== undefined && Object.hasOwn(typeForCatalogueProvider, catalogueProvider)
    ? typeForCatalogueProvider[catalogueProvider]
    : undefined;
  const byType = wantedType === undefined ? undefined : providers.find(([, provider]) => provider.type === wantedType);
  if (byType) return byType[0];
  const simulated = providers.find(([, provider]) => provider.type === 'simulated' && provider.models.length === 0);
  return simulated?.[0];
}
