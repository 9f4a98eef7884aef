// The canvas's audience rule builder on a page of its own (the lifecycle stages' rules): the
// same and/or groups and pickers, with the workspace's attributes and events to pick from.
// Each change goes to Python as the rule's JSON (`onChange`); `issues` are the server's
// problems with their paths under `path`.
import { useState } from "react";
import { EditorContext } from "./graph.jsx";
import { RuleField } from "./rules.jsx";

/**
 * @param {{ value: Record<string, any> | null, discovery: Record<string, any> | null,
 *   onChange: (rule: Record<string, any> | null) => void, path: string,
 *   issues?: Record<string, any>[] }} props
 */
export function RuleBuilder({ value, discovery, onChange, path, issues = [] }) {
  const [rule, setRule] = useState(value);
  const change = (next) => {
    setRule(next);
    onChange(next);
  };
  return (
    <EditorContext.Provider value={{ discovery }}>
      <div className="wl-rule-builder" data-rule-builder={path}>
        <RuleField value={rule} onChange={change} onClear={undefined} path={path} issues={issues} />
      </div>
    </EditorContext.Provider>
  );
}
