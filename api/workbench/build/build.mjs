// Builds ../static/vendor/workbench-libs.js and .css from entry.mjs, ../static/vendor/echarts-charts.js
// from echarts-entry.mjs and ../static/bundle/app.js from ../static/app, and copies the licence of every
// npm package that ends up in them to ../static/vendor/licenses/. Development time only: the hub
// serves the committed output and never builds. Usage: npm ci && npm run build
import { build, analyzeMetafile } from "esbuild";
import { compile } from "@vue/compiler-dom";
import { createHash } from "node:crypto";
import { copyFileSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const VENDOR = "../static/vendor";
const APP = "../static/app";
const BUNDLE = "../static/bundle";

// What every bundle shares: one script the page loads as is, for the browsers officials use.
const SCRIPT = { bundle: true, format: "iife", minify: true, target: ["chrome110", "firefox110", "safari16"] };

const result = await build({
  ...SCRIPT,
  entryPoints: { "workbench-libs": "entry.mjs" },
  outdir: VENDOR,
  legalComments: "none",
  // The runtime only: the app's templates are compiled here (below), not in the browser.
  alias: { vue: "vue/dist/vue.runtime.esm-bundler.js" },
  define: {
    "process.env.NODE_ENV": '"production"',
    __VUE_OPTIONS_API__: "true",
    __VUE_PROD_DEVTOOLS__: "false",
    __VUE_PROD_HYDRATION_MISMATCH_DETAILS__: "false",
  },
  metafile: true,
  logLevel: "info",
});

// ECharts with only the charts the workbench draws (echarts-entry.mjs), loaded by the pages that chart.
const charts = await build({
  ...SCRIPT,
  entryPoints: { "echarts-charts": "echarts-entry.mjs" },
  outdir: VENDOR,
  legalComments: "none",
  metafile: true,
  logLevel: "info",
});

// Every bundled package, by its folder under node_modules (scoped ones as @scope/name).
const packages = new Set();
const inputs = [...Object.keys(result.metafile.inputs), ...Object.keys(charts.metafile.inputs)];
for (const input of inputs) {
  const match = input.match(/node_modules\/((?:@[^/]+\/)?[^/]+)\//);
  if (match) packages.add(match[1]);
}
for (const name of [...packages].sort()) {
  const folder = join("node_modules", name);
  const target = join(VENDOR, "licenses", `${name.replace("/", "__")}.LICENSE`);
  const licence = readdirSync(folder).find((file) => /^licen[cs]e/i.test(file));
  if (licence) {
    copyFileSync(join(folder, licence), target);
  } else {
    // A few packages ship no licence file; their package.json names the licence.
    const meta = JSON.parse(readFileSync(join(folder, "package.json"), "utf8"));
    if (!meta.license) throw new Error(`no licence named in ${folder}`);
    writeFileSync(target, `${name} ${meta.version}: ${meta.license} (named in its package.json)\n`);
  }
}
console.log(`licences of ${packages.size} packages: ${[...packages].sort().join(", ")}`);
// The app: its modules in one script, each component's `template` string replaced by the render
// function Vue's compiler makes of it here, so the browser neither compiles templates nor loads
// modules one by one. Its first line records a digest of the sources it was built from (a test
// checks it, so a change to static/app without a rebuild fails).
const precompileTemplates = {
  name: "precompile-templates",
  setup(build) {
    build.onLoad({ filter: /static\/app\/.*\.js$/ }, (args) => {
      const source = readFileSync(args.path, "utf8");
      const contents = source.replace(/\btemplate: (`[^`]*`|"[^"]*")/g, (_, literal) => {
        const template = literal.startsWith("`") ? literal.slice(1, -1) : JSON.parse(literal);
        const { code } = compile(template, { mode: "function", prefixIdentifiers: true, hoistStatic: true });
        return `render: (() => { ${code} })()`;
      });
      return { contents, loader: "js" };
    });
  },
};
await build({
  ...SCRIPT,
  entryPoints: { app: `${APP}/main.js` },
  outdir: BUNDLE,
  banner: { js: `// workbench app built from static/app sources ${appSourceDigest()}` },
  plugins: [precompileTemplates],
  logLevel: "info",
});

/** The digest api/workbench's test recomputes: every file of static/app but early.js and style.css. */
function appSourceDigest() {
  const digest = createHash("sha256");
  const files = readdirSync(APP, { recursive: true }).map(String).sort();
  for (const file of files) {
    if (!file.endsWith(".js") || file === "early.js") continue;
    digest.update(file.replaceAll("\\", "/"));
    digest.update(readFileSync(join(APP, file)));
  }
  return digest.digest("hex").slice(0, 16);
}

if (process.env.ANALYZE) console.log(await analyzeMetafile(result.metafile));
