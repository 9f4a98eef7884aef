// The generated form: one field per config property, widgets chosen from the schema and its
// hints. Errors from validate_journey appear on the field whose path they name.
import { useEffect, useState } from "react";
import { Plus, Trash2 } from "lucide-react";
import {
  analyse,
  emptyValue,
  humanize,
  isShown,
  joinPath,
  orderedProperties,
  titleOf,
} from "./schema.js";
import { WEEKDAYS, referenceLabel, valueLabel } from "./labels.js";
import { t } from "../i18n.js";
import { RuleField, AttrList, AttributePicker, EventPicker } from "./rules.jsx";
import { carrierBytes } from "./sms.js";
import { ByteBadge } from "./MessagePreview.jsx";

export function FieldErrors({ issues, path }) {
  const mine = issues.filter((issue) => issue.field === path);
  if (!mine.length) return null;
  return mine.map((issue, index) => (
    <div key={index} className={`wl-field-error ${issue.severity}`} data-field-error={path}>
      {issue.message}
    </div>
  ));
}

// An object's fields, in order, with x-show-if applied.
export function ObjectFields({ schema, defs, value, onChange, path, issues, ctx }) {
  const effective = { ...defaultsOf(schema, defs), ...(value || {}) };
  const inner = { ...ctx, siblings: effective }; // a picker may depend on a sibling (the channel)
  return orderedProperties(schema).map(([name, prop]) => {
    if (!isShown(prop, effective)) return null;
    return (
      <Field
        key={name}
        name={name}
        prop={prop}
        defs={defs}
        value={value?.[name]}
        onChange={(next) =>
          onChange(withoutHidden(schema, defs, { ...(value || {}), [name]: next }))
        }
        onClear={() => {
          const copy = { ...(value || {}) };
          delete copy[name];
          onChange(copy);
        }}
        path={joinPath(path, name)}
        issues={issues}
        ctx={inner}
      />
    );
  });
}

// A choice that hides fields (x-show-if) drops what they held, back to their defaults: a value
// the marketer can no longer see must not keep the step invalid (e.g. a KakaoTalk fallback text
// left behind after switching the channel to email).
function withoutHidden(schema, defs, value) {
  const effective = { ...defaultsOf(schema, defs), ...value };
  const required = schema.required || [];
  const kept = { ...value };
  for (const [name, prop] of orderedProperties(schema)) {
    if (name in kept && !required.includes(name) && !isShown(prop, effective)) delete kept[name];
  }
  return kept;
}

function defaultsOf(schema, defs) {
  const result = {};
  for (const [name, prop] of Object.entries(schema.properties || {})) {
    const { field } = analyse(prop, defs);
    if (field.default !== undefined) result[name] = field.default;
  }
  return result;
}

export function Field({ name, prop, defs, value, onChange, onClear, path, issues, ctx }) {
  const { field, nullable } = analyse(prop, defs);
  const title = titleOf(name, prop, defs);
  const widget = field["x-widget"];
  const hasError = issues.some(
    (issue) => issue.field === path || issue.field?.startsWith(path + "."),
  );
  const control = renderControl({
    field,
    defs,
    value,
    onChange,
    onClear,
    path,
    issues,
    ctx,
    nullable,
    widget,
    title,
  });
  return (
    <div className={`wl-field ${hasError ? "has-error" : ""}`} data-field={path}>
      <label className="wl-label">
        {title}
        {nullable ? <span className="wl-optional"> {t("optional")}</span> : null}
      </label>
      {control}
      {field.description ? <div className="wl-help">{field.description}</div> : null}
      <FieldErrors issues={issues} path={path} />
    </div>
  );
}

