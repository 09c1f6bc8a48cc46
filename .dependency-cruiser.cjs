/**
 * Sluice's layout as rules (ARCHITECTURE.md, "Layout"). `make test` runs them; zero violations is the bar.
 * A feature has a folder of its name in every layer; other features reach it only through its `client.ts`,
 * its workflows' `messages.ts` and its `domain/` rules. The kernel (platform/, chains/, domain/*.ts, the ledger,
 * currencies, the HTTP kit) is everyone's.
 */
const LAYERS = '(?:api|services|activities|workflows|domain)';
// workflow-safe: what the Temporal bundle may contain
const WORKFLOW_SAFE = [
  '^workflows/',
  '^domain/',
  '^platform/temporal/(?:search-attributes|retry-policies|versions|run-length)\\.ts$',
  // (a worktree whose node_modules links to another checkout resolves to ../<checkout>/node_modules)
  '(?:^|/)node_modules/@temporalio/(?:workflow|common)/',
];
// everyone's: the HTTP kit, the ledger and the currency catalog; and notifications' two doors, as every feature tells
// people things: its client.ts, and for workflows the activity that records a notification
const KERNEL = ['^api/http/', '^services/ledger/', '^services/currencies/', '^activities/notifications/activities\\.ts$'];

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'An import cycle ties modules that should stand alone; messages.ts files exist to break them.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'workflow-safe',
      severity: 'error',
      comment:
        'Workflow code must be deterministic: workflows/, domain/ and the workflow-safe platform files import only each other, ' +
        '@temporalio/workflow and @temporalio/common (and activity types, which vanish at run time).',
      from: { path: WORKFLOW_SAFE.slice(0, 3) },
      to: { pathNot: WORKFLOW_SAFE, dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'feature-privacy',
      severity: 'error',
      comment: "A feature reaches another only through its client.ts, its workflows' messages.ts and its domain/ rules.",
      // the HTTP kit authenticates callers, so it may use users-auth's stores and checks
      from: { path: `^${LAYERS}/([^/]+)/`, pathNot: '^api/http/' },
      to: {
        path: `^(?:api|services|activities|workflows)/[^/]+/`,
        pathNot: [`^${LAYERS}/$1/`, '/client\\.ts$', '/messages\\.ts$', ...KERNEL],
      },
    },
    {
      name: 'platform-is-feature-free',
      severity: 'error',
      comment: 'platform/ is the kernel every feature stands on; it knows no feature.',
      from: { path: '^platform/' },
      to: { path: `^(?:api|services|activities|workflows)/` },
    },
    {
      name: 'chains-are-adapters',
      severity: 'error',
      comment: 'chains/ adapt networks (clients, senders, scanners, listeners); Temporal and features stay out of them.',
      from: { path: '^chains/' },
      to: { path: ['^(?:api|activities|workflows)/', '(?:^|/)node_modules/@temporalio/'] },
    },
    {
      name: 'api-is-not-a-worker',
      severity: 'error',
      comment: 'The API process starts workflows through services; it never runs activities or worker code.',
      from: { path: '^api/' },
      to: { path: ['^workers/', '^activities/'] },
    },
    {
      name: 'services-below-api',
      severity: 'error',
      comment: 'The HTTP layer calls services; services, activities and everything below never import it.',
      from: { path: '^(?:services|activities|workflows|domain|chains|platform)/' },
      to: { path: '^api/' },
    },
    {
      name: 'entry-points-are-leaves',
      severity: 'error',
      comment: 'workers/ holds process entry points only; nothing imports them.',
      from: { pathNot: '^(?:workers|test|bench)/' },
      to: { path: '^workers/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(?:node_modules|\\.data|\\.tools)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default'],
      extensions: ['.ts', '.tsx', '.js'],
    },
    moduleSystems: ['es6'],
  },
};
