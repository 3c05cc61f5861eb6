// Shared by the build step and the renderer so templates are compiled and run
// under the same configuration. Escaping is on for every `<%= %>`.
export const etaOptions = {
  autoEscape: true,
  autoTrim: [false, "nl"] as [false, "nl"],
  useWith: false,
  varName: "it",
};