function renderControl({
  field,
  defs,
  value,
  onChange,
  onClear,
  path,
  issues,
  ctx,
  nullable,
  widget,
  title,
}) {
  const clear = () => (onClear ? onClear() : onChange(null));
  if (widget === "rule" || field.discriminator)
    return (
      <RuleField
        value={value}
        onChange={onChange}
        onClear={nullable ? clear : null}
        path={path}
        issues={issues}
      />
    );
  if (widget === "property-filters")
    return (
      <AttrList
        value={value || []}
        onChange={onChange}
        path={path}
        issues={issues}
        event={ctx.siblings?.event || ""}
      />
    );
  if (widget === "event-name")
    return (
      <EventPicker
        value={value}
        className=""
        onChange={(next) => (next === "" && nullable ? clear() : onChange(next))}
      />
    );
  if (widget === "attribute-name")
    return (
      <AttributePicker
        value={value}
        className=""
        prefer={field["x-attribute-type"] || null}
        onChange={(next) => (next === "" && nullable ? clear() : onChange(next))}
      />
    );
  if (widget === "duration" || field.$def === "Duration")
    return (
      <Optional
        nullable={nullable}
        value={value}
        onAdd={() => onChange({ amount: 1, unit: "days" })}
        onClear={clear}
        noun={title}
      >
        <DurationInput value={value} onChange={onChange} path={path} issues={issues} />
      </Optional>
    );
  if (widget === "sms-text") return <SmsText value={value} onChange={onChange} />;
  if (widget === "local-time")
    return (
      <input
        className="wl-input wl-time"
        type="time"
        value={value || ""}
        onChange={(e) => onChange(e.target.value || (nullable ? null : ""))}
      />
    );
  if (widget === "weekdays") return <Weekdays value={value || []} onChange={onChange} />;
  if (widget === "template-picker" || widget === "segment-picker") {
    const kind = widget === "template-picker" ? "template" : "segment";
    const items = (kind === "template" ? ctx.templates : ctx.segments) || [];
    const channel = kind === "template" ? ctx.siblings?.channel : null;
    return (
      <Picker
        kind={kind}
        noun={kind === "template" ? t("template") : t("segment")}
        items={items}
        channel={channel}
        value={value}
        onChange={onChange}
      />
    );
  }
  if (widget === "picker")
    return (
      <Picker
        kind={field["x-ref"]}
        noun={(title || "").toLowerCase()}
        items={ctx.references?.[field["x-ref"]] || []}
        value={value}
        onChange={onChange}
      />
    );
  if (widget === "sender-picker")
    return (
      <SenderPicker
        choices={ctx.senders?.[ctx.siblings?.channel]}
        value={value}
        onChange={(next) => (next === "" && nullable ? clear() : onChange(next))}
      />
    );
  if (widget === "timezone") return <TimezoneInput value={value} onChange={onChange} />;
  if (widget === "radio" && field.enum)
    return <Segmented options={field.enum} value={value ?? field.default} onChange={onChange} />;
  if (field.enum)
    return (
      <Select
        options={field.enum}
        value={value ?? field.default}
        onChange={onChange}
        allowEmpty={nullable || value == null}
      />
    );
  if (field.type === "boolean")
    return <Toggle value={value ?? field.default ?? false} onChange={onChange} />;
  if (field.type === "integer" || field.type === "number")
    return (
      <NumberInput
        value={value}
        onChange={(next) => (next === undefined ? clear() : onChange(next))}
        field={field}
      />
    );
  if (field.type === "string")
    return (
      <TextInput
        value={value}
        onChange={(next) => (next === "" && nullable ? clear() : onChange(next))}
      />
    );
  if (field.type === "object" && field.properties)
    return (
      <Optional
        nullable={nullable}
        value={value}
        onAdd={() => onChange(emptyValue(field, defs))}
        onClear={clear}
        noun={title}
      >
        <div className="wl-group">
          <ObjectFields
            schema={field}
            defs={defs}
            value={value}
            onChange={onChange}
            path={path}
            issues={issues}
            ctx={ctx}
          />
        </div>
      </Optional>
    );
  if (field.type === "object") return <JsonInput value={value} onChange={onChange} />;
  if (field.type === "array")
    return (
      <ArrayField
        field={field}
        defs={defs}
        value={value || []}
        onChange={onChange}
        path={path}
        issues={issues}
        ctx={ctx}
        title={title}
      />
    );
  if (field.union) return <LooseValue value={value} onChange={onChange} />;
  return <JsonInput value={value} onChange={onChange} />;
}

