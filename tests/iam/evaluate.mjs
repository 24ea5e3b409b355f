// Evaluates AWS requests against IAM policies with @cloud-copilot/iam-simulate, an implementation of
// AWS's documented policy evaluation logic (identity, resource, session and boundary policies; every
// condition operator; KMS key policies that must allow IAM before IAM policies count).
//
// stdin:  {"requests": [{"id", "principal", "action", "resource", "accountId", "context",
//                        "identityPolicies": [{"name", "policy"}], "permissionBoundaries": [{"name", "policy"}],
//                        "resourcePolicy", "unvalidated"}]}
// stdout: {"results": [{"id", "decision", "grants", "denials", "ignoredContextKeys", "errors"}]}
//
// The validated entry point (runSimulation) drops context keys its service data does not list for the
// action. That data lacks the standard OIDC claim keys (`token.actions.githubusercontent.com:sub` and
// `:aud`) that AWS puts in the context of sts:AssumeRoleWithWebIdentity, so a request marked
// unvalidated is authorized by the same engine with its context exactly as given.
import { getDenialReasons, getGrantReasons, runSimulation } from '@cloud-copilot/iam-simulate'

const packages = new URL('./node_modules/@cloud-copilot/', import.meta.url)
const internal = (path) => import(new URL(path, packages))

async function simulateUnvalidated(request) {
  const { loadPolicy } = await internal('iam-policy/dist/esm/index.js')
  const { authorize } = await internal('iam-simulate/dist/esm/core_engine/CoreSimulatorEngine.js')
  const { AwsRequestImpl } = await internal('iam-simulate/dist/esm/request/request.js')
  const { RequestContextImpl } = await internal('iam-simulate/dist/esm/requestContext.js')
  const { DiscoveryContextKeyConstraints } = await internal(
    'iam-simulate/dist/esm/context_keys/discoveryContextKeyConstraints.js'
  )
  const awsRequest = new AwsRequestImpl(
    request.principal,
    { resource: request.resource, accountId: request.accountId },
    request.action,
    new RequestContextImpl(request.context ?? {})
  )
  const analysis = authorize({
    request: awsRequest,
    sessionPolicy: undefined,
    identityPolicies: (request.identityPolicies ?? []).map((p) => loadPolicy(p.policy, { name: p.name })),
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    resourcePolicy: request.resourcePolicy ? loadPolicy(request.resourcePolicy, { name: 'resource policy' }) : undefined,
    permissionBoundaries: request.permissionBoundaries?.length
      ? request.permissionBoundaries.map((p) => loadPolicy(p.policy, { name: p.name }))
      : undefined,
    vpcEndpointPolicies: undefined,
    simulationParameters: {
      simulationMode: 'Strict',
      discoveryContextKeyConstraints: new DiscoveryContextKeyConstraints([])
    },
    serviceSettings: { s3: {} }
  })
  return {
    decision: analysis.result,
    grants: getGrantReasons(analysis),
    denials: getDenialReasons(analysis),
    ignoredContextKeys: []
  }
}

async function simulate(request) {
  const simulation = {
    request: {
      principal: request.principal,
      action: request.action,
      resource: { resource: request.resource, accountId: request.accountId },
      contextVariables: request.context ?? {}
    },
    identityPolicies: request.identityPolicies ?? [],
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    resourcePolicy: request.resourcePolicy ?? undefined,
    permissionBoundaryPolicies: request.permissionBoundaries?.length ? request.permissionBoundaries : undefined
  }
  const outcome = await runSimulation(simulation, { simulationMode: 'Strict' })
  if (outcome.resultType === 'error') {
    return { decision: 'Error', errors: outcome.errors }
  }
  const analyses = outcome.resultType === 'single' ? [outcome.result] : outcome.results
  return {
    decision: outcome.overallResult,
    grants: analyses.flatMap((result) => getGrantReasons(result.analysis)),
    denials: analyses.flatMap((result) => getDenialReasons(result.analysis)),
    ignoredContextKeys: [...new Set(analyses.flatMap((result) => result.ignoredContextKeys ?? []))]
  }
}

const chunks = []
for await (const chunk of process.stdin) chunks.push(chunk)
const { requests } = JSON.parse(Buffer.concat(chunks).toString('utf8'))
const results = []
for (const request of requests) {
  const result = request.unvalidated ? await simulateUnvalidated(request) : await simulate(request)
  results.push({ id: request.id, ...result })
}
process.stdout.write(JSON.stringify({ results }))
