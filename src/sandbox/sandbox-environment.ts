/** The directory HOME points to: the sandbox's own /tmp, gone when the run ends. */
export const sandboxHome = '/tmp';
const sandboxPath = '/usr/local/bin:/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin';

/**
 * The sandbox's whole environment: PATH, HOME, LANG and TERM, then the variables named in
 * `passEnvironment` that the parent has, then `environment`. Nothing else of the parent's gets in.
 */
export function sandboxEnvironment(options: {
  parentEnvironment: Readonly<Record<string, string | undefined>>;
  passEnvironment: readonly string[];
  environment?: Readonly<Record<string, string>>;
}): Record<string, string> {
  const { parentEnvironment } = options;
  const result: Record<string, string> = { PATH: sandboxPath, HOME: sandboxHome, LANG: parentEnvironment['LANG'] ?? 'C.UTF-8' };
  const term = parentEnvironment['TERM'];
  if (term !== undefined) result['TERM'] = term;
  for (const name of options.passEnvironment) {
    const value = parentEnvironment[name];
    if (value !== undefined) result[name] = value;
  }
  return { ...result, ...options.environment };
}
