/**
 * The test USDT token for local chains: compiled from contracts/TestUSDT.sol with solc-js (offline, bundled
 * compiler) and deployed with ethers. Real deployments use the real token's address instead.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { ContractFactory, type ContractRunner, type InterfaceAbi } from 'ethers';

const require = createRequire(import.meta.url);
const SOURCE = new URL('./contracts/TestUSDT.sol', import.meta.url);

export interface CompiledContract {
  abi: InterfaceAbi;
  bytecode: string;
}

let compiled: Promise<CompiledContract> | undefined;

export function compileTestUsdt(): Promise<CompiledContract> {
  compiled ??= (async () => {
    const solc = require('solc') as { compile(input: string): string };
    const input = {
      language: 'Solidity',
      sources: { 'TestUSDT.sol': { content: await readFile(SOURCE, 'utf8') } },
      settings: {
        evmVersion: 'cancun',
        optimizer: { enabled: true, runs: 200 },
        outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object'] } },
      },
    };
    const output = JSON.parse(solc.compile(JSON.stringify(input))) as {
      errors?: Array<{ severity: string; formattedMessage: string }>;
      contracts: Record<string, Record<string, { abi: InterfaceAbi; evm: { bytecode: { object: string } } }>>;
    };
    const errors = output.errors?.filter((e) => e.severity === 'error') ?? [];
    if (errors.length > 0) throw new Error(`TestUSDT.sol does not compile:\n${errors.map((e) => e.formattedMessage).join('\n')}`);
    const contract = output.contracts['TestUSDT.sol']!.TestUSDT!;
    return { abi: contract.abi, bytecode: `0x${contract.evm.bytecode.object}` };
  })();
  return compiled;
}

/** Deploys the token with `initialSupply` (minor units) minted to the deployer; returns its address. */
export async function deployTestUsdt(deployer: ContractRunner, initialSupply: bigint): Promise<string> {
  const { abi, bytecode } = await compileTestUsdt();
  const contract = await new ContractFactory(abi, bytecode, deployer).deploy(initialSupply);
  await contract.waitForDeployment();
  return contract.getAddress();
}
