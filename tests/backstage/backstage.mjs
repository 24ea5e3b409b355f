// Backstage's own code, from the pinned packages of package.json, for the template's tests:
//
//   load    the YAML documents of a file, parsed as the catalog parses them (the `yaml` package)
//   entity  each document of a file through the catalog's entity policies and kind validators
//           (@backstage/catalog-model; the Template kind's schema from @backstage/plugin-scaffolder-common),
//           and its spec.owner resolved as the catalog resolves it into an ownedBy relation
//   form    a template's parameter pages compiled as draft-07 JSON Schema with Ajv, strictly (unknown
//           keywords are errors), and each case of form data checked against every page
//   steps   a template's step inputs rendered from form data as the scaffolder renders them (nunjitsu,
//           the scaffolder backend's templating engine); with a workspace, the real fetch:cookiecutter
//           action then runs the fetch step, its input first validated against the action's schema, its
//           temporary directories made in the given scratch directory
//
// stdin: {"command": "...", ...}; stdout: the answer as JSON. A failure exits non-zero with its message.
import { mkdtemp, readFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'

import {
  DefaultNamespaceEntityPolicy,
  EntityPolicies,
  FieldFormatEntityPolicy,
  KubernetesValidatorFunctions,
  NoForeignRootFieldsEntityPolicy,
  SchemaValidEntityPolicy,
  componentEntityV1alpha1Validator,
  parseEntityRef,
  stringifyEntityRef,
} from '@backstage/catalog-model'
import { templateEntityV1beta3Validator } from '@backstage/plugin-scaffolder-common'
import Ajv from 'ajv'
import { validate as validateJsonSchema } from 'jsonschema'
import { createTemplateRenderer } from 'nunjitsu'
import { parseAllDocuments } from 'yaml'

// The catalog backend's default policies, in its order, then the kinds this repository declares.
const entityPolicies = EntityPolicies.allOf([
  new SchemaValidEntityPolicy(),
  new DefaultNamespaceEntityPolicy(),
  new NoForeignRootFieldsEntityPolicy(),
  new FieldFormatEntityPolicy(),
])
const kindValidators = [componentEntityV1alpha1Validator, templateEntityV1beta3Validator]

// Keywords the scaffolder's form (react-jsonschema-form) and Backstage read beside JSON Schema. Any other
// unknown keyword is a typo that JSON Schema would silently ignore, so Ajv's strict mode refuses it.
const FORM_KEYWORDS = ['ui:autofocus', 'ui:field', 'ui:help', 'ui:options', 'backstage:permissions', 'when']

async function loadDocuments(file) {
  return parseAllDocuments(await readFile(file, 'utf8')).map((document) => {
    if (document.errors.length) {
      throw new Error(`${file}: ${document.errors.map((error) => error.message).join('; ')}`)
    }
    return document.toJSON()
  })
}

// The owner as the catalog's relation processing reads it (a Group unless the reference names a kind, in
// the entity's namespace unless it names one), and whether an entity could have that reference: Components
// and Templates may be owned by a Group or a User, whose names follow the catalog's naming rules.
function ownerOf(entity) {
  const ref = parseEntityRef(entity.spec.owner, { defaultKind: 'Group', defaultNamespace: entity.metadata.namespace })
  const problems = []
  if (!['group', 'user'].includes(ref.kind.toLocaleLowerCase('en-US'))) {
    problems.push(`an owner must be a Group or a User, not a ${ref.kind}`)
  }
  if (!KubernetesValidatorFunctions.isValidNamespace(ref.namespace)) {
    problems.push(`no entity can be in the namespace ${JSON.stringify(ref.namespace)}`)
  }
  if (!KubernetesValidatorFunctions.isValidObjectName(ref.name)) {
    problems.push(`no entity can be named ${JSON.stringify(ref.name)}`)
  }
  return { ref: stringifyEntityRef(ref), problems }
}

async function checkEntity(entity) {
  try {
    const accepted = await entityPolicies.enforce(entity)
    const kinds = await Promise.all(kindValidators.map((validator) => validator.check(accepted)))
    if (!kinds.includes(true)) {
      return { error: `no kind validator accepts ${entity.apiVersion} ${entity.kind}` }
    }
    return { entity: accepted, owner: ownerOf(accepted) }
  } catch (error) {
    return { error: String(error.message ?? error) }
  }
}

async function entity({ file }) {
  return { documents: await Promise.all((await loadDocuments(file)).map(checkEntity)) }
}

function pageValidators(template) {
  const ajv = new Ajv({ allErrors: true, strict: true, strictTypes: false, strictTuples: false })
  ajv.addVocabulary(FORM_KEYWORDS)
  return template.spec.parameters.map((page) => ({ title: page.title, validate: ajv.compile(page) }))
}

async function form({ file, cases }) {
  const [template] = await loadDocuments(file)
  const pages = pageValidators(template)
  const errors = {}
  for (const [name, data] of Object.entries(cases)) {
    errors[name] = pages.flatMap(({ title, validate }) =>
      validate(data) ? [] : validate.errors.map((e) => `${title}: ${e.instancePath || '/'} ${e.message}`))
  }
  return { errors }
}

// As the scaffolder's workflow runner renders a step's input: every string through the renderer, a value
// the renderer refuses kept as written, and undefined results dropped by the JSON round trip.
function renderInput(renderer, input, context) {
  return JSON.parse(JSON.stringify(input ?? {}), (_key, value) => {
    if (typeof value !== 'string') {
      return value
    }
    try {
      return renderer.renderValue(value, context, { coercion: 'json' })
    } catch {
      return value
    }
  })
}

async function runFetch(file, input, workspace, scratch) {
  // Imported here: the scaffolder backend's modules take longer to load than everything else together.
  const { createFetchCookiecutterAction } = await import('@backstage/plugin-scaffolder-backend-module-cookiecutter')
  const action = createFetchCookiecutterAction({ reader: undefined, integrations: undefined })
  const validation = validateJsonSchema(input, action.schema.input)
  if (!validation.valid) {
    throw new Error(`fetch:cookiecutter refuses its input: ${validation.errors.join('; ')}`)
  }
  const log = []
  const logger = { info: (m) => log.push(String(m)), warn: (m) => log.push(String(m)), error: (m) => log.push(String(m)) }
  try {
    await action.handler({
      input,
      workspacePath: workspace,
      // A template registered from a local file: the action resolves a relative url against its directory.
      templateInfo: { baseUrl: `file://${resolve(file)}` },
      logger,
      createTemporaryDirectory: () => mkdtemp(join(scratch, 'fetch-cookiecutter-')),
    })
  } catch (error) {
    throw new Error(`fetch:cookiecutter failed: ${error.message}\n${log.join('')}`)
  }
}

async function steps({ file, parameters, workspace, scratch }) {
  const [template] = await loadDocuments(file)
  const renderer = createTemplateRenderer({ allowRegexExecution: true })
  const inputs = {}
  for (const step of template.spec.steps) {
    inputs[step.id] = renderInput(renderer, step.input, { parameters, steps: {} })
  }
  if (workspace) {
    const fetchStep = template.spec.steps.find((step) => step.action === 'fetch:cookiecutter')
    await runFetch(file, inputs[fetchStep.id], workspace, scratch)
  }
  return { inputs }
}

const commands = {
  load: async ({ file }) => ({ documents: await loadDocuments(file) }),
  entity,
  form,
  steps,
}

const chunks = []
for await (const chunk of process.stdin) {
  chunks.push(chunk)
}
const request = JSON.parse(Buffer.concat(chunks).toString('utf8'))
process.stdout.write(JSON.stringify(await commands[request.command](request)))
