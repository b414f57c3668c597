import { CstParser, type CstNode, type IParserErrorMessageProvider, type TokenType } from "chevrotain";
import * as T from "./tokens.js";

/**
 * Chevrotain turns a parse failure into a message through this provider. We hand back the
 * pieces (as JSON) rather than prose, so that `parse.ts` can fill the templates of the one
 * diagnostics table instead of keeping a second set of messages here.
 */
const structuredMessages: IParserErrorMessageProvider = {
  buildMismatchTokenMessage: ({ expected, ruleName }) =>
    JSON.stringify({ expected: [tokenLabel(expected)], ruleName }),
  buildNotAllInputParsedMessage: ({ ruleName }) =>
    JSON.stringify({ expected: ["`cell`, `fn`, `model` or `import`"], ruleName }),
  buildNoViableAltMessage: ({ expectedPathsPerAlt, ruleName }) =>
    JSON.stringify({
      expected: uniq(expectedPathsPerAlt.flatMap((paths) => paths.map((path) => tokenLabel(path[0]!)))),
      ruleName,
    }),
  buildEarlyExitMessage: ({ expectedIterationPaths, ruleName }) =>
    JSON.stringify({ expected: uniq(expectedIterationPaths.map((path) => tokenLabel(path[0]!))), ruleName }),
};

function tokenLabel(t: TokenType): string {
  return t.LABEL ?? t.name;
}

function uniq(xs: string[]): string[] {
  return [...new Set(xs)];
}

/** The payload `structuredMessages` encodes (the offending token is the exception's own). */
export interface SyntaxErrorPayload {
  expected: string[];
  ruleName: string;
}

/**
 * The grammar of .rnn as a pure CstParser: no actions, no semantics (those live in
 * visitor.ts). Rules are class fields so a misspelt sub-rule fails to compile. Newlines are
 * not significant: a statement always starts with a keyword or `name'`, which no expression
 * can continue with, so statements need no separator.
 */
export class RnnParser extends CstParser {
  constructor() {
    super(T.ALL_TOKENS, { recoveryEnabled: true, nodeLocationTracking: "onlyOffset", maxLookahead: 3, errorMessageProvider: structuredMessages });
    this.performSelfAnalysis();
  }

  program = this.RULE("program", () => {
    this.MANY(() => this.OR([{ ALT: () => this.SUBRULE(this.importDecl) }, { ALT: () => this.SUBRULE(this.item) }]));
  });

  // import LSTM, Linear from std   |   import Mine from "cells/mine.rnn"   |   import "cells/mine.rnn"
  importDecl = this.RULE("importDecl", () => {
    this.CONSUME(T.Import);
    this.OR([
      { ALT: () => this.CONSUME(T.StringLit) },
      {
        ALT: () => {
          this.AT_LEAST_ONE_SEP({ SEP: T.Comma, DEF: () => this.CONSUME(T.Identifier) });
          this.CONSUME(T.From);
          this.OR2([{ ALT: () => this.CONSUME2(T.StringLit) }, { ALT: () => this.CONSUME2(T.Identifier) }]);
        },
      },
    ]);
  });

  item = this.RULE("item", () => {
    this.OR([{ ALT: () => this.SUBRULE(this.cellDef) }, { ALT: () => this.SUBRULE(this.fnDef) }, { ALT: () => this.SUBRULE(this.modelDef) }]);
  });

  // model Tagger(V, E, H) { … }
  modelDef = this.RULE("modelDef", () => {
    this.CONSUME(T.Model);
    this.CONSUME(T.Identifier);
    this.CONSUME(T.LParen);
    this.MANY_SEP({ SEP: T.Comma, DEF: () => this.CONSUME2(T.Identifier) });
    this.CONSUME(T.RParen);
    this.CONSUME(T.LBrace);
    this.MANY(() => this.SUBRULE(this.modelStatement));
    this.CONSUME(T.RBrace);
  });

  modelStatement = this.RULE("modelStatement", () => {
    this.OR([
      { ALT: () => this.SUBRULE(this.modelDeclaration) },
      { ALT: () => this.SUBRULE(this.layerStatement) },
      { ALT: () => this.SUBRULE(this.letStatement) },
      { ALT: () => this.SUBRULE(this.outputStatement) },
      { ALT: () => this.SUBRULE(this.lossStatement) },
      { ALT: () => this.SUBRULE(this.tieStatement) },
    ]);
  });

  // input tokens: index(V)   |   target y: [O]   |   input style: [S] per sequence
  modelDeclaration = this.RULE("modelDeclaration", () => {
    this.OR([{ ALT: () => this.CONSUME(T.Input) }, { ALT: () => this.CONSUME(T.Target) }]);
    this.CONSUME(T.Identifier);
    this.CONSUME(T.Colon);
    this.OR2([
      { ALT: () => this.SUBRULE(this.shape) },
      {
        ALT: () => {
          this.CONSUME2(T.Identifier);
          this.CONSUME(T.LParen);
          this.SUBRULE(this.dimExpression);
          this.CONSUME(T.RParen);
        },
      },
    ]);
    // The timing words are names, not keywords (`per`, `sequence` stay usable as names): every
    // statement of a model starts with a keyword, so a name after the type can only be this.
    this.OPTION(() => {
      this.CONSUME3(T.Identifier, { LABEL: "timingWord" });
      this.CONSUME4(T.Identifier, { LABEL: "timingWord" });
    });
  });

