// Operator requests on the mission database (MdbControl.handle): their JSON schema and types. The
// limit and calibration bodies are the database's own sub-schemas, so an override is written
// exactly like the database entry it replaces.
import { Ajv, type ErrorObject, type SchemaObject } from 'ajv';
import type { MdbIssue } from './errors.ts';
import {
  type CalibrationDef,
  calibrationSchema,
  type LimitsDef,
  limitsSchema,
  NAME_PATTERN,
} from './schema.ts';

/** A database file to reload: a bare file name, resolved in the directory of the one in force. */
export const RELOAD_FILE_PATTERN = '^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}\\.(json|xml)$';

/** Every request may name who made it (`by`: an agency, `SIGHUP`): logged and shown in its event. */
export type ControlRequest = { readonly by?: string } & (
  | { readonly op: 'reload'; readonly file?: string }
  | {
      readonly op: 'limitChecking';
      readonly enabled: boolean;
      readonly parameter?: string;
      readonly list?: string;
    }
  | { readonly op: 'setLimits'; readonly parameter: string; readonly limits: LimitsDef }
  | { readonly op: 'restoreLimits'; readonly parameter: string }
  | { readonly op: 'setCalibration'; readonly parameter: string; readonly calibration: CalibrationDef }
  | { readonly op: 'restoreCalibration'; readonly parameter: string }
  | { readonly op: 'overrides' }
);

export type ControlOp = ControlRequest['op'];

const name: SchemaObject = { type: 'string', pattern: NAME_PATTERN };

function request(op: ControlOp, required: string[], properties: Record<string, SchemaObject>): SchemaObject {
  return {
    type: 'object',
    additionalProperties: false,
    required: ['op', ...required],
    properties: { op: { const: op }, by: { type: 'string', minLength: 1, maxLength: 64 }, ...properties },
  };
}

export const controlSchema: SchemaObject = {
  type: 'object',
  required: ['op'],
  properties: { op: { type: 'string' } },
  discriminator: { propertyName: 'op' },
  oneOf: [
    request('reload', [], { file: { type: 'string', pattern: RELOAD_FILE_PATTERN } }),
    {
      ...request('limitChecking', ['enabled'], { enabled: { type: 'boolean' }, parameter: name, list: name }),
      not: { type: 'object', required: ['parameter', 'list'], properties: { parameter: true, list: true } },
    },
    request('setLimits', ['parameter', 'limits'], { parameter: name, limits: limitsSchema }),
    request('restoreLimits', ['parameter'], { parameter: name }),
    request('setCalibration', ['parameter', 'calibration'], {
      parameter: name,
      calibration: calibrationSchema,
    }),
    request('restoreCalibration', ['parameter'], { parameter: name }),
    request('overrides', [], {}),
  ],
};

// Defaults are filled in (into a copy): an override is stored complete, as the database stores it.
const ajv = new Ajv({
  allErrors: true,
  useDefaults: true,
  strict: true,
  discriminator: true,
  allowUnionTypes: true,
});
const validate = ajv.compile(controlSchema);

/** Validates a request (a structured copy; the input is left untouched): the request, or its issues. */
export function parseControl(msg: unknown): { request: ControlRequest } | { issues: MdbIssue[] } {
  let data: unknown;
  try {
    data = JSON.parse(JSON.stringify(msg ?? null));
  } catch (err) {
    return {
      issues: [{ path: '', rule: 'type', message: `must be a JSON value: ${(err as Error).message}` }],
    };
  }
  if (validate(data)) return { request: data as ControlRequest };
  return { issues: (validate.errors ?? []).map(toIssue) };
}

function toIssue(err: ErrorObject): MdbIssue {
  const params: Record<string, unknown> = err.params;
  switch (err.keyword) {
    case 'additionalProperties':
      return {
        path: `${err.instancePath}/${String(params.additionalProperty)}`,
        rule: err.keyword,
        message: 'is not a known field',
      };
    case 'required':
      return {
        path: `${err.instancePath}/${String(params.missingProperty)}`,
        rule: err.keyword,
        message: 'is required',
      };
    case 'discriminator':
      return { path: `${err.instancePath}/op`, rule: err.keyword, message: 'must be a known operation' };
    case 'not':
      return {
        path: err.instancePath,
        rule: err.keyword,
        message: 'must name a parameter or a list, not both',
      };
    default:
      return { path: err.instancePath, rule: err.keyword, message: err.message ?? 'is invalid' };
  }
}
