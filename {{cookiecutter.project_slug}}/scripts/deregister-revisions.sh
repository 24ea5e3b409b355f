#!/usr/bin/env bash
# Deregisters every ACTIVE revision of the service's task definition family: the ones the deploy pipeline
# registered, which `terraform destroy` does not own. Part of `make destroy`.
#
#   scripts/deregister-revisions.sh FAMILY
set -euo pipefail

family=${1:?usage: $0 FAMILY}
revisions=$(aws ecs list-task-definitions --family-prefix "$family" --status ACTIVE \
  --query 'taskDefinitionArns[]' --output text) || {
  echo "::error title=Listing task definitions failed::aws ecs list-task-definitions failed for $family (see above)" >&2
  exit 1
}
for revision in $revisions; do
  [ "$revision" != None ] || continue
  # The family prefix also matches longer names: deregister this family's revisions only.
  [[ "$revision" =~ /${family}:[0-9]+$ ]] || continue
  aws ecs deregister-task-definition --task-definition "$revision" --query 'taskDefinition.taskDefinitionArn' --output text
done
