// Structured logs (pino) on stderr, so stdout stays free for CLI output.
import { pino, type Logger } from 'pino';

export function createLogger(name: string, level = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino({ name, level }, pino.destination(2));
}
export type { Logger };
