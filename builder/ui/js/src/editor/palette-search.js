// Finding a step kind by what a marketer types: its name or description, in the page's
// language (kinds arrive translated), ignoring case and spaces at either end.

export function matchingKinds(kinds, query) {
  const wanted = query.trim().toLocaleLowerCase();
  if (!wanted) return kinds;
  return kinds.filter((kind) =>
    `${kind.label}\n${kind.description || ""}`.toLocaleLowerCase().includes(wanted),
  );
}
