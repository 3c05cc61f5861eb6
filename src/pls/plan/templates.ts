// Templates to start a plan from: the general ones below, and a course's own objectives offered
// by the people who run it (course-templates.ts). instantiateTemplate makes either.

import { FormError } from "../../core/errors.js";
import type { Objective } from "../../db/schema.js";
import type { PlsDeps } from "../deps.js";
import { instantiateCourseTemplate } from "./course-templates.js";
import { createObjective } from "./objectives.js";
import { addStep } from "./steps.js";

export interface PlanTemplate {
  key: string;
  title: string;
  why: string;
  steps: string[];
}

export const generalTemplates: readonly PlanTemplate[] = [
  {
    key: "career-goal",
    title: "A career goal",
    why: "Where I want my work to take me, and what I need to learn to get there.",
    steps: [
      "Describe the role or work I am aiming for",
      "List the skills it asks for that I do not have yet",
      "Talk to someone who does this work",
      "Pick one skill to start on and plan it",
    ],
  },
  {
    key: "book",
    title: "A book to read",
    why: "A book I want to read properly, and to write about what I take from it.",
    steps: ["Get the book", "Read it, noting what stands out", "Write a post on what I learned from it"],
  },
  {
    key: "skill",
    title: "A skill to practise",
    why: "Something I want to get better at by doing it regularly.",
    steps: [
      "Decide what 'good enough' looks like",
      "Find a guide or a tutorial",
      "Practise a little every week",
      "Show what I made and reflect on it",
    ],
  },
];

/** Which template: a general one by its key, or a course's by its id. */
export type TemplateRef = string | { key: string } | { courseTemplateId: number };

/**
 * Makes a new objective with its steps from a template; the learner edits it freely afterwards.
 * A course template is offered only to members of its course.
 */
export async function instantiateTemplate(deps: PlsDeps, personId: number, ref: TemplateRef): Promise<Objective> {
  if (typeof ref === "object" && "courseTemplateId" in ref) return instantiateCourseTemplate(deps, personId, ref.courseTemplateId);
  const key = typeof ref === "string" ? ref : ref.key;
  const t = generalTemplates.find((x) => x.key === key);
  if (!t) throw new FormError("template", "Choose one of the templates offered.");
  const o = await createObjective(deps, personId, { title: t.title, why: t.why });
  for (const title of t.steps) await addStep(deps, personId, o.id, { title });
  return o;
}
