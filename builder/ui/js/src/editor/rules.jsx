// The audience rule builder: and/or groups of profile, tag and event conditions, nested.
// The value is the rule JSON of nodes/kit/rules.py; paths match validate_journey's fields.
import { useContext, useId } from "react";
import { Plus, Trash2 } from "lucide-react";
import { t } from "../i18n.js";
import { EditorContext } from "./graph.jsx";
import { COUNT_OP_LABELS, OP_LABELS } from "./labels.js";
import { NameCombobox } from "./NameCombobox.jsx";
import { factOf, opsFor, optionsOf } from "./discovery.js";
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

/** A label table in the page's language. */
export function translated(labels) {
  return Object.fromEntries(Object.entries(labels).map(([key, label]) => [key, t(label)]));
}

// The workspace's data as the pickers see it (null until loaded, or outside the editor).
function useDiscovery() {
  return useContext(EditorContext)?.discovery ?? null;
}

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
        <Plus size={14} /> {t("Add conditions")}
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
          {t("Remove all conditions")}
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
        <span>{t("Match")}</span>
        <Select
          options={["and", "or"]}
          labels={{ and: t("all"), or: t("any") }}
          value={rule.type}
          onChange={(type) => onChange({ ...rule, type })}
          className="wl-compact"
        />
        <span>{t("of these")}</span>
        {onRemove ? (
          <button
            type="button"
            className="wl-icon-button"
            title={t("Remove this group")}
            onClick={onRemove}
          >
            <Trash2 size={14} />
          </button>
        ) : null}
      </div>
      {rules.length === 0 ? (
        <div className="wl-help">
          {rule.type === "and"
            ? t("No conditions: everyone matches.")
            : t("No conditions: no one matches.")}
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
          <Plus size={14} /> {t("Attribute")}
        </button>
        <button type="button" className="wl-link-button" onClick={() => add("event")}>
          <Plus size={14} /> {t("Event")}
        </button>
        <button type="button" className="wl-link-button" onClick={() => add("tag")}>
          <Plus size={14} /> {t("Tag")}
        </button>
        {depth < 3 ? (
          <button type="button" className="wl-link-button" onClick={() => add("group")}>
            <Plus size={14} /> {t("Group")}
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
          <span>{t("Not")}</span>
          <button type="button" className="wl-icon-button" title={t("Remove")} onClick={onRemove}>
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
      <button
        type="button"
        className="wl-icon-button"
        title={t("Remove condition")}
        onClick={onRemove}
      >
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

// One comparison. Without `event` it compares a customer attribute (the picker offers the
// workspace's attributes, the operators fit the attribute's type, the value suggests its
// samples); with `event` it compares a property of that event (the picker offers its
// properties).
export function AttrRow({ rule, onChange, event = undefined }) {
  const discovery = useDiscovery();
  const op = rule.op || "eq";
  const fact = event === undefined ? factOf(discovery?.attributes, rule.field) : null;
  const ops = opsFor(fact?.type, Object.keys(OP_LABELS), op);
  const setOp = (next) => onChange(withOp(rule, next));
  return (
    <div className="wl-row wl-wrap">
      <NameCombobox
        kind={event === undefined ? "attribute" : "property"}
        value={rule.field}
        options={
          event === undefined
            ? optionsOf(discovery, "attribute")
            : optionsOf(discovery, "property", event)
        }
        placeholder={
          event === undefined ? t("attribute, e.g. country") : t("property, e.g. amount")
        }
        unseen={event === undefined && discovery ? t("No customer has '{name}' yet") : null}
        className="wl-grow"
        onChange={(field) => onChange({ ...rule, field })}
      />
      <Select options={ops} labels={translated(OP_LABELS)} value={op} onChange={setOp} />
      <AttrValue rule={rule} op={op} onChange={onChange} samples={fact?.samples || []} />
    </div>
  );
}

// The rule with another operator, its value reshaped to what that operator takes.
function withOp(rule, next) {
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
  return changed;
}

function AttrValue({ rule, op, onChange, samples }) {
  const listId = useId();
  if (NO_VALUE.includes(op)) return null;
  if (RELATIVE.includes(op))
    return (
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
        {op === "more_than_ago" ? <span>{t("ago")}</span> : null}
      </>
    );
  if (op === "between")
    return (
      <>
        <LooseValue
          value={rule.value?.[0]}
          className="wl-short"
          placeholder={t("Value")}
          onChange={(low) => onChange({ ...rule, value: [low, rule.value?.[1] ?? null] })}
        />
        <span>{t("and")}</span>
        <LooseValue
          value={rule.value?.[1]}
          className="wl-short"
          placeholder={t("Value")}
          onChange={(high) => onChange({ ...rule, value: [rule.value?.[0] ?? null, high] })}
        />
      </>
    );
  if (LIST.includes(op))
    return (
      <TextInput
        value={(rule.value || []).join(", ")}
        placeholder={t("a, b, c")}
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
    );
  return (
    <>
      <LooseValue
        value={rule.value}
        className="wl-grow"
        placeholder={t("Value")}
        list={samples.length ? listId : undefined}
        onChange={(value) => onChange({ ...rule, value })}
      />
      {samples.length ? (
        <datalist id={listId} data-samples>
          {samples.map((sample) => (
            <option key={String(sample)} value={String(sample)} />
          ))}
        </datalist>
      ) : null}
    </>
  );
}

function TagRow({ rule, onChange }) {
  return (
    <div className="wl-row">
      <Select
        options={["has", "lacks"]}
        labels={{ has: t("Has tag"), lacks: t("Doesn't have tag") }}
        value={rule.has === false ? "lacks" : "has"}
        onChange={(v) => onChange({ ...rule, has: v === "has" })}
      />
      <TextInput
        value={rule.tag}
        placeholder={t("tag, e.g. vip")}
        className="wl-grow"
        onChange={(tag) => onChange({ ...rule, tag })}
      />
    </div>
  );
}

/** The picker of the workspace's events (a rule's event, an entry's, a wait's, a goal's). */
export function EventPicker({ value, onChange, className = "wl-grow" }) {
  const discovery = useDiscovery();
  return (
    <NameCombobox
      kind="event"
      value={value}
      options={optionsOf(discovery, "event")}
      placeholder={t("event, e.g. order_completed")}
      unseen={discovery ? t("No '{name}' event has arrived yet") : null}
      className={className}
      onChange={onChange}
    />
  );
}

/** The picker of the workspace's attributes (a date attribute of a delay or an entry: those
 * of type `prefer` first). */
export function AttributePicker({ value, onChange, className = "wl-grow", prefer = null }) {
  const discovery = useDiscovery();
  return (
    <NameCombobox
      kind="attribute"
      value={value}
      options={optionsOf(discovery, "attribute", null, prefer)}
      placeholder={t("attribute, e.g. birthday")}
      unseen={discovery ? t("No customer has '{name}' yet") : null}
      className={className}
      onChange={onChange}
    />
  );
}

function EventRow({ rule, onChange, path, issues }) {
  return (
    <div className="wl-event-rule">
      <div className="wl-row wl-wrap">
        <span>{t("Did")}</span>
        <EventPicker value={rule.event} onChange={(event) => onChange({ ...rule, event })} />
      </div>
      <div className="wl-row wl-wrap">
        <Select
          options={Object.keys(COUNT_OP_LABELS)}
          labels={translated(COUNT_OP_LABELS)}
          value={rule.op || "gte"}
          onChange={(op) => onChange({ ...rule, op })}
        />
        <NumberInput
          value={rule.count ?? 1}
          field={{ type: "integer", minimum: 0 }}
          className="wl-short"
          onChange={(count) => onChange({ ...rule, count: count ?? 0 })}
        />
        <span>{t("times")}</span>
        <Select
          options={["ever", "within"]}
          labels={{ ever: t("ever"), within: t("in the last") }}
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
        event={rule.event || ""}
        compact
      />
    </div>
  );
}

// A list of an event's property filters (`event` names the event: its properties are offered).
export function AttrList({ value, onChange, path, issues, event, compact = false }) {
  return (
    <div className={`wl-attr-list ${compact ? "compact" : ""}`}>
      {value.map((rule, index) => (
        <div className="wl-rule-row" key={index} data-rule={joinPath(path, index)}>
          <div className="wl-rule-row-body">
            <AttrRow
              rule={rule}
              event={event}
              onChange={(next) => onChange(value.map((old, i) => (i === index ? next : old)))}
            />
          </div>
          <button
            type="button"
            className="wl-icon-button"
            title={t("Remove filter")}
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
        <Plus size={14} /> {t("Add property filter")}
      </button>
    </div>
  );
}
