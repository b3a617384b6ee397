// Messages between the main thread and the actor threads (BroadcastChannel), as a
// discriminated union on `kind`.

export const ActorControlKind = { SHUTDOWN: 'shutdown' } as const;

export type ActorControl = { kind: typeof ActorControlKind.SHUTDOWN; graceMs: number };
