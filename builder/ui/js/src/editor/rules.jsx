// The audience rule builder: and/or groups of profile, tag and event conditions, nested.
// The value is the rule JSON of nodes/kit/rules.py; paths match validate_journey's fields.
import { Plus, Trash2 } from "lucide-react";
import { COUNT_OP_LABELS, OP_LABELS } from "./labels.js";
import {
  DurationInput,
  FieldErrors,
  LooseValue,
  NumberInput,
  Select,
  TextInput,
  parseLoose,
} from "./fields.jsx";
import { joinPath } from "./schema.js";

const NO_VALUE = ["exists", "not_exists"];
const RELATIVE = ["within_last", "within_next", "more_than_ago"];
const LIST = ["in", "not_in"];

export const NEW_RULE = {
  attr: () => ({ type: "attr", field: "", op: "eq", value: "" }),
  tag: () => ({ type: "tag", tag: "", has: true }),
  event: () => ({ type: "event", event: "", op: "gte", count: 1 }),
  group: () => ({ type: "or", rules: [] }),
};

export function RuleField({ value, onChange, onClear, path, issues }) {
  if (value == null) {
    return (
      <button
        type="button"
        className="wl-link-button"
        onClick={() => onChange({ type: "and", rules: [NEW_RULE.attr()] })}
      >
        <Plus size={14} /> Add conditions
      </button>
    );
  }
  const isGroup = value.type === "and" || value.type === "or";
  const root = isGroup ? value : { type: "and", rules: [value] };
  const rootChange = (next) =>
    onChange(isGroup ? next : next.rules.length === 1 ? next.rules[0] : next);
  return (
    <div className="wl-rule-root">
      <RuleGroup
        rule={root}
        onChange={rootChange}
        path={path}
        issues={issues}
        depth={0}
        isPathOf={!isGroup}
      />
      {onClear ? (
        <button type="button" className="wl-link-button subtle" onClick={onClear}>
          Remove all conditions
        </button>
      ) : null}
    </div>
  );
}

function RuleGroup({
  rule,
  onChange,
  onRemove = undefined,
  path,
  issues,
  depth,
  isPathOf = false,
}) {
  // When the stored rule is one leaf, it is shown inside a group; its path is the root path.
  const childPath = (index) => (isPathOf ? path : joinPath(joinPath(path, "rules"), index));
  const rules = rule.rules || [];
  const set = (index, next) =>
    onChange({ ...rule, rules: rules.map((old, i) => (i === index ? next : old)) });
  const remove = (index) => onChange({ ...rule, rules: rules.filter((_, i) => i !== index) });
  const add = (kind) => onChange({ ...rule, rules: [...rules, NEW_RULE[kind]()] });
  return (
    <div className={`wl-rule-group depth-${depth}`} data-rule-group={path}>
      <div className="wl-rule-group-head">
        <span>Match</span>
        <Select
          options={["and", "or"]}
          labels={{ and: "all", or: "any" }}
          value={rule.type}
          onChange={(type) => onChange({ ...rule, type })}
          className="wl-compact"
        />
        <span>of these</span>
        {onRemove ? (
          <button
            type="button"
            className="wl-icon-button"
            title="Remove this group"
            onClick={onRemove}
          >
            <Trash2 size={14} />
          </button>
        ) : null}
      </div>
      {rules.length === 0 ? (
        <div className="wl-help">
          {rule.type === "and"
            ? "No conditions: everyone matches."
            : "No conditions: no one matches."}
        </div>
      ) : null}
      {rules.map((child, index) => (
        <RuleNode
          key={index}
          rule={child}
          onChange={(next) => set(index, next)}
          onRemove={() => remove(index)}
          path={childPath(index)}
          issues={issues}
          depth={depth + 1}
        />
      ))}
      <div className="wl-rule-add">
        <button type="button" className="wl-link-button" onClick={() => add("attr")}>
          <Plus size={14} /> Attribute
        </button>
        <button type="button" className="wl-link-button" onClick={() => add("event")}>
          <Plus size={14} /> Event
        </button>
        <button type="button" className="wl-link-button" onClick={() => add("tag")}>
          <Plus size={14} /> Tag
        </button>
        {depth < 3 ? (
          <button type="button" className="wl-link-button" onClick={() => add("group")}>
            <Plus size={14} /> Group
          </button>
        ) : null}
      </div>
      <FieldErrors issues={issues} path={path} />
    </div>
  );
}

