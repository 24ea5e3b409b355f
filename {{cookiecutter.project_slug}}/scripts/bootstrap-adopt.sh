#!/usr/bin/env bash
# Adopts into the bootstrap's state what projects rendered before the bootstrap owned them kept in the
# service stack: the service's roles and the logs' KMS key with its alias. Run once, with administrator
# credentials, after the template update and before `make bootstrap` (docs/updating.md).
#
#   scripts/bootstrap-adopt.sh [-var=... ...]     (make bootstrap-adopt passes the bootstrap's variables)
#
# Each one that exists in the account and is not yet in the bootstrap's state is imported; for each other
# one a line says why it is skipped. The service stack's `removed` blocks make its next apply forget them
# without deleting them. Needs the AWS CLI.
set -euo pipefail

project="{{ cookiecutter.project_slug }}"
terraform=${TERRAFORM:-terraform}
stack=terraform/bootstrap
variables=("$@")

if ! managed=$("$terraform" -chdir="$stack" state list 2>&1) && [[ "$managed" != *"No state file was found"* ]]; then
  echo "bootstrap-adopt: cannot read the bootstrap's state: ${managed//$'\n'/ }" >&2
  exit 1
fi

adopt() {
  local address=$1 id=$2
  if grep -qxF "$address" <<<"$managed"; then
    echo "bootstrap-adopt: $address is the bootstrap's already"
  elif [ -z "$id" ] || [ "$id" = None ]; then
    echo "bootstrap-adopt: $address does not exist in the account; make bootstrap creates it"
  else
    echo "bootstrap-adopt: importing $id as $address"
    "$terraform" -chdir="$stack" import -input=false "${variables[@]}" "$address" "$id"
  fi
}

for role in execution task flow-logs{% if cookiecutter.deployment_strategy == "canary" %} ecs-load-balancing{% endif %}; do
  name=$(aws iam get-role --role-name "$project-$role" --query Role.RoleName --output text 2>/dev/null || true)
  adopt "aws_iam_role.service[\"$role\"]" "$name"
done
key=$(aws kms describe-key --key-id "alias/$project-logs" --query KeyMetadata.KeyId --output text 2>/dev/null || true)
adopt aws_kms_key.logs "$key"
adopt aws_kms_alias.logs "$([ -n "$key" ] && [ "$key" != None ] && echo "alias/$project-logs")"
