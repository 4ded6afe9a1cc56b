// The worker's SMTP transport. Pooled: a connection is reused for many mails instead of a new
// TCP (and TLS) handshake per mail, which measured 109 ms per mail against maildev unpooled and
// 8 ms pooled (docs/benchmarks.md, "Alert mails"). A broken pooled connection fails the mail in
// hand, and the activity's retry sends it on a fresh one (the send-once marker is unchanged).
import nodemailer from 'nodemailer';

/** Connections one worker keeps open to the SMTP server: the concurrency of `sendAlerts` (alert.ts). */
export const SMTP_POOL_CONNECTIONS = 4;

/**
 * The transport options as nodemailer reads them from `SMTP_URL`, pooled unless the URL says
 * otherwise (`?pool=false`); nodemailer takes its transport options from the URL's query.
 */
export function pooledSmtpUrl(smtpUrl: string): string {
  const url = new URL(smtpUrl);
  if (!url.searchParams.has('pool')) url.searchParams.set('pool', 'true');
  if (!url.searchParams.has('maxConnections')) url.searchParams.set('maxConnections', String(SMTP_POOL_CONNECTIONS));
  return url.toString();
}

export function createSmtpTransport(smtpUrl: string) {
  return nodemailer.createTransport(pooledSmtpUrl(smtpUrl));
}
