import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { diagramsHtml } from "./diagrams.js";

/** `npm run grammar`: regenerates grammar/diagrams.html (a test checks the committed copy is current). */
const out = join(import.meta.dirname, "diagrams.html");
writeFileSync(out, diagramsHtml());
console.log(`wrote ${out}`);
