// What the signed-in role may do, so the dashboard shows only the actions the API would allow. This table mirrors
// ApiOperations.cs (src/FunctionsScheduler.Api/Access): keep the two in step. The API still decides: a call it refuses
// answers 403 with a problem detail, which the page shows like any other error.

const RANK = { reader: 1, operator: 2, admin: 3 };

/** Operation id → the least role that may call it. Every GET is a reader's and needs no entry. */
const NEEDS = {
  // Operator: act on runs and schedules without changing what a schedule is.
  RunScheduleNow: 'operator',
  PauseSchedule: 'operator',
  ResumeSchedule: 'operator',
  BulkSchedules: 'operator',
  CancelRun: 'operator',
  SuspendRun: 'operator',
  ResumeRun: 'operator',
  RetryRun: 'operator',
  AnswerIntervention: 'operator',
  DeclineIntervention: 'operator',
  MarkNotificationRead: 'operator',
  DismissNotification: 'operator',
  SnoozeNotification: 'operator',
  PutNotificationPreferences: 'operator',

  // Admin: what schedules are, who may call, and what was done.
  CreateSchedule: 'admin',
  UpdateSchedule: 'admin',
  DeleteSchedule: 'admin',
  CloneSchedule: 'admin',
  CreateScheduleFromTemplate: 'admin',
  EnableSchedule: 'admin',
  DisableSchedule: 'admin',
  ImportSchedules: 'admin',
  CreateApiKey: 'admin',
  ListApiKeys: 'admin',
  RevokeApiKey: 'admin',
  ListAudit: 'admin',
};

let role = null;

/** The caller's role from GET /api/me (null when nobody is signed in: then nothing may be done). */
export function setRole(value) {
  role = typeof value === 'string' && Object.hasOwn(RANK, value) ? value : null;
}

/** Whether the signed-in role may call the operation (by its operation id); an operation not listed here may not. */
export function can(operation) {
  const needed = NEEDS[operation];
  return Boolean(role && needed && RANK[role] >= RANK[needed]);
}
