import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

export interface ProbeTls {
  ca?: string;
  cert?: string;
  key?: string;
  /** Accept any server certificate (the controller manager and scheduler self-sign theirs). */
  insecure?: boolean;
}

export interface ProbeResult {
  status: number;
  body: string;
}

/** One GET with a short timeout; resolves with the status and body, or undefined if nothing answered. */
export function probe(url: string, tls: ProbeTls = {}, timeoutMs = 2_000): Promise<ProbeResult | undefined> {
  return new Promise((resolve) => {
    const options = url.startsWith('https:')
      ? {
          ca: tls.ca,
          cert: tls.cert,
          key: tls.key,
          rejectUnauthorized: tls.insecure !== true,
          timeout: timeoutMs,
        }
      : { timeout: timeoutMs };
    const send = url.startsWith('https:') ? httpsRequest : httpRequest;
    const req = send(url, options, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, body });
      });
      res.on('error', () => {
        resolve(undefined);
      });
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => {
      resolve(undefined);
    });
    req.end();
  });
}
