// A web frontend's use of the generated types (tools/contract/run.sh generates ./api.d.ts with
// openapi-typescript, then runs `tsc --strict` on this file). If the spec stops describing the
// gateway's JSON as clients see it, this stops compiling.
import type { components, operations, paths } from "./api";

type Schemas = components["schemas"];

// Diadoc: a counteragent page; 64-bit integers are strings, enums are names.
type CounteragentPage =
  paths["/v1/diadoc/boxes/{boxId}/counteragents"]["get"]["responses"][200]["content"]["application/json"];
export function nextCursor(page: CounteragentPage): string | undefined {
  const status: Schemas["Diadoc.CounteragentStatus"] | undefined =
    page.counteragents?.[0]?.currentStatus;
  void status;
  const ticks: string | undefined = page.counteragents?.[0]?.lastEventTimestampTicks;
  void ticks;
  return page.nextAfter;
}

// Diadoc: the protocol, and the 202 of a long request.
type Protocol = Schemas["Diadoc.Documents.DocumentProtocol"];
export const pdfBase64 = (p: Protocol): string => p.printForm;
type Pending =
  operations["getDiadocDocumentProtocol"]["responses"][202]["content"]["application/json"];
export const retryIn = (p: Pending): number => p.retryAfter;

// Diadoc: a template to post, with its required fields.
export const template: Schemas["Diadoc.Events.TemplateToPost"] = {
  fromBoxId: "31ac9977-18be-4496-b421-44f17dc857bb",
  toBoxId: "2b756028-672f-4179-99de-8de9b139c480",
  messageFromBoxId: "2b756028-672f-4179-99de-8de9b139c480",
  messageToBoxId: "31ac9977-18be-4496-b421-44f17dc857bb",
  documentAttachments: [
    {
      unsignedContent: { content: "PFRlbXBsYXRlLz4=" },
      typeNamedId: "UniversalTransferDocument",
    },
  ],
};

// EDIN: a step body with typed enums, and the process that comes back.
export const step: Schemas["edin.StepInput"] = {
  taskType: "approval",
  execType: "anyOfGroup",
  agreementGroups: [{ groupId: 104001 }],
  periodDays: 3,
};
type Process =
  operations["createEdinAgreementStep"]["responses"][201]["content"]["application/json"];
export function taskTypes(p: Process): Schemas["edin.TaskType"][] {
  return p.agreementSteps.map((s) => s.taskType);
}

// Every error is a problem document.
type Problem = Schemas["Problem"];
export const fields = (p: Problem): string[] => (p.errors ?? []).map((e) => e.field);
