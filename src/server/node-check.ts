// SCS moves accepted sockets to worker threads through postMessage transfer lists,
// which Node supports from 24.21. Older runtimes fail later in confusing ways.

export const MIN_NODE = [24, 21, 0] as const;

export class RuntimeError extends Error {
  readonly code = 'ERR_NODE_TOO_OLD';
}

export function assertSocketTransfer(version: string = process.versions.node): void {
  const parts = version.split('.').map(Number);
  for (let i = 0; i < MIN_NODE.length; i++) {
    const have = parts[i] ?? 0;
    if (have > MIN_NODE[i]!) return;
    if (have < MIN_NODE[i]!) {
      throw new RuntimeError(
        `SCS needs Node ${MIN_NODE.join('.')} or newer to transfer sockets to worker threads; this is Node ${version}. ` +
          'Run it through npm (npm start), which uses the Node that npm install put in node_modules/.bin.',
      );
    }
  }
}