// A text message's source with its carrier byte count, live as it is typed (Liquid counted as
// written: the preview below the form counts the rendered text for a customer).
function SmsText({ value, onChange }) {
  return (
    <div className="wl-sms-text">
      <textarea
        className="wl-input"
        rows={4}
        value={value ?? ""}
        onChange={(e) => onChange(e.target.value)}
        data-sms-text
      />
      <ByteBadge bytes={carrierBytes(value || "")} />
    </div>
  );
}

function Optional({ nullable, value, onAdd, onClear, noun, children }) {
  if (!nullable) return children;
  if (value == null)
    return (
      <button type="button" className="wl-link-button" onClick={onAdd}>
        <Plus size={14} /> {t("Add {what}", { what: noun.toLowerCase() })}
      </button>
    );
  return (
    <div className="wl-optional-block">
      {children}
      <button type="button" className="wl-link-button subtle" onClick={onClear}>
        {t("Remove")}
      </button>
    </div>
  );
}

function ArrayField({ field, defs, value, onChange, path, issues, ctx, title }) {
  const { field: items } = analyse(field.items || {}, defs);
  if (items.enum) return <Chips options={items.enum} value={value} onChange={onChange} />;
  if (items.type === "string" || items.type === "integer")
    return <ListInput value={value} onChange={onChange} />;
  const noun = (items.title || title).toLowerCase();
  const atMax = field.maxItems != null && value.length >= field.maxItems;
  return (
    <div className="wl-items">
      {value.map((item, index) => (
        <div className="wl-item" key={index}>
          <div className="wl-item-head">
            <span>{t("{what} {n}", { what: humanize(noun), n: index + 1 })}</span>
            <button
              type="button"
              className="wl-icon-button"
              title={t("Remove {what} {n}", { what: noun, n: index + 1 })}
              disabled={field.minItems && value.length <= field.minItems}
              onClick={() => onChange(value.filter((_, i) => i !== index))}
            >
              <Trash2 size={14} />
            </button>
          </div>
          <ObjectFields
            schema={items}
            defs={defs}
            value={item}
            path={joinPath(path, index)}
            issues={issues}
            ctx={ctx}
            onChange={(next) => onChange(value.map((old, i) => (i === index ? next : old)))}
          />
        </div>
      ))}
      <button
        type="button"
        className="wl-link-button"
        disabled={atMax}
        onClick={() => onChange([...value, emptyValue(items, defs)])}
      >
        <Plus size={14} /> {t("Add {what}", { what: noun })}
      </button>
    </div>
  );
}

export function TextInput({
  value,
  onChange,
  placeholder = undefined,
  className = "",
  list = undefined,
}) {
  return (
    <input
      className={`wl-input ${className}`}
      value={value ?? ""}
      placeholder={placeholder}
      list={list}
      onChange={(e) => onChange(e.target.value)}
    />
  );
}

// Keeps what is typed (e.g. "1." or "-") while passing numbers up.
export function NumberInput({
  value,
  onChange,
  field = /** @type {{ minimum?: number, maximum?: number, type?: string }} */ ({}),
  className = "",
}) {
  const [text, setText] = useState(value == null ? "" : String(value));
  useEffect(() => {
    if (Number(text) !== value) setText(value == null ? "" : String(value));
  }, [value]);
  return (
    <input
      className={`wl-input wl-number ${className}`}
      inputMode="decimal"
      value={text}
      min={field.minimum}
      max={field.maximum}
      onChange={(e) => {
        const raw = e.target.value;
        setText(raw);
        if (raw.trim() === "") onChange(undefined);
        else if (!Number.isNaN(Number(raw)))
          onChange(field.type === "integer" ? Math.trunc(Number(raw)) : Number(raw));
      }}
    />
  );
}

