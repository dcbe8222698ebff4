import { ScopedVars } from '@grafana/data';
import { TemplateSrv } from '@grafana/runtime';

/** Value Grafana stores for a variable whose "All" option is selected. */
export const ALL_VALUE = '$__all';

/** Text of one query field after interpolation. all is true when a variable in it selects All. */
export interface Interpolated {
  text: string;
  all: boolean;
}

// Variable references as Grafana writes them: $name, ${name}, ${name:format}, ${name.path} and [[name]].
const VARIABLE_REFERENCE = /\$(\w+)|\$\{(\w+)(?:[.:][^}]*)?\}|\[\[(\w+)(?::[^\]]*)?\]\]/g;

/**
 * Replaces the template variables in text. joinValues formats each variable's values, so a
 * multi-value variable becomes one string. A variable that selects All marks the result as all
 * instead, also when it has a custom all value, which Grafana substitutes without calling a
 * format function.
 */
export function interpolateField(
  templateSrv: TemplateSrv,
  text: string,
  scopedVars: ScopedVars,
  joinValues: (values: string[]) => string
): Interpolated {
  let all = referencedVariables(text).some((name) => selectsAll(templateSrv, name, scopedVars));

  const formatValue = (value: unknown, variable?: { name?: string }): string => {
    const values = (Array.isArray(value) ? value : [value]).map((item) => String(item ?? ''));
    if (isAllValue(values) || (variable?.name !== undefined && selectsAll(templateSrv, variable.name, scopedVars))) {
      all = true;
      return '';
    }
    return joinValues(values);
  };

  const replaced = templateSrv.replace(text, scopedVars, formatValue);
  return { text: replaced, all };
}

/** Lists the names of the variables that text refers to, in order, without repeats. */
export function referencedVariables(text: string): string[] {
  const names: string[] = [];
  for (const match of text.matchAll(VARIABLE_REFERENCE)) {
    const name = match[1] ?? match[2] ?? match[3];
    if (name !== undefined && !names.includes(name)) {
      names.push(name);
    }
  }
  return names;
}

// A panel repeated per value carries that value in scopedVars, which overrides the dashboard's selection.
function selectsAll(templateSrv: TemplateSrv, name: string, scopedVars: ScopedVars): boolean {
  const scoped = scopedVars[name];
  if (scoped !== undefined) {
    return isAllValue(scoped.value);
  }
  const variable = templateSrv.getVariables().find((candidate) => candidate.name === name);
  if (variable === undefined || !('current' in variable)) {
    return false;
  }
  return isAllValue(variable.current?.value);
}

function isAllValue(value: unknown): boolean {
  return Array.isArray(value) ? value.includes(ALL_VALUE) : value === ALL_VALUE;
}
