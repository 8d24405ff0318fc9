/**
 * Read back a `Fn.jsonencode({...})` value from synthesized Terraform JSON.
 *
 * cdktf renders `Fn.jsonencode(obj)` as the Terraform expression
 * `${jsonencode({"Key" = "value", "List" = ["a", "${aws_x.y.arn}:*"]})}`.
 * Tests and policy reviews need the object back: this turns the HCL object
 * syntax into JSON, keeping every `${...}` interpolation verbatim inside its
 * string (e.g. `"${aws_cloudwatch_log_group.x.arn}:*"`). A bare reference
 * (`aws_iam_role.r.arn`, a value that is a token and nothing else) becomes the
 * equivalent template string `"${aws_iam_role.r.arn}"`.
 */

const PREFIX = "${jsonencode(";
const SUFFIX = ")}";

/** True when `value` is a synthesized `Fn.jsonencode(...)` expression. */
export function isJsonencode(value: unknown): value is string {
  return typeof value === "string" && value.startsWith(PREFIX) && value.endsWith(SUFFIX);
}

/**
 * Parse a synthesized `${jsonencode({...})}` expression (or plain JSON) into a
 * value. Throws when the text is neither.
 */
export function parseJsonencode(value: string): unknown {
  if (!isJsonencode(value)) return JSON.parse(value);
  const expr = value.slice(PREFIX.length, value.length - SUFFIX.length);
  let out = "";
  let i = 0;
  while (i < expr.length) {
    const c = expr[i];
    if (c === '"') {
      const [text, next] = readString(expr, i);
      out += JSON.stringify(text);
      i = next;
    } else if (c === "=") {
      out += ":";
      i++;
    } else if (/[A-Za-z_]/.test(c)) {
      const end = bareExpressionEnd(expr, i);
      const word = expr.slice(i, end).trim();
      out += ["true", "false", "null"].includes(word) ? word : JSON.stringify(`\${${word}}`);
      i = end;
    } else {
      out += c;
      i++;
    }
  }
  return JSON.parse(out);
}

/** Read an HCL quoted string starting at `start` (a `"`); returns its text and the index after it. */
function readString(expr: string, start: number): [string, number] {
  let text = "";
  let i = start + 1;
  while (i < expr.length) {
    const c = expr[i];
    if (c === "\\") {
      text += JSON.parse(`"${expr.slice(i, i + 2)}"`) as string;
      i += 2;
    } else if (c === '"') {
      return [text, i + 1];
    } else if (c === "$" && expr[i + 1] === "{") {
      const end = interpolationEnd(expr, i + 2);
      text += expr.slice(i, end);
      i = end;
    } else {
      text += c;
      i++;
    }
  }
  throw new Error(`unterminated string in jsonencode expression: ${expr.slice(start, start + 40)}`);
}

/** Index just after the `}` closing an interpolation whose body starts at `start`. */
function interpolationEnd(expr: string, start: number): number {
  let depth = 1;
  let i = start;
  while (i < expr.length) {
    const c = expr[i];
    if (c === '"') {
      i = readString(expr, i)[1];
      continue;
    }
    if (c === "{") depth++;
    if (c === "}") {
      depth--;
      if (depth === 0) return i + 1;
    }
    i++;
  }
  throw new Error(
    `unterminated interpolation in jsonencode expression: ${expr.slice(start - 2, start + 40)}`,
  );
}

/** Index just after a bare expression (a reference or function call) outside strings. */
function bareExpressionEnd(expr: string, start: number): number {
  let depth = 0;
  let i = start;
  while (i < expr.length) {
    const c = expr[i];
    if (c === '"') {
      i = readString(expr, i)[1];
      continue;
    }
    if (c === "(" || c === "[" || c === "{") depth++;
    if (c === ")" || c === "]" || c === "}") {
      if (depth === 0) return i;
      depth--;
    }
    if (c === "," && depth === 0) return i;
    i++;
  }
  return i;
}
