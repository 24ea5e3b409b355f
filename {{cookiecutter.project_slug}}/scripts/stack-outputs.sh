#!/usr/bin/env bash
# Prints the Terraform outputs the release needs as name=value lines (for GITHUB_OUTPUT).
#
#   scripts/stack-outputs.sh DIR [BACKEND_CONFIG] >> "$GITHUB_OUTPUT"
#
# BACKEND_CONFIG names the environment's backend file in DIR (backend.hcl, production's, by default).
# Reads `terraform output -json`: Terraform before 1.15.2 prints warnings (such as the deprecation of the
# S3 backend's dynamodb_table) on stdout ahead of the JSON, so only the JSON document is parsed.
set -euo pipefail

dir=${1:?usage: $0 DIR [BACKEND_CONFIG]}
backend=${2:-backend.hcl}
names=(service_url dashboard_url cluster_name service_name container_name task_definition_arn deployment_timeout_seconds
  smoke_requests_per_minute{% if cookiecutter.database == 'postgres' %} migration_task_definition_arn migration_container_name migration_network{% endif %})

terraform -chdir="$dir" init -input=false -backend-config="$backend" >&2
raw=$(terraform -chdir="$dir" output -json) || {
  echo "::error title=Reading Terraform outputs failed::terraform output failed in $dir (see above)" >&2
  exit 1
}
json=$(sed -n '/^{/,$p' <<<"$raw")
for name in "${names[@]}"; do
  value=$(jq -er --arg name "$name" '.[$name].value | select(type == "string")' <<<"$json" 2>/dev/null) || {
    echo "::error title=Missing Terraform output::$name is not in the state of $dir; has 'terraform apply' run?" >&2
    exit 1
  }
  printf '%s=%s\n' "$name" "$value"
done
