import { compile } from "@vue/compiler-dom";
import { readFileSync } from "node:fs";
const cases = JSON.parse(readFileSync(0, "utf8"));
const out = {};
for (const [k, t] of Object.entries(cases)) out[k] = compile(t, { mode: "function", prefixIdentifiers: true, hoistStatic: true }).code;
console.log(JSON.stringify(out));