function RuleNode({ rule, onChange, onRemove, path, issues, depth }) {
  if (rule.type === "and" || rule.type === "or")
    return (
      <RuleGroup
        rule={rule}
        onChange={onChange}
        onRemove={onRemove}
        path={path}
        issues={issues}
        depth={depth}
      />
    );
  if (rule.type === "not")
    return (
      <div className="wl-rule-not">
        <div className="wl-rule-group-head">
          <span>Not</span>
          <button type="button" className="wl-icon-button" title="Remove" onClick={onRemove}>
            <Trash2 size={14} />
          </button>
        </div>
        <RuleNode
          rule={rule.rule}
          onChange={(inner) => onChange({ ...rule, rule: inner })}
          onRemove={onRemove}
          path={joinPath(path, "rule")}
          issues={issues}
          depth={depth + 1}
        />
      </div>
    );
  const Row = { attr: AttrRow, tag: TagRow, event: EventRow }[rule.type] || UnknownRow;
  return (
    <div className="wl-rule-row" data-rule={path}>
      <div className="wl-rule-row-body">
        <Row rule={rule} onChange={onChange} path={path} issues={issues} />
      </div>
      <button type="button" className="wl-icon-button" title="Remove condition" onClick={onRemove}>
        <Trash2 size={14} />
      </button>
      <RowErrors issues={issues} path={path} />
    </div>
  );
}

function RowErrors({ issues, path }) {
  const mine = issues.filter(
    (issue) =>
      issue.field &&
      issue.field.startsWith(path + ".") &&
      !issue.field.slice(path.length + 1).includes("["),
  );
  return mine.map((issue, index) => (
    <div key={index} className={`wl-field-error ${issue.severity}`} data-field-error={issue.field}>
      {issue.message}
    </div>
  ));
}

function UnknownRow({ rule }) {
  return <code>{JSON.stringify(rule)}</code>;
}

export function AttrRow({ rule, onChange }) {
  const op = rule.op || "eq";
  const setOp = (next) => {
    const changed = { ...rule, op: next };
    if (NO_VALUE.includes(next)) delete changed.value;
    else if (RELATIVE.includes(next)) {
      changed.value = typeof rule.value === "number" ? rule.value : 7;
      changed.unit = rule.unit || "days";
    } else if (next === "between")
      changed.value = Array.isArray(rule.value) ? rule.value.slice(0, 2) : [null, null];
    else if (LIST.includes(next))
      changed.value = Array.isArray(rule.value)
        ? rule.value
        : rule.value == null || rule.value === ""
          ? []
          : [rule.value];
    else if (Array.isArray(rule.value)) changed.value = rule.value[0] ?? "";
    onChange(changed);
  };
  return (
    <div className="wl-row wl-wrap">
      <TextInput
        value={rule.field}
        placeholder="attribute, e.g. country"
        className="wl-grow"
        list="wl-attributes"
        onChange={(field) => onChange({ ...rule, field })}
      />
      <Select options={Object.keys(OP_LABELS)} labels={OP_LABELS} value={op} onChange={setOp} />
      {RELATIVE.includes(op) ? (
        <>
          <NumberInput
            value={rule.value}
            field={{ type: "integer" }}
            className="wl-short"
            onChange={(value) => onChange({ ...rule, value: value ?? null })}
          />
          <Select
            options={["minutes", "hours", "days", "weeks"]}
            value={rule.unit || "days"}
            onChange={(unit) => onChange({ ...rule, unit })}
          />
          {op === "more_than_ago" ? <span>ago</span> : null}
        </>
      ) : null}
      {op === "between" ? (
        <>
          <LooseValue
            value={rule.value?.[0]}
            className="wl-short"
            onChange={(low) => onChange({ ...rule, value: [low, rule.value?.[1] ?? null] })}
          />
          <span>and</span>
          <LooseValue
            value={rule.value?.[1]}
            className="wl-short"
            onChange={(high) => onChange({ ...rule, value: [rule.value?.[0] ?? null, high] })}
          />
        </>
      ) : null}
      {LIST.includes(op) ? (
        <TextInput
          value={(rule.value || []).join(", ")}
          placeholder="a, b, c"
          className="wl-grow"
          onChange={(text) =>
            onChange({
              ...rule,
              value: text
                .split(",")
                .map((s) => parseLoose(s))
                .filter((v) => v !== null),
            })
          }
        />
      ) : null}
      {!NO_VALUE.includes(op) &&
      !RELATIVE.includes(op) &&
      op !== "between" &&
      !LIST.includes(op) ? (
        <LooseValue
          value={rule.value}
          className="wl-grow"
          onChange={(value) => onChange({ ...rule, value })}
        />
      ) : null}
    </div>
  );
}

