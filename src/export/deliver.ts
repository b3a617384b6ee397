// One delivery attempt of an exported file to a standing order's target. Each attempt either
// resolves (the target has the whole file) or rejects with ERR_DELIVERY; retries are the caller's.
import { createReadStream } from 'node:fs';
import { copyFile, rename, rm } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect } from 'node:net';
import { basename, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { ExportError, ExportErrorCode } from './errors.ts';
import type { OrderTarget } from './order.ts';
import type { ExportFormat } from './spec.ts';

/** Longest a TCP or HTTP attempt may take. */
export const DELIVERY_TIMEOUT_MS = 120_000;

export interface DeliveryFile {
  path: string;
  /** The name the target gets (vc_yyyymmddhhmmss, parameters_….csv). */
  name: string;
  format: ExportFormat;
  orderId: string;
  /** The window, µs. */
  from: number;
  to: number;
}

const CONTENT_TYPE: Record<ExportFormat, string> = {
  csv: 'text/csv; charset=utf-8',
  jsonl: 'application/x-ndjson',
  packets: 'application/octet-stream',
};

function failed(target: string, err: unknown): ExportError {
  const message = err instanceof Error ? err.message : String(err);
  return new ExportError(ExportErrorCode.ERR_DELIVERY, `${target}: ${message}`, { cause: err });
}

export interface DeliverOptions {
  timeoutMs?: number;
  /** Aborting ends a TCP or HTTP attempt at once (a failed attempt). */
  signal?: AbortSignal;
}

export async function deliver(file: DeliveryFile, to: OrderTarget, opts: DeliverOptions = {}): Promise<void> {
  const timeoutMs = opts.timeoutMs ?? DELIVERY_TIMEOUT_MS;
  if ('dir' in to) {
    if (opts.signal?.aborted) throw failed(to.dir, new Error('cancelled'));
    return toDir(file, to.dir);
  }
  if ('tcp' in to) return toTcp(file, to.tcp, timeoutMs, opts.signal);
  return toHttp(file, to.http, timeoutMs, opts.signal);
}

/** Copied as `<name>.part` and renamed: a consumer watching the directory never sees half a file. */
async function toDir(file: DeliveryFile, dir: string): Promise<void> {
  const target = join(dir, basename(file.name));
  const part = `${target}.part`;
  try {
    await copyFile(file.path, part);
    await rename(part, target);
  } catch (err) {
    await rm(part, { force: true });
    throw failed(dir, err);
  }
}

/**
 * The file's bytes on one connection, then a half-close. Complete when the receiver closes its
 * side in turn with no error: a receiver that resets the connection, or never closes, fails it.
 */
function toTcp(file: DeliveryFile, address: string, timeoutMs: number, signal?: AbortSignal): Promise<void> {
  const colon = address.lastIndexOf(':');
  const host = address.slice(0, colon).replace(/^\[|\]$/g, '');
  const port = Number(address.slice(colon + 1));
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    let peerEnded = false;
    let error: Error | undefined;
    socket.setTimeout(timeoutMs, () => socket.destroy(new Error(`no completion within ${timeoutMs} ms`)));
    const onAbort = () => socket.destroy(new Error('cancelled'));
    signal?.addEventListener('abort', onAbort, { once: true });
    if (signal?.aborted) onAbort();
    socket.on('end', () => {
      peerEnded = true;
    });
    socket.on('error', (err) => {
      error ??= err;
    });
    socket.on('close', () => {
      signal?.removeEventListener('abort', onAbort);
      if (error === undefined && peerEnded) resolve();
      else
        reject(failed(`tcp ${address}`, error ?? new Error('connection closed before the file was taken')));
    });
    socket.once('connect', () => {
      pipeline(createReadStream(file.path), socket, { end: true }).catch((err: Error) => {
        error ??= err;
        socket.destroy();
      });
    });
  });
}

/** POST with the file as body; any 2xx is success. Headers say what the body is. */
function toHttp(file: DeliveryFile, url: string, timeoutMs: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const send = u.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = send(u, {
      method: 'POST',
      timeout: timeoutMs,
      ...(signal === undefined ? {} : { signal }),
      headers: {
        'content-type': CONTENT_TYPE[file.format],
        'x-scs-order': file.orderId,
        'x-scs-file': file.name,
        'x-scs-window': `${file.from}/${file.to}`,
      },
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', (err) => reject(failed(`http ${url}`, err)));
    req.on('response', (res) => {
      res.resume();
      const status = res.statusCode ?? 0;
      res.on('end', () => {
        if (status >= 200 && status < 300) resolve();
        else reject(failed(`http ${url}`, new Error(`status ${status}`)));
      });
      res.on('error', (err) => reject(failed(`http ${url}`, err)));
    });
    pipeline(createReadStream(file.path), req).catch((err: Error) => reject(failed(`http ${url}`, err)));
  });
}