export function DurationInput({ value, onChange, path, issues }) {
  const current = value || { amount: 1, unit: "days" };
  return (
    <div className="wl-row">
      <NumberInput
        value={current.amount}
        field={{ type: "integer", minimum: 1 }}
        className="wl-short"
        onChange={(amount) => onChange({ ...current, amount })}
      />
      <Select
        options={["minutes", "hours", "days", "weeks"]}
        value={current.unit || "days"}
        onChange={(unit) => onChange({ ...current, unit })}
      />
      {path ? <FieldErrors issues={issues} path={`${path}.amount`} /> : null}
    </div>
  );
}

// What a send step sends from: the default sender, or one registered under Send rules →
// Senders. Pending and rejected ones show, greyed out, so a marketer sees why they can't be
// picked; a value no longer on the list stays shown (publishing says what is wrong with it).
function SenderPicker({ choices, value, onChange }) {
  const options = choices?.options || [];
  const listed = options.some((option) => option.value === value);
  const fallback = choices?.default
    ? t("Default sender ({sender})", { sender: choices.default })
    : t("Default sender (none registered yet)");
  return (
    <select
      className="wl-input wl-select"
      value={value || ""}
      onChange={(e) => onChange(e.target.value)}
      data-sender-picker
    >
      <option value="">{fallback}</option>
      {options.map((option) => (
        <option key={option.value} value={option.value} disabled={!option.registered}>
          {option.registered
            ? option.label
            : t("{sender} — {status}", { sender: option.label, status: t(option.status) })}
        </option>
      ))}
      {value && !listed ? <option value={value}>{value}</option> : null}
    </select>
  );
}

export function Select({
  options,
  value,
  onChange,
  allowEmpty = false,
  labels = null,
  className = "",
}) {
  return (
    <select
      className={`wl-input wl-select ${className}`}
      value={value ?? ""}
      onChange={(e) => onChange(e.target.value === "" ? null : e.target.value)}
    >
      {allowEmpty ? <option value="">{t("Choose…")}</option> : null}
      {options.map((option) => (
        <option key={option} value={option}>
          {labels ? (labels[option] ?? option) : valueLabel(option)}
        </option>
      ))}
    </select>
  );
}

function Segmented({ options, value, onChange }) {
  return (
    <div className="wl-segmented" role="radiogroup">
      {options.map((option) => (
        <button
          type="button"
          role="radio"
          aria-checked={value === option}
          key={option}
          className={value === option ? "on" : ""}
          onClick={() => onChange(option)}
        >
          {valueLabel(option)}
        </button>
      ))}
    </div>
  );
}

function Toggle({ value, onChange }) {
  return (
    <label className="wl-toggle">
      <input type="checkbox" checked={!!value} onChange={(e) => onChange(e.target.checked)} />
      <span>{value ? t("Yes") : t("No")}</span>
    </label>
  );
}

function Weekdays({ value, onChange }) {
  return <Chips options={WEEKDAYS} value={value} onChange={onChange} />;
}

function Chips({ options, value, onChange }) {
  const toggle = (option) =>
    onChange(
      value.includes(option)
        ? value.filter((v) => v !== option)
        : options.filter((o) => o === option || value.includes(o)),
    );
  return (
    <div className="wl-chips">
      {options.map((option) => (
        <button
          type="button"
          key={option}
          className={value.includes(option) ? "on" : ""}
          onClick={() => toggle(option)}
        >
          {valueLabel(option)}
        </button>
      ))}
    </div>
  );
}

function ListInput({ value, onChange }) {
  const [text, setText] = useState(value.join(", "));
  useEffect(() => {
    if (
      text
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean)
        .join(",") !== value.join(",")
    )
      setText(value.join(", "));
  }, [value]);
  return (
    <input
      className="wl-input"
      value={text}
      placeholder={t("Separate with commas")}
      onChange={(e) => {
        setText(e.target.value);
        onChange(
          e.target.value
            .split(",")
            .map((s) => s.trim())
            .filter(Boolean),
        );
      }}
    />
  );
}

