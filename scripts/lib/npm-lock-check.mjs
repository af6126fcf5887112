// Checks npm lock files without the network (scripts/audit-deps npm): every package comes
// from the npm registry (no git, file, link or other-host sources), carries a sha512
// integrity hash (which `npm ci` verifies), runs no install script, and has a licence on the
// list below. Prints one line a package and exits 1 on any problem.
//
//   node scripts/lib/npm-lock-check.mjs crates/web/assets/package-lock.json ...

import { readFileSync } from "node:fs";

// The licences of today's lock files, all permissive; a new one fails until it is read and
// added here (as deny.toml does for the Rust dependencies).
const LICENCES = new Set(["MIT", "Apache-2.0", "0BSD", "BSD-2-Clause", "BSD-3-Clause", "ISC"]);
// Read and accepted one by one: package → the licence accepted for it and where.
// axe-core (MPL-2.0, file-level copyleft): a test tool of crates/web/e2e, injected into pages
// by the browser tests only, never modified, never shipped with the product.
const EXCEPTIONS = new Map([["axe-core", { licence: "MPL-2.0", lock: "crates/web/e2e/" }]]);
const REGISTRY = "https://registry.npmjs.org/";

let problems = 0;
const problem = (where, what) => {
  problems++;
  console.log(`  PROBLEM ${where}: ${what}`);
};

for (const file of process.argv.slice(2)) {
  const lock = JSON.parse(readFileSync(file, "utf8"));
  console.log(`${file} (lockfileVersion ${lock.lockfileVersion})`);
  if (!(lock.lockfileVersion >= 2) || typeof lock.packages !== "object") {
    problem(file, "not a lockfileVersion 2 or 3 lock (no \"packages\")");
    continue;
  }
  for (const [path, p] of Object.entries(lock.packages)) {
    if (path === "") continue; // the project itself
    const name = `${path.replace(/^.*node_modules\//, "")}@${p.version ?? "?"}`;
    if (p.link) problem(name, `a link to ${p.resolved}, not a registry package`);
    if (p.resolved !== undefined && !p.resolved.startsWith(REGISTRY)) {
      problem(name, `resolved from ${p.resolved}, not ${REGISTRY}`);
    }
    if (!/^sha512-[A-Za-z0-9+/]+=*$/.test(p.integrity ?? "")) {
      problem(name, "no sha512 integrity hash");
    }
    if (p.hasInstallScript) problem(name, "runs an install script");
    const bare = path.replace(/^.*node_modules\//, "");
    const excepted = EXCEPTIONS.get(bare);
    const accepted =
      excepted !== undefined && excepted.licence === p.license && file.includes(excepted.lock);
    if (!LICENCES.has(p.license) && !accepted) problem(name, `licence ${p.license ?? "(none)"} is not on the list`);
    console.log(`  ${name}  ${p.license ?? "-"}${p.dev ? "  (dev)" : ""}`);
  }
}
if (problems > 0) {
  console.log(`npm lock check: ${problems} problem(s)`);
  process.exit(1);
}
console.log("npm lock check: ok (registry sources, sha512 integrity, no install scripts, licences)");