  // layer l1 = LSTM(E, H)   |   layer l1 = LSTM(I = E, H = H)
  layerStatement = this.RULE("layerStatement", () => {
    this.CONSUME(T.Layer);
    this.CONSUME(T.Identifier);
    this.CONSUME(T.Equals);
    this.CONSUME2(T.Identifier);
    this.CONSUME(T.LParen);
    this.MANY_SEP({ SEP: T.Comma, DEF: () => this.SUBRULE(this.layerArgument) });
    this.CONSUME(T.RParen);
  });

  layerArgument = this.RULE("layerArgument", () => {
    this.OPTION(() => {
      this.CONSUME(T.Identifier);
      this.CONSUME(T.Equals);
    });
    this.SUBRULE(this.dimExpression);
  });

  // loss cross_entropy(logits, next)
  lossStatement = this.RULE("lossStatement", () => {
    this.CONSUME(T.Loss);
    this.SUBRULE(this.expression);
  });

  // tie readout.W = embed.W: readout's param W is embed's (stored once, under embed.W)
  tieStatement = this.RULE("tieStatement", () => {
    this.CONSUME(T.Tie);
    this.SUBRULE(this.paramReference);
    this.CONSUME(T.Equals);
    this.SUBRULE2(this.paramReference);
  });

  // embed.W
  paramReference = this.RULE("paramReference", () => {
    this.CONSUME(T.Identifier);
    this.CONSUME(T.Dot);
    this.CONSUME2(T.Identifier);
  });

  // cell LSTM(I, H) { … }
  cellDef = this.RULE("cellDef", () => {
    this.CONSUME(T.Cell);
    this.CONSUME(T.Identifier);
    this.CONSUME(T.LParen);
    this.MANY_SEP({ SEP: T.Comma, DEF: () => this.CONSUME2(T.Identifier) });
    this.CONSUME(T.RParen);
    this.SUBRULE(this.block);
  });

  // fn layernorm(v: [N], g: [N], b: [N]) -> [N] { … }
  fnDef = this.RULE("fnDef", () => {
    this.CONSUME(T.Fn);
    this.CONSUME(T.Identifier);
    this.CONSUME(T.LParen);
    this.MANY_SEP({ SEP: T.Comma, DEF: () => this.SUBRULE(this.fnParam) });
    this.CONSUME(T.RParen);
    this.CONSUME(T.Arrow);
    this.SUBRULE(this.shape);
    this.SUBRULE(this.block);
  });

  fnParam = this.RULE("fnParam", () => {
    this.CONSUME(T.Identifier);
    this.CONSUME(T.Colon);
    this.SUBRULE(this.shape);
  });

  block = this.RULE("block", () => {
    this.CONSUME(T.LBrace);
    this.MANY(() => this.SUBRULE(this.statement));
    this.CONSUME(T.RBrace);
  });

  statement = this.RULE("statement", () => {
    this.OR([
      { ALT: () => this.SUBRULE(this.declaration) },
      { ALT: () => this.SUBRULE(this.letStatement) },
      { ALT: () => this.SUBRULE(this.outputStatement) },
      { ALT: () => this.SUBRULE(this.returnStatement) },
      { ALT: () => this.SUBRULE(this.updateStatement) },
    ]);
  });

  // param W: [4H, I] ~ uniform(-k, k)
  declaration = this.RULE("declaration", () => {
    this.OR([{ ALT: () => this.CONSUME(T.Input) }, { ALT: () => this.CONSUME(T.State) }, { ALT: () => this.CONSUME(T.Param) }]);
    this.CONSUME(T.Identifier);
    this.CONSUME(T.Colon);
    this.SUBRULE(this.shape);
    this.OPTION(() => this.SUBRULE(this.initializer));
  });

  initializer = this.RULE("initializer", () => {
    this.OR([
      {
        ALT: () => {
          this.CONSUME(T.Tilde);
          this.CONSUME(T.Identifier);
          this.OPTION(() => {
            this.CONSUME(T.LParen);
            this.SUBRULE(this.arguments);
            this.CONSUME(T.RParen);
          });
        },
      },
      {
        ALT: () => {
          this.CONSUME(T.Equals);
          this.SUBRULE(this.expression);
        },
      },
    ]);
  });

  // let r = sigmoid(xr + hr)   |   let [i, f, g, o] = split(…, 4)
  letStatement = this.RULE("letStatement", () => {
    this.CONSUME(T.Let);
    this.OR([
      {
        ALT: () => {
          this.CONSUME(T.LBracket);
          this.AT_LEAST_ONE_SEP({ SEP: T.Comma, DEF: () => this.CONSUME(T.Identifier) });
          this.CONSUME(T.RBracket);
        },
      },
      { ALT: () => this.CONSUME2(T.Identifier) },
    ]);
    this.CONSUME(T.Equals);
    this.SUBRULE(this.expression);
  });

