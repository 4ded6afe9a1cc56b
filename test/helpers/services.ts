// Tests that need a real service call `requireService` first (or wrap their body in `withService`),
// so that a service that is down fails the test with a message naming it, and never skips it.
import { loadConfig, type Config } from '../../src/config.ts';
import { ServiceUnavailableError } from '../../src/errors.ts';
import { describeError } from '../../src/stack/health.ts';
import { stackStatus, type ServiceName } from '../../src/stack/index.ts';

/** Throws ServiceUnavailableError ("Kafka is not reachable: …") unless the service answers its protocol. */
export async function requireService(name: ServiceName, config: Config = loadConfig()): Promise<void> {
  const [status] = await stackStatus(config, { only: [name] });
  if (!status?.healthy) {
    throw new ServiceUnavailableError(status?.title ?? name, `${status?.detail ?? 'no answer'} (is the stack up? \`npx orders stack up\`)`);
  }
}

/**
 * Checks the service answers, then runs `body`; any error from the body is re-thrown with the
 * service's name in front, so a failure deep in a client library still says which service failed.
 */
export async function withService<T>(name: ServiceName, body: () => Promise<T>, config: Config = loadConfig()): Promise<T> {
  await requireService(name, config);
  try {
    return await body();
  } catch (error) {
    if (error instanceof ServiceUnavailableError) throw error;
    const [status] = await stackStatus(config, { only: [name] });
    const title = status?.title ?? name;
    const health = status?.healthy === false ? ` (${title} stopped answering: ${status.detail ?? ''})` : '';
    throw new Error(`${title}: ${describeError(error)}${health}`, { cause: error });
  }
}

export interface CaughtMail {
  id: string;
  subject: string;
  messageId?: string;
  text?: string;
  to: { address: string; name?: string }[];
  from: { address: string; name?: string }[];
  headers?: Record<string, string | string[]>;
  /** the Date header the sender wrote (maildev falls back to the time it received the mail) */
  time?: string;
}

/** Every e-mail maildev holds, over its REST API (maildev 3: /api/email; the maildev 2 image: /email). */
export async function caughtMail(config: Pick<Config, 'MAILDEV_URL'> = loadConfig()): Promise<CaughtMail[]> {
  const base = config.MAILDEV_URL.replace(/\/$/, '');
  for (const route of ['/api/email', '/email']) {
    // The shared catcher can hold tens of MB of mail: its whole list takes seconds on a loaded machine.
    const response = await fetch(`${base}${route}`, { signal: AbortSignal.timeout(30_000) });
    if (response.status === 404) continue;
    if (!response.ok) throw new Error(`maildev GET ${route} answered ${response.status}`);
    return (await response.json()) as CaughtMail[];
  }
  throw new Error(`maildev at ${base} has no /api/email or /email route`);
}
