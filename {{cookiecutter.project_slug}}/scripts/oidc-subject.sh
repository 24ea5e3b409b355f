#!/usr/bin/env bash
# Prints the OIDC subject GitHub gives this job (not the token): what a role's trust policy must name.
#
#   scripts/oidc-subject.sh     # in a job with `permissions: id-token: write`
#
# The workflow runs it when signing in to AWS fails, so that the subject the job presented can be
# compared with `terraform -chdir=terraform/bootstrap output trusted_subjects` (docs/runbook.md, Bootstrap).
set -euo pipefail

if [ -z "${ACTIONS_ID_TOKEN_REQUEST_URL:-}" ] || [ -z "${ACTIONS_ID_TOKEN_REQUEST_TOKEN:-}" ]; then
  echo "oidc-subject: this job cannot request an OIDC token (it needs 'permissions: id-token: write')." >&2
  exit 1
fi
response=$(curl --silent --show-error --fail --max-time 30 --retry 2 \
  -H "Authorization: bearer $ACTIONS_ID_TOKEN_REQUEST_TOKEN" \
  "$ACTIONS_ID_TOKEN_REQUEST_URL&audience=sts.amazonaws.com") || {
  echo "oidc-subject: GitHub refused this job an OIDC token." >&2
  exit 1
}
# The token's middle part is base64url JSON; only its sub claim is printed.
python3 -c '
import base64, json, sys
token = json.loads(sys.stdin.read())["value"]
payload = token.split(".")[1]
print(json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))["sub"])
' <<<"$response"
