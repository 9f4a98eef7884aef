// A node's one-line summary names a picked stored object the way its picker does.
import assert from "node:assert/strict";
import { test } from "node:test";
import { summarize } from "../src/editor/summary.js";
import { referenceLabel } from "../src/editor/labels.js";

const COUPON = {
  schema: {
    $ref: "#/$defs/Config",
    $defs: {
      Config: {
        type: "object",
        properties: {
          pool: {
            type: "integer",
            title: "Coupon pool",
            "x-widget": "picker",
            "x-ref": "coupon_pool",
            "x-order": 1,
          },
          attribute: {
            type: "string",
            title: "Keep the code in",
            "x-order": 2,
            default: "coupon_code",
          },
        },
      },
    },
  },
};
const POOLS = { coupon_pool: [{ id: 3, name: "Welcome 10%", given: 20, left: 480 }] };

test("a picked pool shows its name and the codes left", () => {
  const text = summarize(COUPON, { pool: 3, attribute: "coupon_code" }, { references: POOLS });
  assert.equal(text, "Welcome 10% — 480 left · coupon_code");
});

test("a pool that is gone shows its kind and id", () => {
  assert.equal(summarize(COUPON, { pool: 9 }, { references: POOLS }), "Coupon pool #9");
});

test("an object without counts is just its name", () => {
  assert.equal(referenceLabel({ id: 1, name: "VIPs" }), "VIPs");
  assert.equal(referenceLabel({ id: 1, name: "Done", left: 0 }), "Done — 0 left");
});
