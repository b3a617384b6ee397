// Worker for admission.test.ts: waits at a shared gate so that all workers start their
// operations at the same moment, then runs them and posts the results.
import { parentPort, workerData } from 'node:worker_threads';
import { Admission, type AdmissionBuffers, AdmitResult } from '../../src/admission/admission.ts';

export type RaceOp =
  | { op: 'admit'; slot: number; agency: number }
  | { op: 'release'; slot: number }
  | { op: 'number' }
  /** Admit and release one slot `rounds` times; result = times count(agency) was seen above `cap`. */
  | { op: 'churn'; slot: number; agency: number; rounds: number; cap: number }
  /**
   * Admit and release the same slot as the other workers `rounds` times; result = times
   * the agency count was seen below 0 or above `threads` (each racing tryAdmit may hold
   * one count until its slot CAS fails and it gives the count back).
   */
  | { op: 'hammer'; slot: number; agency: number; rounds: number; threads: number };

export interface RaceData {
  buffers: AdmissionBuffers;
  gate: SharedArrayBuffer;
  ops: RaceOp[];
}

const { buffers, gate, ops } = workerData as RaceData;
const admission = new Admission(buffers);

function run(op: RaceOp): number {
  switch (op.op) {
    case 'admit':
      return admission.tryAdmit(op.slot, op.agency);
    case 'release':
      return admission.release(op.slot);
    case 'number':
      return admission.nextClientNumber();
    case 'churn': {
      let violations = 0;
      for (let r = 0; r < op.rounds; r++) {
        if (admission.tryAdmit(op.slot, op.agency) !== AdmitResult.OK) continue;
        if (admission.count(op.agency) > op.cap) violations++;
        admission.release(op.slot);
      }
      return violations;
    }
    case 'hammer': {
      let violations = 0;
      for (let r = 0; r < op.rounds; r++) {
        admission.tryAdmit(op.slot, op.agency);
        const n = admission.count(op.agency);
        if (n < 0 || n > op.threads) violations++;
        admission.release(op.slot);
      }
      return violations;
    }
  }
}

const go = new Int32Array(gate);
parentPort!.postMessage('ready');
Atomics.wait(go, 0, 0);
parentPort!.postMessage(ops.map(run));