// A picker of stored objects of one kind (`x-ref`: a coupon pool, ...; templates and segments
// too). Given a channel, it offers only the objects of that channel (a send step's templates);
// one chosen for another channel stays shown, marked, so the error on the step has something to
// point at.
function Picker({ kind, noun, items: all, channel = null, value, onChange }) {
  const items = channel ? all.filter((item) => !item.channel || item.channel === channel) : all;
  const known = items.some((item) => item.id === value);
  const elsewhere = known ? null : all.find((item) => item.id === value);
  return (
    <select
      className="wl-input wl-select"
      value={value ?? ""}
      data-picker={kind}
      onChange={(e) => onChange(e.target.value === "" ? null : Number(e.target.value))}
    >
      <option value="">{pickerPrompt(noun, items.length, channel)}</option>
      {elsewhere ? (
        <option value={value}>
          {t("{name} · {channel} (another channel)", {
            name: elsewhere.name,
            channel: valueLabel(elsewhere.channel),
          })}
        </option>
      ) : value != null && !known ? (
        <option value={value}>{t("Missing {what} #{id}", { what: noun, id: value })}</option>
      ) : null}
      {items.map((item) => (
        <option key={item.id} value={item.id}>
          {referenceLabel(item)}
        </option>
      ))}
    </select>
  );
}

// The empty choice of a picker: what to do, or that there is nothing to choose yet.
function pickerPrompt(noun, count, channel) {
  if (count) return t("Choose a {what}…", { what: noun });
  if (channel)
    return t("No {channel} {what} to choose yet", { channel: valueLabel(channel), what: noun });
  return t("No {what} to choose yet", { what: noun });
}

const ZONES = [
  "Asia/Seoul",
  "Asia/Tokyo",
  "Asia/Singapore",
  "Asia/Shanghai",
  "Europe/London",
  "Europe/Berlin",
  "America/New_York",
  "America/Los_Angeles",
  "UTC",
];

function TimezoneInput({ value, onChange }) {
  return (
    <>
      <input
        className="wl-input"
        list="wl-zones"
        value={value ?? ""}
        onChange={(e) => onChange(e.target.value)}
      />
      <datalist id="wl-zones">
        {ZONES.map((zone) => (
          <option key={zone} value={zone} />
        ))}
      </datalist>
    </>
  );
}

function JsonInput({ value, onChange }) {
  const [text, setText] = useState(JSON.stringify(value ?? {}, null, 1));
  const [bad, setBad] = useState(false);
  return (
    <textarea
      className={`wl-input wl-json ${bad ? "bad" : ""}`}
      rows={4}
      value={text}
      onChange={(e) => {
        setText(e.target.value);
        try {
          onChange(JSON.parse(e.target.value || "null"));
          setBad(false);
        } catch {
          setBad(true);
        }
      }}
    />
  );
}

// A value that may be text, a number or true/false (an attribute comparison's value).
export function parseLoose(text) {
  const trimmed = text.trim();
  if (trimmed === "") return null;
  if (/^-?\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed);
  if (trimmed === "true" || trimmed === "false") return trimmed === "true";
  return text;
}

export function LooseValue({
  value,
  onChange,
  placeholder = undefined,
  className = "",
  list = undefined,
}) {
  const [text, setText] = useState(value == null ? "" : String(value));
  useEffect(() => {
    if (parseLoose(text) !== value) setText(value == null ? "" : String(value));
  }, [value]);
  return (
    <input
      className={`wl-input ${className}`}
      value={text}
      placeholder={placeholder ?? t("Value")}
      list={list}
      onChange={(e) => {
        setText(e.target.value);
        onChange(parseLoose(e.target.value));
      }}
    />
  );
}
