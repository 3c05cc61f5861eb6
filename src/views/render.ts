// Renders the precompiled templates. `eta/core` has no filesystem access and
// compiles nothing here: templates arrive as functions from the generated module.
import { Eta } from "eta/core";
import { etaOptions } from "./eta-options.js";
import { helpers } from "./helpers.js";
import { templates } from "./templates.generated.js";

export type TemplateName = keyof typeof templates;

const eta = new Eta(etaOptions);
for (const [name, fn] of Object.entries(templates)) {
  eta.loadTemplate(`@${name}`, fn as Parameters<typeof eta.loadTemplate>[1]);
}

export function render(name: TemplateName, data: Record<string, unknown>): string {
  return eta.render(`@${name}`, { h: helpers, errors: {}, values: {}, ...data });
}

export { stylesheet } from "./templates.generated.js";
