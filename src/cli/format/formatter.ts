/**
 * docker's formatter.Context: "table"/"table TEMPLATE"/"json"/"TEMPLATE" formats over a list of
 * row objects; table output gets a header row (the template run over header names) and tabwriter.
 */
import { Template, TemplateError } from "./template.js";
import { tabwrite } from "./tabwriter.js";
import { StatusError } from "../cli-error.js";

export function isTable(format: string): boolean {
  return format.startsWith("table");
}

export function parseTemplate(text: string): Template {
  try {
    return Template.parse(text);
  } catch (e) {
    if (e instanceof TemplateError) throw new StatusError(`template parsing error: ${e.message}`, 1);
    throw e;
  }
}

function normalize(format: string): string {
  let f = isTable(format) ? format.slice("table".length) : format;
  f = f.trim();
  return f.replace(/\\t/g, "\t").replace(/\\n/g, "\n");
}

export function execTemplate(t: Template, data: unknown): string {
  try {
    return t.execute(data);
  } catch (e) {
    if (e instanceof TemplateError) throw new StatusError(`template: :1: executing "" : ${e.message}`, 1);
    throw e;
  }
}

/**
 * Renders rows. `format` is the user's --format (empty = "table"); `defaultTable` the command's default
 * table template (without the "table" word); `header` maps field names to column titles.
 */
export function renderList(format: string, defaultTable: string, rows: readonly unknown[], header: Record<string, string>): string {
  let f = format === "" || format === "table" ? `table ${defaultTable}` : format;
  if (f === "json") f = "{{json .}}";
  const table = isTable(f);
  const t = parseTemplate(normalize(f));
  let out = "";
  if (table) out += `${execTemplate(t, header)}\n`;
  for (const r of rows) out += `${execTemplate(t, r)}\n`;
  return table ? tabwrite(out) : out;
}

/** A single object (version, info, inspect -f): template + newline. */
export function renderOne(format: string, data: unknown): string {
  const f = format === "json" ? "{{json .}}" : format;
  return `${execTemplate(parseTemplate(normalize(f)), data)}\n`;
}
