// What a marketer reads in previews and summaries: words, never codes ("gte", "kakao",
// "template 4"), counts with their margin said out loud, and every time with its zone.
import assert from "node:assert/strict";
import { test } from "node:test";
import { setLanguage } from "../src/i18n.js";
import { setChannels } from "../src/editor/channels.js";
import { opLabel, shortTime, valueLabel } from "../src/editor/labels.js";
import { durationText, summarize } from "../src/editor/summary.js";
import { clockText, countText, offsetText, windowName } from "../src/editor/preview.js";
import { enteringText, messageStatus, stepWhy } from "../src/editor/preview-panel/text.js";

setChannels([{ key: "kakao", label: "KakaoTalk", noun: "KakaoTalk" }], null);

test("a simulated count says its margin in words", () => {
  assert.equal(countText(0, 10), "about 0, give or take 10");
  assert.equal(countText(1200, 40), "about 1,200, give or take 40");
  assert.equal(countText(12, 0), "12");
});

test("a send step names its template and its channel, not their ids and keys", () => {
  const step = {
    why: "sending template 4 by kakao",
    message: { channel: "kakao", template_id: 4, template_name: "Welcome coupon" },
  };
  assert.equal(stepWhy(step), "Sends “Welcome coupon” by KakaoTalk");
  const unnamed = { ...step, message: { ...step.message, template_name: null } };
  assert.equal(stepWhy(unnamed), "Sends “template #4” by KakaoTalk");
  assert.equal(stepWhy({ why: "waiting 2 days" }), "waiting 2 days");
  assert.equal(messageStatus("suppressed"), "would not be sent");
});

test("operators and units read as words", () => {
  assert.equal(opLabel("gte"), "is at least");
  assert.equal(opLabel("lte", true), "at most");
  assert.equal(opLabel("weird"), "weird");
  assert.equal(valueLabel("kakao"), "KakaoTalk");
  assert.equal(valueLabel("hours"), "hours");
  assert.equal(durationText({ amount: 1, unit: "days" }), "1 day");
  assert.equal(durationText({ amount: 30, unit: "minutes" }), "30 minutes");
});

test("a step's summary counts conditions and says durations in words", () => {
  const kind = {
    schema: {
      type: "object",
      properties: {
        rule: { type: "object", title: "Rule", "x-widget": "rule", "x-order": 1 },
        wait: { type: "object", title: "Wait", "x-widget": "duration", "x-order": 2 },
      },
    },
  };
  const rule = { type: "and", rules: [{ type: "attr" }, { type: "tag" }] };
  assert.equal(
    summarize(kind, { rule, wait: { amount: 2, unit: "hours" } }, {}),
    "2 conditions · 2 hours",
  );
});

test("offsets, windows and counts beside the audience", () => {
  assert.equal(offsetText(0), "at entry");
  assert.equal(offsetText(35 * 60000), "+35 min");
  assert.equal(offsetText(185 * 60000), "+3 h 5 min");
  assert.equal(offsetText(2 * 86400000), "+2 days");
  assert.equal(offsetText(86400000 + 4 * 3600000), "+1 day 4 h");
  assert.equal(windowName({ label: "1 hour", seconds: 3600 }), "1 hour");
  assert.equal(windowName({ label: "horizon", seconds: 30 * 86400 }), "30 days");
  assert.equal(enteringText(1), "customer would enter now");
  assert.equal(enteringText(null), "can't be counted in advance");
});

test("every time is shown with its zone, in the journey's zone", () => {
  const moment = Date.parse("2026-03-02T12:30:00Z");
  assert.equal(clockText(moment, "Asia/Seoul"), "Mar 2, 2026, 21:30 GMT+9");
  assert.equal(shortTime("2026-03-02T12:30:00Z", "Asia/Seoul"), "Mar 2, 2026, 21:30 GMT+9");
  assert.equal(clockText(moment, "UTC"), "Mar 2, 2026, 12:30 UTC");
});

test("in Korean the words come from the catalogue, holes filled", () => {
  setLanguage("ko", {
    "about {count}, give or take {margin}": "약 {count}명 (±{margin}명 오차)",
    "Sends “{template}” by {channel}": "{channel}(으)로 “{template}” 발송",
  });
  try {
    assert.equal(countText(1200, 40), "약 1,200명 (±40명 오차)");
    const step = { message: { channel: "kakao", template_id: 4, template_name: "환영 쿠폰" } };
    assert.equal(stepWhy(step), "KakaoTalk(으)로 “환영 쿠폰” 발송");
    assert.match(clockText(Date.parse("2026-03-02T12:30:00Z"), "Asia/Seoul"), /2026년 3월 2일/);
  } finally {
    setLanguage("en", {});
  }
});
