// The "session closed" log line says why in words an operator reads without the ICD at hand;
// the coded reason stays in the line's `reason` field for tools.

const BYE_WORDS: Readonly<Record<string, string>> = {
  SLOW_CONSUMER: 'closed as a slow consumer: the client did not read fast enough',
  SHUTDOWN: 'the server is shutting down',
  CLIENT: 'the client said goodbye',
};

/** `reason` as Session records it: 'closed', 'client X', 'BYE X', 'NAK CODE', 'socket error: …', or free text. */
export function closeInWords(reason: string, nakReason?: string): string {
  if (reason === 'closed') return 'the client closed the connection';
  if (reason.startsWith('client ')) return `the client said goodbye (BYE ${reason.slice(7)})`;
  if (reason.startsWith('BYE ')) {
    const code = reason.slice(4);
    return `${BYE_WORDS[code] ?? 'the server said goodbye'} (BYE ${code})`;
  }
  if (reason.startsWith('NAK ')) return `refused (${reason})${nakReason ? `: ${nakReason}` : ''}`;
  if (reason.startsWith('socket error: ')) return `connection failed: ${reason.slice(14)}`;
  return reason;
}
