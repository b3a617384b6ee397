// Orchestrator side of fanout.ts's child processes (child-process.ts), failing with BenchError.
import { type ChildErrors, ChildProcessHandle } from './child-process.ts';
import { BenchError, BenchErrorCode } from './errors.ts';
import type { ChildMsg, ControlMsg } from './ipc.ts';

export { stopAll } from './child-process.ts';

const ERRORS: ChildErrors = {
  timeout: (message) => new BenchError(BenchErrorCode.ERR_BENCH_TIMEOUT, message),
  failed: (message) => new BenchError(BenchErrorCode.ERR_BENCH_CHILD, message),
};

export class Child extends ChildProcessHandle<ControlMsg, ChildMsg> {
  constructor(name: string, script: URL, options: unknown) {
    super(name, script, options, ERRORS);
  }
}
