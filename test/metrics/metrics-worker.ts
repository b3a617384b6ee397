// Worker for counters.test.ts: claims a metrics region, applies the ops, posts the region.
import { parentPort, workerData } from 'node:worker_threads';
import type { NakCode } from '../../protocol/constants.ts';
import { ActorMetrics, type AgencyCounter, type MetricsBuffers } from '../../src/metrics/counters.ts';

export type MetricsOp =
  | { op: 'add'; c: AgencyCounter; agency: number; n: number; times: number }
  | { op: 'nak'; code: NakCode; times: number }
  | { op: 'lag'; stream: number; lag: number }
  | { op: 'latency'; us: number }
  | { op: 'tick'; ms: number };

export interface MetricsWorkerData {
  buffers: MetricsBuffers;
  ops: MetricsOp[];
}

const { buffers, ops } = workerData as MetricsWorkerData;
const metrics = ActorMetrics.claim(buffers);
for (const op of ops) {
  switch (op.op) {
    case 'add':
      for (let i = 0; i < op.times; i++) metrics.add(op.c, op.agency, op.n);
      break;
    case 'nak':
      for (let i = 0; i < op.times; i++) metrics.nak(op.code);
      break;
    case 'lag':
      metrics.setLag(op.stream, op.lag);
      break;
    case 'latency':
      metrics.observeLatencyUs(op.us);
      break;
    case 'tick':
      metrics.tick(op.ms);
      break;
  }
}
parentPort!.postMessage(metrics.region);
