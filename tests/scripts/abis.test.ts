// The committed ABIs must be those of the contracts as they are: a contract change without `npm run abis` fails here.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { ABIS_FILE, renderAbisModule } from "../../scripts/generate-abis.ts";

test("src/lib/chain/abis.generated.ts matches the compiled contracts (run npm run abis after changing them)", async () => {
  assert.equal(await readFile(ABIS_FILE, "utf8"), await renderAbisModule());
});