function TagRow({ rule, onChange }) {
  return (
    <div className="wl-row">
      <Select
        options={["has", "lacks"]}
        labels={{ has: "Has tag", lacks: "Doesn't have tag" }}
        value={rule.has === false ? "lacks" : "has"}
        onChange={(v) => onChange({ ...rule, has: v === "has" })}
      />
      <TextInput
        value={rule.tag}
        placeholder="tag, e.g. vip"
        className="wl-grow"
        onChange={(tag) => onChange({ ...rule, tag })}
      />
    </div>
  );
}

function EventRow({ rule, onChange, path, issues }) {
  return (
    <div className="wl-event-rule">
      <div className="wl-row wl-wrap">
        <span>Did</span>
        <TextInput
          value={rule.event}
          placeholder="event, e.g. order_completed"
          className="wl-grow"
          onChange={(event) => onChange({ ...rule, event })}
        />
      </div>
      <div className="wl-row wl-wrap">
        <Select
          options={Object.keys(COUNT_OP_LABELS)}
          labels={COUNT_OP_LABELS}
          value={rule.op || "gte"}
          onChange={(op) => onChange({ ...rule, op })}
        />
        <NumberInput
          value={rule.count ?? 1}
          field={{ type: "integer", minimum: 0 }}
          className="wl-short"
          onChange={(count) => onChange({ ...rule, count: count ?? 0 })}
        />
        <span>times</span>
        <Select
          options={["ever", "within"]}
          labels={{ ever: "ever", within: "in the last" }}
          value={rule.within ? "within" : "ever"}
          onChange={(v) => {
            const next = { ...rule };
            if (v === "within") next.within = { amount: 7, unit: "days" };
            else delete next.within;
            onChange(next);
          }}
        />
        {rule.within ? (
          <DurationInput
            value={rule.within}
            onChange={(within) => onChange({ ...rule, within })}
            path={joinPath(path, "within")}
            issues={issues}
          />
        ) : null}
      </div>
      <AttrList
        value={rule.where || []}
        onChange={(where) => onChange({ ...rule, where })}
        path={joinPath(path, "where")}
        issues={issues}
        noun="property filter"
        compact
      />
    </div>
  );
}

// A list of attribute comparisons (an event's property filters).
export function AttrList({ value, onChange, path, issues, noun = "filter", compact = false }) {
  return (
    <div className={`wl-attr-list ${compact ? "compact" : ""}`}>
      {value.map((rule, index) => (
        <div className="wl-rule-row" key={index} data-rule={joinPath(path, index)}>
          <div className="wl-rule-row-body">
            <AttrRow
              rule={rule}
              onChange={(next) => onChange(value.map((old, i) => (i === index ? next : old)))}
            />
          </div>
          <button
            type="button"
            className="wl-icon-button"
            title={`Remove ${noun}`}
            onClick={() => onChange(value.filter((_, i) => i !== index))}
          >
            <Trash2 size={14} />
          </button>
          <RowErrors issues={issues} path={joinPath(path, index)} />
        </div>
      ))}
      <button
        type="button"
        className="wl-link-button"
        onClick={() => onChange([...value, { type: "attr", field: "", op: "eq", value: "" }])}
      >
        <Plus size={14} /> Add {noun}
      </button>
    </div>
  );
}
