// The layer rules of rnnc, checked by dependency-cruiser in `npm test` (test/layers.test.ts) and by
// `npm run layers`. Every import points down this list; a folder may import its own files and any
// folder below it, never one above. Known violations that are being removed sit in
// .dependency-cruiser-known-violations.json (regenerate it with `npm run layers:baseline` only when
// one is fixed: it must shrink, never grow).

/** Bottom to top. `paths` are regular expressions over paths relative to the cruised base directory. */
const LAYERS = [
  { name: "core", paths: ["^src/core/"], what: "dimension algebra, qualified names, shared types" },
  { name: "diagnostics", paths: ["^src/diagnostics/"], what: "diagnostic data, the message table, the renderer" },
  { name: "std", paths: ["^src/std/"], what: "the standard library's .rnn files and their table" },
  { name: "syntax", paths: ["^src/syntax/"], what: "tokens, parser, AST" },
  { name: "check", paths: ["^src/check/"], what: "the shape checker" },
  { name: "imports", paths: ["^src/imports/"], what: "parses and checks imported files" },
  { name: "ir", paths: ["^src/ir/"], what: "op set, graph, lowering" },
  { name: "autodiff", paths: ["^src/autodiff/"], what: "reverse mode" },
  { name: "weights", paths: ["^src/weights/"], what: "param shapes, initializers, weight files" },
  { name: "backends", paths: ["^src/backends/"], what: "TypeScript and ONNX emitters" },
  { name: "compiler", paths: ["^src/compiler[.]ts$"], what: "file → checked, lowered unit (the drivers' entry)" },
  { name: "verify", paths: ["^src/verify/"], what: "gradcheck, oracles" },
  { name: "train", paths: ["^src/train/"], what: "training drivers" },
  { name: "cli", paths: ["^src/cli/"], what: "the command line" },
  { name: "api", paths: ["^src/api/"], what: "the library API (the CLI's peer, for programs)" },
];

/** One rule per layer: nothing in it imports anything in a layer above it. */
const layerRules = LAYERS.slice(0, -1).map((layer, i) => ({
  name: `layer-${layer.name}`,
  comment: `${layer.name} (${layer.what}) may import only ${LAYERS.slice(0, i).map((l) => l.name).join(", ") || "itself"} and the runtime: imports point down`,
  severity: "error",
  from: { path: layer.paths },
  to: { path: LAYERS.slice(i + 1).flatMap((l) => l.paths) },
}));

/** The compiler proper, which a browser bundle will use: no Node built-ins in it (issue 13). */
const COMPILER_CORE = ["^src/(core|diagnostics|std|syntax|check|imports|ir|autodiff|weights)/", "^src/backends/(ts|onnx)/"];

export default {
  forbidden: [
    ...layerRules,
    {
      name: "runtime-stands-alone",
      comment:
        "src/runtime is embedded into every generated module, which has no dependencies: it imports only its own files (no compiler module, no package, no Node built-in)",
      severity: "error",
      from: { path: "^src/runtime/" },
      to: { pathNot: "^src/runtime/" },
    },
    {
      name: "compiler-core-without-node",
      comment: "the compiler's core (front end, IR, autodiff, the emitters) runs in a browser too: no Node built-ins",
      severity: "error",
      from: { path: COMPILER_CORE },
      to: { dependencyTypes: ["core"] },
    },
    {
      name: "backends-side-by-side",
      comment: "each back end stands on the IR alone: the TypeScript and ONNX emitters do not import each other",
      severity: "error",
      from: { path: "^src/backends/(ts|onnx)/" },
      to: { path: "^src/backends/(ts|onnx)/", pathNot: "^src/backends/$1/" },
    },
    {
      name: "resolvable",
      comment: "an import that resolves to nothing is a typo or a deleted file",
      severity: "error",
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "^src/.*[.]rnn$" },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: {
      extensions: [".ts", ".js", ".mjs", ".json"],
      exportsFields: ["exports"],
      conditionNames: ["import", "require", "node", "default", "types"],
      mainFields: ["module", "main", "types", "typings"],
    },
    moduleSystems: ["es6"],
  },
};
