/**
 * The fault suite (`make chaos`, not part of `make test`): each scenario breaks a real stack on purpose and counts
 * what went wrong; the goal is zero in every count. Prints the table (README, "Fault suite", shows the latest one).
 *   node --import tsx bench/chaos/run.ts [postgres] [xrpl] [reorgs] [storm] [flows]   (default: all, in this order)
 * Run it under `flock /tmp/sluice-bench.lock`, like the benches.
 */
import { postgresRestart } from './postgres-restart.js';
import { xrplDrops } from './xrpl-drops.js';
import { evmReorgs } from './evm-reorgs.js';
import { killStorm } from './kill-storm.js';
import { flowsStorm } from './flows-storm.js';
import type { ChaosRow } from './support.js';

const scenarios: Record<string, () => Promise<ChaosRow[]>> = {
  postgres: postgresRestart,
  xrpl: xrplDrops,
  reorgs: evmReorgs,
  storm: killStorm,
  flows: flowsStorm,
};

const chosen = process.argv.slice(2).length > 0 ? process.argv.slice(2) : Object.keys(scenarios);
const rows: ChaosRow[] = [];
for (const name of chosen) {
  const scenario = scenarios[name];
  if (!scenario) throw new Error(`unknown scenario ${name}; known: ${Object.keys(scenarios).join(', ')}`);
  console.log(`\n▶ ${name}`);
  const started = Date.now();
  try {
    rows.push(...(await scenario()));
  } catch (error) {
    console.error(error);
    rows.push({
      scenario: name,
      count: `the scenario failed to run: ${error instanceof Error ? error.message : String(error)}`,
      value: 1,
    });
  }
  console.log(`  (${((Date.now() - started) / 1000).toFixed(0)} s)`);
}

console.log(`\n| scenario | count | value |\n|---|---|---|`);
for (const row of rows) console.log(`| ${row.scenario} | ${row.count} | ${row.value} |`);
const failing = rows.filter((r) => r.value !== 0).length;
console.log(failing === 0 ? '\nEvery count is zero.' : `\n${failing} count(s) not zero.`);
process.exit(failing === 0 ? 0 : 1);
