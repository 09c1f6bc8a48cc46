/** A local EVM chain: Foundry's anvil from npm (@foundry-rs/anvil), HTTP and websocket on one port. */
import { createRequire } from 'node:module';
import { spawnService, waitUntil, type ServiceProcess } from './process.js';

const require = createRequire(import.meta.url);

export interface AnvilChain {
  rpcUrl: string;
  wsUrl: string;
  process: ServiceProcess;
  stop(): Promise<void>;
}

function anvilBinary(): string {
  const arch = ({ x64: 'amd64', arm64: 'arm64' } as Record<string, string>)[process.arch];
  try {
    return require.resolve(`@foundry-rs/anvil-${process.platform}-${arch}/bin/anvil`);
  } catch {
    throw new Error(`no anvil binary for ${process.platform}/${process.arch}: is @foundry-rs/anvil installed?`);
  }
}

export async function startAnvil(options: {
  port: number;
  blockTime?: number;
  chainId?: number;
  /** Load the chain from here at start and save it on exit (and every `stateInterval` seconds). */
  statePath?: string;
  stateInterval?: number;
  logFile?: string;
  output?: 'inherit' | 'file' | 'ignore';
}): Promise<AnvilChain> {
  const args = ['--host', '127.0.0.1', '--port', String(options.port), '--chain-id', String(options.chainId ?? 31337)];
  if (options.blockTime) args.push('--block-time', String(options.blockTime));
  if (options.statePath) args.push('--state', options.statePath, '--state-interval', String(options.stateInterval ?? 10));
  const service = spawnService({
    name: 'anvil',
    command: anvilBinary(),
    args,
    logFile: options.logFile,
    output: options.output ?? (options.logFile ? 'file' : 'ignore'),
  });
  const rpcUrl = `http://127.0.0.1:${options.port}`;
  await waitUntil(
    `anvil on ${rpcUrl}`,
    async () => {
      const response = await fetch(rpcUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] }),
      });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
    },
    { timeoutMs: 30_000, process: service },
  );
  // SIGINT lets anvil write its state file before it exits
  return { rpcUrl, wsUrl: `ws://127.0.0.1:${options.port}`, process: service, stop: () => service.stop('SIGINT') };
}
