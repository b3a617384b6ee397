// The fuzz runs (issue 12), shared by `npm run fuzz` and the bounded CI test:
// * codec: mutated bytes through the server's own frame decoder, body decoder and REQUEST
//   schema step, in-process: every input is accepted or refused with a coded ProtocolError or an
//   INVALID_REQUEST reason, never anything else thrown;
// * server: mutated messages over real TCP connections to a real server: every connection ends
//   with a NAK carrying an ICD code (then a close), an ACK, or a close after the client's BYE, and
//   a good client admitted before the run keeps receiving data, with the server's RSS bounded.
import net from 'node:net';
import { MAX_CLIENT_BODY, MessageType, NakCode } from '../../protocol/constants.ts';
import { decodeBody, FrameDecoder } from '../../protocol/decoder.ts';
import { ProtocolError } from '../../protocol/errors.ts';
import { checkRequest } from '../../src/actors/request.ts';
import { mutatedMessage, Rng } from './mutate.ts';

export interface CodecResult {
  inputs: number;
  frames: number;
  refused: number;
  requestsValid: number;
  requestsInvalid: number;
  /** Inputs that threw something other than a coded refusal: must be empty. */
  failures: string[];
}

export function fuzzCodec(inputs: number, seed: number): CodecResult {
  const rng = new Rng(seed);
  const r: CodecResult = {
    inputs,
    frames: 0,
    refused: 0,
    requestsValid: 0,
    requestsInvalid: 0,
    failures: [],
  };
  for (let i = 0; i < inputs; i++) {
    const bytes = mutatedMessage(rng);
    const decoder = new FrameDecoder({ maxBody: MAX_CLIENT_BODY });
    try {
      // Fed whole or in two random pieces, as TCP may cut it.
      const cut = rng.int(bytes.length + 1);
      const frames = [...decoder.push(bytes.subarray(0, cut)), ...decoder.push(bytes.subarray(cut))];
      for (const f of frames) {
        r.frames++;
        if (f.type !== MessageType.REQUEST) continue;
        let body: unknown;
        try {
          body = decodeBody(f);
        } catch (err) {
          if (!(err instanceof Error)) throw err;
          r.refused++; // the session answers MALFORMED
          continue;
        }
        const checked = checkRequest(body);
        if (checked.ok) r.requestsValid++;
        else r.requestsInvalid++;
      }
    } catch (err) {
      if (err instanceof ProtocolError && Object.values(NakCode).includes(err.nakCode)) r.refused++;
      else if (r.failures.length < 20)
        r.failures.push(`${(err as Error).stack ?? String(err)} :: ${bytes.toString('hex').slice(0, 200)}`);
    }
  }
  return r;
}

export interface ServerResult {
  connections: number;
  outcomes: Record<string, number>;
  /** Connections that ended any other way (no NAK, or a code not in the ICD): must be empty. */
  failures: string[];
}

const CODES = new Set<string>(Object.values(NakCode));

/** Reads one connection's answers: 'ACK', 'NAK <code>', or 'closed'/'silent'. */
function oneConnection(port: number, bytes: Buffer, timeoutMs: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    const decoder = new FrameDecoder({ maxBody: 4 * 1024 * 1024 });
    let outcome: string | undefined;
    const timer = setTimeout(() => finish('silent'), timeoutMs);
    const finish = (o: string) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(outcome ?? o);
    };
    socket.on('error', () => finish('closed'));
    socket.on('close', () => finish('closed'));
    socket.on('connect', () => socket.write(bytes));
    socket.on('data', (chunk: Buffer) => {
      let frames: ReturnType<FrameDecoder['push']>;
      try {
        frames = decoder.push(chunk);
      } catch {
        return finish('bad answer');
      }
      for (const f of frames) {
        if (f.type === MessageType.ACK) return finish('ACK');
        if (f.type === MessageType.NAK) {
          const code = String((decodeBody(f) as { code?: unknown }).code);
          outcome = CODES.has(code) ? `NAK ${code}` : `NAK unknown ${code}`;
        }
      }
      return undefined;
    });
  });
}

export async function fuzzServer(
  port: number,
  connections: number,
  seed: number,
  parallel = 16,
): Promise<ServerResult> {
  const rng = new Rng(seed);
  const r: ServerResult = { connections, outcomes: {}, failures: [] };
  let next = 0;
  const worker = async () => {
    while (next < connections) {
      next++;
      const bytes = mutatedMessage(rng);
      // A message cut short or a REQUEST-less one waits for the server's request timeout.
      const o = await oneConnection(port, bytes, 15_000);
      r.outcomes[o] = (r.outcomes[o] ?? 0) + 1;
      const ok = o === 'ACK' || (o.startsWith('NAK ') && !o.startsWith('NAK unknown')) || o === 'closed';
      if (!ok && r.failures.length < 20) r.failures.push(`${o} :: ${bytes.toString('hex').slice(0, 200)}`);
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
  return r;
}
