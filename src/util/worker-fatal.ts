// The last message a worker thread posts before it ends on an error: what failed, and the
// error's ERR_* code when it has one, so the main thread can log it precisely.

export type FatalMessage = { kind: 'fatal'; message: string; code?: string };

export function fatalMessage(err: unknown): FatalMessage {
  const message = err instanceof Error ? err.message : String(err);
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? { kind: 'fatal', message, code } : { kind: 'fatal', message };
}
