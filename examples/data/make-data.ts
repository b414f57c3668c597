// Writes the small labelled datasets of examples/data, deterministically (the same bytes every
// run): `npx tsx examples/data/make-data.ts`. They are made up here, so they are free to use.
//
//   sentiment.jsonl  400 short sentences about films, {"text": …, "label": 0 | 1}: 1 when the
//                    sentence is favourable. "not" flips an adjective, so word order matters.
//   signals.jsonl    300 sequences of 2 numbers per step, {"x": [[u, v], …], "y": [[s], …]} with
//                    s_t = 0.7·s_{t−1} + 0.5·u_t − 0.3·v_t (s_{−1} = 0): a regressor's target.
//   tags.jsonl       300 sequences of 1 number per step, {"x": [[u], …], "y": [tag, …]} with tag_t = 1
//                    when u_0 + … + u_t > 0, else 0: a tagger's per-step classes.
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** mulberry32: a tiny seeded generator, so the data needs nothing but this file. */
function generator(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = <T>(rand: () => number, items: readonly T[]): T => items[Math.floor(rand() * items.length)]!;
const round = (x: number) => Math.round(x * 1000) / 1000;

const SUBJECTS = ["the movie", "this film", "the plot", "the acting", "the soundtrack", "the ending", "the story", "the cast", "the script", "the dialogue", "the pacing", "the camera work"];
const VERBS = ["was", "is", "felt", "seemed"];
const INTENSIFIERS = ["", "", "very", "really", "quite", "truly", "rather"];
const OPENERS = ["", "", "", "honestly ,", "overall", "i thought", "in the end", "to be fair ,"];
const GOOD = ["good", "great", "wonderful", "fine", "brilliant", "charming", "moving", "delightful", "superb", "clever", "funny", "lovely"];
const BAD = ["bad", "awful", "boring", "dull", "terrible", "weak", "clumsy", "tedious", "bland", "messy", "silly", "flat"];

function sentiment(n: number): string {
  const rand = generator(20261205);
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    const good = rand() < 0.5;
    const negated = rand() < 0.35;
    const words = [pick(rand, OPENERS), pick(rand, SUBJECTS), pick(rand, VERBS), negated ? "not" : "", pick(rand, INTENSIFIERS), pick(rand, good ? GOOD : BAD)];
    const text = words.filter((w) => w !== "").join(" ");
    lines.push(JSON.stringify({ text, label: good !== negated ? 1 : 0 }));
  }
  return lines.join("\n") + "\n";
}

function signals(n: number): string {
  const rand = generator(7);
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    const T = 4 + Math.floor(rand() * 13);
    const x: number[][] = [];
    const y: number[][] = [];
    let s = 0;
    for (let t = 0; t < T; t++) {
      const u = round(2 * rand() - 1);
      const v = round(2 * rand() - 1);
      s = 0.7 * s + 0.5 * u - 0.3 * v;
      x.push([u, v]);
      y.push([round(s)]);
    }
    lines.push(JSON.stringify({ x, y }));
  }
  return lines.join("\n") + "\n";
}

function tags(n: number): string {
  const rand = generator(11);
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    const T = 3 + Math.floor(rand() * 10);
    const x: number[][] = [];
    const y: number[] = [];
    let sum = 0;
    for (let t = 0; t < T; t++) {
      const u = round(2 * rand() - 1);
      sum += u;
      x.push([u]);
      y.push(sum > 0 ? 1 : 0);
    }
    lines.push(JSON.stringify({ x, y }));
  }
  return lines.join("\n") + "\n";
}

const dir = fileURLToPath(new URL(".", import.meta.url));
writeFileSync(`${dir}sentiment.jsonl`, sentiment(400));
writeFileSync(`${dir}signals.jsonl`, signals(300));
writeFileSync(`${dir}tags.jsonl`, tags(300));
