// Piscina worker entry: one actor per thread; each task is one client session.
import { workerData } from 'node:worker_threads';
import { Actor } from '../src/actors/actor.ts';
import type { ActorInit } from '../src/actors/context.ts';
import type { SessionOutcome, SessionTask } from '../src/actors/session.ts';

const actor = new Actor(workerData as ActorInit);

export default function hostSession(task: SessionTask): Promise<SessionOutcome> {
  return actor.host(task);
}
