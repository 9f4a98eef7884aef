// Reading the msgspec JSON schemas of node configs (and journey settings) for the forms.
// Hints from nodes/kit/fields.py: x-widget, x-order, x-show-if.

export function refName(ref) {
  return ref.split("/").pop();
}

// A schema with its $ref followed; the referring schema's own keys (title, hints) win.
export function resolve(schema, defs) {
  let current = schema || {};
  let guard = 0;
  while (current.$ref && guard++ < 20) {
    const { $ref, ...own } = current;
    current = { ...(defs[refName($ref)] || {}), ...own, $def: refName($ref) };
  }
  return current;
}

// The field's effective schema: nullable unions unwrapped, hints from the outside kept.
export function analyse(schema, defs) {
  let field = resolve(schema, defs);
  let nullable = false;
  if (field.anyOf && !field.discriminator) {
    const options = field.anyOf.map((option) => resolve(option, defs));
    const present = options.filter((option) => option.type !== "null");
    nullable = present.length < options.length;
    const { anyOf, ...outer } = field;
    if (present.length === 1)
      field = {
        ...present[0],
        ...dropUndefined(outer),
        "x-widget": outer["x-widget"] || present[0]["x-widget"],
      };
    else field = { ...outer, union: present };
  }
  return { field, nullable };
}

function dropUndefined(object) {
  return Object.fromEntries(Object.entries(object).filter(([, value]) => value !== undefined));
}

export function rootOf(schema) {
  return resolve(schema, schema.$defs || {});
}

// Properties in form order (x-order, then declaration order).
export function orderedProperties(objectSchema) {
  const entries = Object.entries(objectSchema.properties || {});
  return entries
    .map(([name, prop], index) => [
      name,
      prop,
      prop["x-order"] ??
        (prop.anyOf || []).map((o) => o["x-order"]).find((o) => o != null) ??
        100 + index,
    ])
    .sort((a, b) => a[2] - b[2])
    .map(([name, prop]) => [name, prop]);
}

export function titleOf(name, prop, defs) {
  const { field } = analyse(prop, defs);
  const inner = (prop.anyOf || []).map((o) => o.title).find(Boolean);
  return prop.title || inner || field.title || humanize(name);
}

export function humanize(name) {
  const text = String(name).replace(/_/g, " ");
  return text.charAt(0).toUpperCase() + text.slice(1);
}

// Whether x-show-if lets a field show, given its siblings' values.
export function isShown(prop, values) {
  const rule = prop["x-show-if"];
  if (!rule) return true;
  return Object.entries(rule).every(([other, allowed]) => {
    const list = Array.isArray(allowed) ? allowed : [allowed];
    const defaultValue = undefined;
    return list.includes(values?.[other] ?? defaultValue);
  });
}

// A starting value for a field the marketer adds (an item, an optional group).
export function emptyValue(schema, defs) {
  const { field } = analyse(schema, defs);
  if (field.default !== undefined && field.default !== null) return structuredClone(field.default);
  if (field.discriminator || field["x-widget"] === "rule") return { type: "and", rules: [] };
  if (field.$def === "Duration") return { amount: 1, unit: "days" };
  if (field.enum) return field.enum[0];
  if (field.type === "object" && field.properties) {
    const value = {};
    for (const name of field.required || []) value[name] = emptyValue(field.properties[name], defs);
    return value;
  }
  if (field.type === "array") return [];
  if (field.type === "boolean") return false;
  if (field.type === "integer" || field.type === "number") return field.minimum ?? 0;
  if (field.type === "string") return "";
  return null;
}

// Immutable set/delete by path ([key | index, ...]); undefined deletes an object key.
export function setIn(target, path, value) {
  if (path.length === 0) return value;
  const [head, ...rest] = path;
  const copy = Array.isArray(target) ? [...target] : { ...(target || {}) };
  const next = setIn(copy[head], rest, value);
  if (next === undefined && !Array.isArray(copy)) delete copy[head];
  else copy[head] = next;
  return copy;
}

export function joinPath(base, key) {
  if (typeof key === "number") return `${base}[${key}]`;
  return base ? `${base}.${key}` : key;
}
