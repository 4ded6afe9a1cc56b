// Whether the brokers answer with the transport the settings ask for, checked before a process
// starts its Kafka clients. kafkajs retries a failed connection for most of a minute and then
// reports a bare socket error; a TLS client against a plaintext listener (or the reverse) is not
// something a retry cures, so it is named at once: Kafka, the broker and the setting to check.
import net from 'node:net';
import tls from 'node:tls';
import type { Config } from '../config.ts';
import { PipelineError, ServiceUnavailableError } from '../errors.ts';
import { kafkaBrokers } from './client.ts';
import { kafkaSecurityOptions, type KafkaSecuritySettings } from './security.ts';

/** A broker answered, but not with the transport the settings ask for: fix the settings, do not retry. */
export class KafkaTransportError extends PipelineError {
  constructor(
    readonly broker: string,
    detail: string,
  ) {
    super(`Kafka at ${broker}: ${detail}`, { retryable: false, context: { service: 'Kafka', broker } });
  }
}

function splitHostPort(broker: string): { host: string; port: number } {
  const at = broker.lastIndexOf(':');
  return { host: broker.slice(0, at).replace(/^\[|\]$/g, ''), port: Number(broker.slice(at + 1)) };
}

/** Why a TLS handshake failed, and what to check. */
function tlsAdvice(error: Error & { code?: string }): string {
  if (/before secure TLS connection|wrong version number|ECONNRESET|EPROTO/i.test(`${error.message} ${error.code ?? ''}`)) {
    return 'is this listener plaintext? KAFKA_SSL=true needs an SSL or SASL_SSL listener';
  }
  if (/certificate|self.signed|CERT_|unable to (get|verify)/i.test(`${error.message} ${error.code ?? ''}`)) {
    return 'the broker\'s certificate is not trusted: set KAFKA_SSL_CA_FILE to the CA that signed it';
  }
  return 'check KAFKA_SSL and the KAFKA_SSL_* files';
}

/**
 * Resolves when one broker accepts a connection (and completes the TLS handshake when KAFKA_SSL
 * is true). Throws KafkaTransportError (not retryable) when a broker accepts TCP but the TLS
 * handshake fails or never answers, and ServiceUnavailableError (retryable) when none accepts TCP.
 */
export async function probeKafkaBrokers(config: Pick<Config, 'KAFKA_BROKERS'> & KafkaSecuritySettings, timeoutMs = 3000): Promise<void> {
  const { ssl } = kafkaSecurityOptions(config);
  const errors: string[] = [];
  for (const broker of kafkaBrokers(config).filter(Boolean)) {
    const { host, port } = splitHostPort(broker);
    let connected = false;
    try {
      await new Promise<void>((resolve, reject) => {
        const socket = ssl
          ? tls.connect({ host, port, ...(ssl === true ? {} : ssl), ...(net.isIP(host) ? {} : { servername: host }) })
          : net.connect({ host, port });
        const timer = setTimeout(() => socket.destroy(new Error(connected ? `no TLS answer within ${timeoutMs} ms` : `no answer within ${timeoutMs} ms`)), timeoutMs);
        socket.once('connect', () => {
          connected = true;
          if (ssl) return;
          clearTimeout(timer);
          socket.end();
          resolve();
        });
        socket.once('secureConnect', () => {
          clearTimeout(timer);
          socket.end();
          resolve();
        });
        socket.once('error', (error) => {
          clearTimeout(timer);
          reject(error);
        });
      });
      return;
    } catch (error) {
      const err = error instanceof Error ? error : new Error(String(error));
      if (ssl && connected) throw new KafkaTransportError(broker, `TLS handshake failed (${err.message}): ${tlsAdvice(err)}`);
      errors.push(`${broker}: ${err.message}`);
    }
  }
  throw new ServiceUnavailableError('Kafka', `${errors.join('; ')} (start it with \`npx orders stack up\`)`);
}
