/**
 * A dataset's schema document (docs/data.md "Schemas"), public and content-addressed beside the encrypted records:
 * the format, the tensor width, the label (a field of each JSON record, or the tensor label), the number of classes,
 * and for JSON records a JSON Schema (draft 2020-12) each record must satisfy — what a certifier checks conformance
 * against. `mycel dataset add` takes one with `--schema` or infers it from the records (the fields of the first
 * record, their JSON types, all required).
 */
import { z } from 'zod'
import { NodeError } from '../common/errors.ts'
import { DATASET_FORMATS, type RecordLayout } from './records.ts'

export const SCHEMA_VERSION = 'mycel.dataset-schema/1'

const schemaDocument = z
  .object({
    schema: z.literal(SCHEMA_VERSION),
    format: z.enum(DATASET_FORMATS),
    width: z.number().int().min(1).max(1_000_000).optional(),
    label: z.string().min(1).max(64).optional(),
    classes: z.number().int().min(2).max(65_536).optional(),
    record: z.record(z.string(), z.unknown()).optional(),
    description: z.string().max(2_000).optional(),
  })
  .strict()
  .refine((s) => s.format !== 'tensor' || s.width !== undefined, {
    message: 'a tensor dataset names its width (features per record)',
    path: ['width'],
  })

export type DatasetSchema = z.infer<typeof schemaDocument>

/** A schema document that does not parse or does not fit the dataset. */
export class DatasetSchemaError extends NodeError {
  constructor(message: string) {
    super('DATASET_SCHEMA_INVALID', message, { exitCode: 2 })
  }
}

/** Checks a schema document given as parsed JSON; every problem names its field. */
export function parseDatasetSchema(value: unknown): DatasetSchema {
  const parsed = schemaDocument.safeParse(value)
  if (parsed.success) return parsed.data
  const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(document)'}: ${i.message}`).join('; ')
  throw new DatasetSchemaError(
    `The schema document is not valid (${problems}). See docs/data.md "Schemas" for its fields.`,
  )
}

/** The layout of the records a schema describes. */
export const layoutOf = (schema: DatasetSchema): RecordLayout =>
  schema.format === 'tensor' ? { format: 'tensor', width: schema.width as number } : { format: 'jsonl' }

const jsonType = (value: unknown): string =>
  value === null
    ? 'null'
    : Array.isArray(value)
      ? 'array'
      : typeof value === 'number'
        ? Number.isInteger(value)
          ? 'integer'
          : 'number'
        : typeof value

/**
 * A schema inferred from the records: for JSON objects, each field of the first record with its type, and the label
 * field (named, or `label` when there is one).
 */
export function inferDatasetSchema(
  layout: RecordLayout,
  first: Uint8Array,
  options: { label?: string; classes?: number } = {},
): DatasetSchema {
  if (layout.format === 'tensor') {
    return {
      schema: SCHEMA_VERSION,
      format: 'tensor',
      width: layout.width,
      label: 'label',
      ...(options.classes ? { classes: options.classes } : {}),
    }
  }
  const value = JSON.parse(new TextDecoder().decode(first)) as unknown
  // The label: the one named, else a field called `label` when the records have one.
  const label = options.label ?? (value !== null && typeof value === 'object' && 'label' in value ? 'label' : undefined)
  const record =
    value !== null && typeof value === 'object' && !Array.isArray(value)
      ? {
          type: 'object',
          properties: Object.fromEntries(
            Object.entries(value).map(([k, v]) => [k, { type: jsonType(v) === 'integer' ? 'number' : jsonType(v) }]),
          ),
          required: Object.keys(value),
        }
      : { type: jsonType(value) === 'integer' ? 'number' : jsonType(value) }
  return {
    schema: SCHEMA_VERSION,
    format: 'jsonl',
    ...(label ? { label } : {}),
    ...(options.classes ? { classes: options.classes } : {}),
    record,
  }
}
