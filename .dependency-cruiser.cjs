// The layering rules, checked by `npm run lint:deps` (part of `npm test`).
// docs/ARCHITECTURE.md explains them; a violation names the rule and the import.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'module-through-index',
      comment:
        'A module uses another module only through its index.ts (its public API), never its repo or use cases. ' +
        'Routes and workers are entry points the composition root (app.ts, server.ts) imports; other modules do not.',
      severity: 'error',
      from: { path: '^apps/server/src/modules/([^/]+)/' },
      to: {
        path: '^apps/server/src/modules/[^/]+/',
        pathNot: ['^apps/server/src/modules/$1/', '^apps/server/src/modules/[^/]+/index\\.ts$'],
      },
    },
    {
      name: 'repo-only-in-its-module',
      comment: 'SQL lives in a module\'s *.repo.ts, and only that module calls it: anything outside the modules goes through the module\'s index.ts.',
      severity: 'error',
      from: { pathNot: '^apps/server/src/modules/' },
      to: { path: '^apps/server/src/modules/[^/]+/.+\\.repo\\.ts$' },
    },
    {
      name: 'platform-not-upward',
      comment:
        'platform/ holds no business rules: it never imports a module, nor the composition root (app.ts, server.ts, deps.ts, config.ts). ' +
        'Its tests may: a test of the master key checks it through the configuration that loads it.',
      severity: 'error',
      from: { path: '^apps/server/src/platform/', pathNot: '\\.test\\.ts$' },
      to: { path: '^apps/server/src/(modules/|[^/]+\\.ts$)' },
    },
    {
      name: 'mailkit-standalone',
      comment: 'The email library knows nothing of the product: no import from apps/.',
      severity: 'error',
      from: { path: '^packages/mailkit/' },
      to: { path: '^apps/' },
    },
    {
      name: 'contracts-only-zod',
      comment: 'The API contracts are shared by the server and the browser: they import zod and each other, nothing else.',
      severity: 'error',
      from: { path: '^packages/contracts/' },
      to: { pathNot: ['^packages/contracts/', '^node_modules/zod/'] },
    },
    {
      name: 'web-not-server',
      comment: 'The console talks to the server over HTTP only; shared shapes come from @postdesk/contracts.',
      severity: 'error',
      from: { path: '^apps/web/' },
      to: { path: '^apps/server/' },
    },
    {
      name: 'no-circular',
      comment: 'No import cycles (type-only imports, which vanish at run time, do not count).',
      severity: 'error',
      from: {},
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(node_modules|dist|data)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default'],
      extensions: ['.ts', '.tsx', '.js', '.mjs', '.cjs', '.json'],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
