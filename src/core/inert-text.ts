/**
 * Text from outside the language's own checked identifiers — a file path, above all — on its way
 * into generated code (a comment of the TypeScript module) or an ONNX string (doc strings,
 * metadata). It must stay inert there: a line break in a `//` comment would turn the rest of a file
 * name into code. So every control character (C0, DEL, C1) and the JavaScript line terminators
 * U+2028 and U+2029 become `\uXXXX`, and `*​/` cannot close a block comment. Ordinary text, non-ASCII
 * letters included, is unchanged.
 */
export function inertText(text: string): string {
  return text
    .replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`)
    .replace(/\*\//g, "*\\/");
}
