import { readFile } from 'node:fs/promises';
import { parseDocument, type YAMLError } from 'yaml';
import { formatConfigPath, parseConfig, type WardenConfig } from '../core/parse-config.js';
import { isWardenError, WardenError } from '../core/warden-error.js';

/** Environment variables as a plain record, like process.env. */
export type Environment = Readonly<Record<string, string | undefined>>;

/**
 * Reads a YAML (or JSON) config file, fills `${NAME}` / `${NAME:-default}` from the environment
 * in every string value (`$${` is a literal `${`), and validates it. Errors name the file and path.
 * @example const config = await loadConfigFile('./warden.yaml');
 */
export async function loadConfigFile(path: string, env: Environment = process.env): Promise<Readonly<WardenConfig>> {
  const text = await readConfigText(path);
  const raw = parseYaml(path, text);
  const problems: string[] = [];
  const interpolated = interpolate({ value: raw, path: [], env, problems });
  if (problems.length > 0) throw invalidConfig(path, problems);
  try {
    return parseConfig(interpolated);
  } catch (error) {
    if (isWardenError(error) && error.code === 'invalid_config' && Array.isArray(error.details['issues'])) {
      throw invalidConfig(path, error.details['issues'].map(String), error);
    }
    throw error;
  }
}

async function readConfigText(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'the file does not exist; check the path or pass --config <file>' : (error as Error).message;
    throw new WardenError('invalid_config', `Cannot read config file ${path}: ${reason}`, { cause: error, details: { path } });
  }
}

function parseYaml(path: string, text: string): unknown {
  const document = parseDocument(text, { prettyErrors: true, merge: true });
  if (document.errors.length > 0) {
    const lines = document.errors.map((error) => describeYamlError(path, error));
    throw new WardenError('invalid_config', `Invalid YAML in ${path}:\n${lines.map((line) => indent(line)).join('\n')}`, {
      details: { path, issues: lines },
    });
  }
  return document.toJS();
}

function describeYamlError(path: string, error: YAMLError): string {
  // prettyErrors appends " at line L, column C:" and a source excerpt; put the position up front.
  const [headline = error.message, excerpt = ''] = error.message.split(/ at line \d+, column \d+:\n/);
  const position = error.linePos?.[0];
  const location = position ? `${path}:${position.line}:${position.col}` : path;
  const excerptLines = excerpt.split('\n').filter((line) => line.trim() !== '');
  return [`${location}: ${headline}`, ...excerptLines.map((line) => `    ${line}`)].join('\n');
}

function interpolate(options: { value: unknown; path: PropertyKey[]; env: Environment; problems: string[] }): unknown {
  const { value, path, env, problems } = options;
  if (typeof value === 'string') return interpolateString({ text: value, path, env, problems });
  if (Array.isArray(value)) return value.map((item, index) => interpolate({ value: item, path: [...path, index], env, problems }));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, child]) => [key, interpolate({ value: child, path: [...path, key], env, problems })]),
    );
  }
  return value;
}

const referencePattern = /\$\$\{|\$\{([^}]*)(\})?/g;
const referenceBodyPattern = /^([A-Za-z_][A-Za-z0-9_]*)(?::-([\s\S]*))?$/;

function interpolateString(options: { text: string; path: PropertyKey[]; env: Environment; problems: string[] }): string {
  const { text, path, env, problems } = options;
  if (!text.includes('${')) return text;
  return text.replace(referencePattern, (match: string, body: string | undefined, closing: string | undefined) => {
    if (match === '$${') return '${';
    const parts = closing === undefined ? null : referenceBodyPattern.exec(body ?? '');
    if (!parts) {
      problems.push(
        `${formatConfigPath(path)}: ${JSON.stringify(match)} is not a valid reference; write \${NAME} or \${NAME:-default}, or $\${ for a literal \${`,
      );
      return match;
    }
    const [, name = '', fallback] = parts;
    const found = env[name];
    if (fallback !== undefined) return found === undefined || found === '' ? fallback : found;
    if (found === undefined) {
      problems.push(`${formatConfigPath(path)}: environment variable ${name} is not set; export it or give a default like \${${name}:-…}`);
      return match;
    }
    return found;
  });
}

function invalidConfig(path: string, issues: readonly string[], cause?: unknown): WardenError {
  return new WardenError('invalid_config', `Invalid config in ${path}:\n${issues.map(indent).join('\n')}`, {
    details: { path, issues },
    ...(cause === undefined ? {} : { cause }),
  });
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => `  ${line}`)
    .join('\n');
}
