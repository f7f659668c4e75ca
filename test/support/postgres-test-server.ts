/** The machine's PostgreSQL, which the PostgreSQL suites need: they fail (never skip) when it is missing. */
export const testPostgresUrl = process.env.WARDEN_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
