#!/usr/bin/env bash
# Prints the Terraform outputs the deploy needs as name=value lines (for GITHUB_OUTPUT).
#
#   scripts/stack-outputs.sh DIR >> "$GITHUB_OUTPUT"
set -euo pipefail

dir=${1:?usage: $0 DIR}
terraform -chdir="$dir" init -input=false -backend-config=backend.hcl >&2
for name in service_url ecr_repository_url cluster_name service_name container_name task_definition_arn; do
  value=$(terraform -chdir="$dir" output -raw "$name") || {
    echo "::error title=Missing Terraform output::$name is not in the state; has 'terraform apply' run?" >&2
    exit 1
  }
  printf '%s=%s\n' "$name" "$value"
done
