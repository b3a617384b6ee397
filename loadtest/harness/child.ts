// Harness side of a child process (../child-process.ts), failing with HarnessError, with its
// ticks followed as they come.
import { type ChildErrors, ChildProcessHandle } from '../child-process.ts';
import { HarnessError, HarnessErrorCode } from './errors.ts';
import type { FromChild, Tick, ToChild } from './ipc.ts';

export { stopAll } from '../child-process.ts';

const ERRORS: ChildErrors = {
  timeout: (message) => new HarnessError(HarnessErrorCode.ERR_HARNESS_TIMEOUT, message),
  failed: (message) => new HarnessError(HarnessErrorCode.ERR_HARNESS_CHILD, message),
};

export class Child extends ChildProcessHandle<ToChild, FromChild> {
  /** Called with every tick (ticks are not queued for next()). */
  onTick: (tick: Tick) => void = () => undefined;

  constructor(name: string, script: URL, options: unknown) {
    super(name, script, options, ERRORS);
  }

  protected override consume(msg: FromChild): boolean {
    if (msg.kind !== 'tick') return false;
    this.onTick(msg.tick);
    return true;
  }
}
