/**
 * Where a process's CPU went, from the .cpuprofile node writes with --cpu-prof (BENCH_API_NODE_ARGS="--cpu-prof
 * --cpu-prof-dir=/tmp/prof" for a bench's API). Without a window, prints how busy each second was, to find the
 * measured run; with one, self time by package (or project file) and by function, and inclusive time by function.
 *
 *   node --import tsx bench/support/cpu-profile.ts FILE.cpuprofile [FROM_SECONDS TO_SECONDS] [TOP]
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

const [path, from, to, top = '40'] = process.argv.slice(2);
if (!path) throw new Error('usage: cpu-profile.ts FILE.cpuprofile [FROM_SECONDS TO_SECONDS] [TOP]');
const profile = JSON.parse(readFileSync(path, 'utf8')) as { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] };
const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
const parents = new Map(profile.nodes.flatMap((n) => (n.children ?? []).map((child) => [child, n.id] as const)));
const idle = (id: number) => nodes.get(id)!.callFrame.functionName === '(idle)';

/** A package's name, a project file's path, or the native function (garbage collector, writev...). */
function owner({ url, functionName }: ProfileNode['callFrame']): string {
  if (!url) return `(native) ${functionName}`;
  const inPackage = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (inPackage) return inPackage[1]!;
  return url.startsWith('node:') ? url : url.replace(/^file:\/\/.*?\/(api|services|domain|platform|bench|workers)\//, '$1/');
}

const functionOf = (frame: ProfileNode['callFrame']) =>
  `${frame.functionName || '(anonymous)'} ${owner(frame).replace(/^\(native\) .*/, '(native)')}:${frame.lineNumber}`;

// each sample's time is the delta to the next one; its timestamp, the sum of the deltas before it
const samples = profile.samples.map((id, i) => ({ id, ms: (profile.timeDeltas[i + 1] ?? 0) / 1000 }));
let elapsedMs = 0;
const timed = samples.map((s, i) => ({ ...s, at: (elapsedMs += profile.timeDeltas[i]! / 1000) / 1000 }));

if (from === undefined || to === undefined) {
  const seconds = new Map<number, { all: number; busy: number }>();
  for (const s of timed) {
    const second = seconds.get(Math.floor(s.at)) ?? { all: 0, busy: 0 };
    second.all += s.ms;
    if (!idle(s.id)) second.busy += s.ms;
    seconds.set(Math.floor(s.at), second);
  }
  console.log([...seconds].map(([second, t]) => `${second}s ${Math.round((100 * t.busy) / t.all)}%`).join('  '));
} else {
  const window = timed.filter((s) => s.at >= Number(from) && s.at <= Number(to));
  const busy = window.filter((s) => !idle(s.id));
  const busyMs = busy.reduce((sum, s) => sum + s.ms, 0);
  const windowMs = window.reduce((sum, s) => sum + s.ms, 0);
  const self = { byOwner: new Map<string, number>(), byFunction: new Map<string, number>() };
  const inclusive = new Map<string, number>();
  const add = (map: Map<string, number>, key: string, ms: number) => map.set(key, (map.get(key) ?? 0) + ms);
  for (const s of busy) {
    const frame = nodes.get(s.id)!.callFrame;
    add(self.byOwner, owner(frame), s.ms);
    add(self.byFunction, functionOf(frame), s.ms);
    const stack = new Set<string>();
    for (let id: number | undefined = s.id; id !== undefined; id = parents.get(id))
      stack.add(functionOf(nodes.get(id)!.callFrame));
    for (const name of stack) add(inclusive, name, s.ms);
  }
  const print = (title: string, map: Map<string, number>) => {
    console.log(`\n${title} (% of busy time)`);
    for (const [key, ms] of [...map].sort((a, b) => b[1] - a[1]).slice(0, Number(top))) {
      console.log(`${((100 * ms) / busyMs).toFixed(1).padStart(6)}%  ${key}`);
    }
  };
  console.log(`${from}–${to} s: busy ${((100 * busyMs) / windowMs).toFixed(1)}% (${(busyMs / 1000).toFixed(2)} s of CPU)`);
  print('self time by package or file', self.byOwner);
  print('self time by function', self.byFunction);
  print('inclusive time by function', inclusive);
}
