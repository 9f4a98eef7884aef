// Builds the canvas bundle into ../static/dist (git-ignored): React 19 + React Flow + our code.
//
// One React for the whole page: the shims below re-export React's CommonJS modules as ES
// modules with explicit named exports (`export *` cannot see CommonJS names), and they are
// built together with the canvas with code splitting, so React lands in one shared chunk that
// both the canvas and the page's import map (react, react-dom/client, ...) point at.
// Also writes THIRD_PARTY_LICENSES.txt from the metafile (esbuild's legalComments misses MIT
// packages without an @license banner) and manifest.json (a build id for cache busting).
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, rmSync, writeFileSync, readdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";

const here = dirname(fileURLToPath(import.meta.url));
const out = resolve(here, "../static/dist");
const shims = join(here, "node_modules/.wayline-shims");
const require = createRequire(join(here, "package.json"));

const SHIMS = {
  react: "react",
  "react-dom": "react-dom",
  "react-dom-client": "react-dom/client",
  "jsx-runtime": "react/jsx-runtime",
};

function writeShims() {
  mkdirSync(shims, { recursive: true });
  for (const [name, specifier] of Object.entries(SHIMS)) {
    const names = Object.keys(require(specifier)).filter(
      (key) => /^[A-Za-z_$][\w$]*$/.test(key) && key !== "default",
    );
    const code =
      `import * as M from "${specifier}";\nconst D = M.default ?? M;\nexport default D;\n` +
      `export const { ${names.join(", ")} } = D;\n`;
    writeFileSync(join(shims, `${name}.js`), code);
  }
}

function packageOf(input) {
  const match = input.match(/node_modules\/((?:@[^/]+\/)?[^/.][^/]*)\//);
  return match ? match[1] : null;
}

function licenseText(dir) {
  const file = readdirSync(dir).find((name) => /^(license|licence|copying)/i.test(name));
  return file ? readFileSync(join(dir, file), "utf8").trim() : "(no license file shipped)";
}

function writeLicenses(metafile) {
  const packages = new Set(Object.keys(metafile.inputs).map(packageOf).filter(Boolean));
  const parts = [...packages].sort().map((name) => {
    const dir = join(here, "node_modules", name);
    const meta = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
    return `${name} ${meta.version} — ${meta.license}\n\n${licenseText(dir)}\n`;
  });
  const header = "Third-party code bundled into the Wayline canvas (builder/ui/static/dist).\n\n";
  writeFileSync(
    join(out, "THIRD_PARTY_LICENSES.txt"),
    header + parts.join("\n" + "-".repeat(72) + "\n\n"),
  );
  return packages;
}

async function main() {
  writeShims();
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const entryPoints = { canvas: join(here, "src/canvas.jsx") };
  for (const name of Object.keys(SHIMS)) entryPoints[name] = join(shims, `${name}.js`);
  const result = await esbuild.build({
    entryPoints,
    outdir: out,
    bundle: true,
    splitting: true,
    format: "esm",
    target: "es2020",
    minify: true,
    sourcemap: true,
    jsx: "automatic",
    define: { "process.env.NODE_ENV": '"production"' },
    entryNames: "[name]",
    chunkNames: "chunks/[name]-[hash]",
    assetNames: "assets/[name]-[hash]",
    metafile: true,
    legalComments: "none",
    logLevel: "warning",
  });
  const packages = writeLicenses(result.metafile);
  const reacts = Object.keys(result.metafile.inputs).filter((p) =>
    /node_modules\/react\/cjs\/react\.production/.test(p),
  );
  if (reacts.length !== 1)
    throw new Error(`expected exactly one React in the bundle, found ${reacts}`);
  const hash = createHash("sha256");
  for (const [path, info] of Object.entries(result.metafile.outputs).sort())
    hash.update(path + info.bytes);
  writeFileSync(
    join(out, "manifest.json"),
    JSON.stringify(
      { build: hash.digest("hex").slice(0, 12), packages: [...packages].sort() },
      null,
      1,
    ),
  );
  console.log(
    `canvas bundle: ${Object.keys(result.metafile.outputs).length} files in ${out}; one React: ${reacts[0]}`,
  );
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