  // output y = W_hy @ h' + b_y   |   output h'
  outputStatement = this.RULE("outputStatement", () => {
    this.CONSUME(T.Output);
    this.CONSUME(T.Identifier);
    this.OPTION(() => this.CONSUME(T.Prime));
    this.OPTION2(() => {
      this.CONSUME(T.Equals);
      this.SUBRULE(this.expression);
    });
  });

  returnStatement = this.RULE("returnStatement", () => {
    this.CONSUME(T.Return);
    this.SUBRULE(this.expression);
  });

  // h' = tanh(…)
  updateStatement = this.RULE("updateStatement", () => {
    this.CONSUME(T.Identifier);
    this.CONSUME(T.Prime);
    this.CONSUME(T.Equals);
    this.SUBRULE(this.expression);
  });

  // [4H, I]   |   []
  shape = this.RULE("shape", () => {
    this.CONSUME(T.LBracket);
    this.MANY_SEP({ SEP: T.Comma, DEF: () => this.SUBRULE(this.dimExpression) });
    this.CONSUME(T.RBracket);
  });

  // H + E   |   4H   |   2*H
  dimExpression = this.RULE("dimExpression", () => {
    this.SUBRULE(this.dimTerm);
    this.MANY(() => {
      this.OR([{ ALT: () => this.CONSUME(T.Plus) }, { ALT: () => this.CONSUME(T.Minus) }]);
      this.SUBRULE2(this.dimTerm);
    });
  });

  // A term is a negated term, or factors joined by `*` or by juxtaposition (`4H`, `2(H + 1)`).
  // The minus sits here, not on a factor: a factor may follow a factor directly, so a
  // negative factor would read `H - 1` as `H * -1`.
  dimTerm = this.RULE("dimTerm", () => {
    this.OR([
      {
        ALT: () => {
          this.CONSUME(T.Minus);
          this.SUBRULE(this.dimTerm);
        },
      },
      {
        ALT: () => {
          this.SUBRULE(this.dimFactor);
          this.MANY(() => {
            this.OPTION(() => this.CONSUME(T.Star));
            this.SUBRULE2(this.dimFactor);
          });
        },
      },
    ]);
  });

  dimFactor = this.RULE("dimFactor", () => {
    this.OR([
      { ALT: () => this.CONSUME(T.NumberLit) },
      { ALT: () => this.CONSUME(T.Identifier) },
      {
        ALT: () => {
          this.CONSUME(T.LParen);
          this.SUBRULE(this.dimExpression);
          this.CONSUME(T.RParen);
        },
      },
    ]);
  });

  expression = this.RULE("expression", () => {
    this.SUBRULE(this.additive);
  });

  additive = this.RULE("additive", () => {
    this.SUBRULE(this.multiplicative);
    this.MANY(() => {
      this.OR([{ ALT: () => this.CONSUME(T.Plus) }, { ALT: () => this.CONSUME(T.Minus) }]);
      this.SUBRULE2(this.multiplicative);
    });
  });

  // `@` binds like `*` and `/` (as in Python): W @ x + b is (W @ x) + b.
  multiplicative = this.RULE("multiplicative", () => {
    this.SUBRULE(this.unary);
    this.MANY(() => {
      this.OR([{ ALT: () => this.CONSUME(T.Star) }, { ALT: () => this.CONSUME(T.Slash) }, { ALT: () => this.CONSUME(T.At) }]);
      this.SUBRULE2(this.unary);
    });
  });

  unary = this.RULE("unary", () => {
    this.OR([
      {
        ALT: () => {
          this.CONSUME(T.Minus);
          this.SUBRULE(this.unary);
        },
      },
      { ALT: () => this.SUBRULE(this.postfix) },
    ]);
  });

  // v[H:2H]
  postfix = this.RULE("postfix", () => {
    this.SUBRULE(this.primary);
    this.MANY(() => {
      this.CONSUME(T.LBracket);
      this.SUBRULE(this.dimExpression);
      this.CONSUME(T.Colon);
      this.SUBRULE2(this.dimExpression);
      this.CONSUME(T.RBracket);
    });
  });

  primary = this.RULE("primary", () => {
    this.OR([
      { ALT: () => this.CONSUME(T.NumberLit) },
      {
        ALT: () => {
          this.CONSUME(T.Identifier);
          this.OPTION(() => {
            this.OR2([
              { ALT: () => this.CONSUME(T.Prime) },
              {
                ALT: () => {
                  this.CONSUME(T.LParen);
                  this.SUBRULE(this.arguments);
                  this.CONSUME(T.RParen);
                },
              },
            ]);
          });
        },
      },
      {
        ALT: () => {
          this.CONSUME2(T.LParen);
          this.SUBRULE(this.expression);
          this.CONSUME2(T.RParen);
        },
      },
    ]);
  });

  arguments = this.RULE("arguments", () => {
    this.MANY_SEP({ SEP: T.Comma, DEF: () => this.SUBRULE(this.expression) });
  });
}

/** One parser instance, reused: Chevrotain parsers are stateful but resettable via `input`. */
export const rnnParser = new RnnParser();

export type { CstNode };
