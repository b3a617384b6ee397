// Reads one secret line for `scs token`: on a terminal, after a prompt, with the typed characters
// not shown, ending at Enter; from a pipe, the first line, without waiting for the end of input.
import { CliError, CliErrorCode } from './errors.ts';

interface Input extends NodeJS.EventEmitter {
  isTTY?: boolean;
  setRawMode?(raw: boolean): unknown;
  setEncoding(encoding: BufferEncoding): unknown;
  resume(): unknown;
  pause(): unknown;
  destroy?(): unknown;
}

const CTRL_C = '\u0003';
const CTRL_D = '\u0004';
const BACKSPACES = new Set(['\u007f', '\b']);

export function readSecretLine(
  input: Input,
  output: { write(s: string): unknown },
  prompt: string,
): Promise<string> {
  const tty = input.isTTY === true && typeof input.setRawMode === 'function';
  if (tty) {
    output.write(prompt);
    input.setRawMode!(true);
  }
  input.setEncoding('utf8');
  return new Promise((resolve, reject) => {
    let line = '';
    const finish = (err?: Error) => {
      input.off('data', onData);
      input.off('end', onEnd);
      if (tty) {
        input.setRawMode!(false);
        output.write('\n');
      }
      input.pause();
      // A pipe whose writer keeps it open would keep the process alive: the line is all we read.
      if (!tty) input.destroy?.();
      if (err) reject(err);
      else resolve(line);
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n') return finish();
        if (tty && ch === CTRL_C) return finish(new CliError(CliErrorCode.INTERRUPTED, 'interrupted'));
        if (tty && ch === CTRL_D) return finish();
        if (tty && BACKSPACES.has(ch)) line = line.slice(0, -1);
        else line += ch;
      }
    };
    const onEnd = () => finish();
    input.on('data', onData);
    input.on('end', onEnd);
    input.resume();
  });
}
