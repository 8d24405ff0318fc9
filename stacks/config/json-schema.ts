/**
 * The JSON Schema of environment files, generated from the zod schema so
 * editors complete and check `stacks/environments/*.json` (each file points
 * at it with `$schema`). `npm run schema` rewrites the committed copy; a test
 * fails when it is stale.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { environmentSchema } from "./schema";
import { DEFAULT_ENVIRONMENTS_DIR } from "./load";

/** Where the committed schema lives. */
export const JSON_SCHEMA_FILE = join(DEFAULT_ENVIRONMENTS_DIR, "environment.schema.json");

/** The JSON Schema document, as text. */
export function environmentJsonSchema(): string {
  const schema = z.toJSONSchema(environmentSchema, { io: "input", unrepresentable: "any" });
  return JSON.stringify({ ...schema, title: "hr-chatbot environment" }, null, 2) + "\n";
}

if (require.main === module) {
  writeFileSync(JSON_SCHEMA_FILE, environmentJsonSchema());
  console.log(`wrote ${JSON_SCHEMA_FILE}`);
}
