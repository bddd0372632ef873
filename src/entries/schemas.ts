export type {
  KVMap,
  BaseRun,
  Run,
  RunCreate,
  RunUpdate,
  RunType,
  Attachments,
  AttachmentData,
  AttachmentDescription,
} from "../core/schemas.js";
