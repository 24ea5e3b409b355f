#!/usr/bin/env bash
# Prints the -var argument that tells the bootstrap stack whether to create the account's GitHub OIDC
# identity provider or use the one it already has (an account holds one provider per URL, and creating
# a second fails with EntityAlreadyExists).
#
#   scripts/oidc-provider.sh auto|yes|no      (make bootstrap passes OIDC_PROVIDER, default auto)
#
# auto: keep managing a provider this stack created before; otherwise use the account's provider when
# it has one, and create it when it has none. Needs the AWS CLI and the administrator's credentials.
set -euo pipefail

host=token.actions.githubusercontent.com
terraform=${TERRAFORM:-terraform}
stack=terraform/bootstrap

decide() {
  echo "oidc-provider: $2" >&2
  printf -- '-var=create_oidc_provider=%s\n' "$1"
}

case ${1:-auto} in
  yes) decide true "creating the GitHub OIDC provider (OIDC_PROVIDER=yes)"; exit 0 ;;
  no) decide false "using the account's GitHub OIDC provider (OIDC_PROVIDER=no)"; exit 0 ;;
  auto) ;;
  *) echo "oidc-provider: OIDC_PROVIDER='$1' is not one of auto, yes, no." >&2; exit 64 ;;
esac

# What this stack manages decides first: a provider it created must never be given up (that would delete
# it). Not being able to read the state is therefore an error, never a "no".
if ! managed=$("$terraform" -chdir="$stack" state list 2>&1) && [[ "$managed" != *"No state file was found"* ]]; then
  echo "oidc-provider: cannot read the bootstrap stack's state, so cannot tell whether it manages the provider:" >&2
  printf 'oidc-provider:   %s\n' "$managed" >&2
  echo "oidc-provider: fix that (credentials, 'terraform init'), or run 'make bootstrap OIDC_PROVIDER=yes|no'." >&2
  exit 1
fi
if grep -qxF 'aws_iam_openid_connect_provider.github[0]' <<<"$managed"; then
  decide true "this stack created the GitHub OIDC provider; it keeps managing it"
  exit 0
fi
command -v aws >/dev/null 2>&1 || {
  echo "oidc-provider: the AWS CLI is needed to look for an existing GitHub OIDC provider; install it, or run" >&2
  echo "oidc-provider: 'make bootstrap OIDC_PROVIDER=no' (the account has one) or OIDC_PROVIDER=yes (it has none)." >&2
  exit 1
}
# shellcheck disable=SC2016 # the backticks are JMESPath literals
arns=$(aws iam list-open-id-connect-providers --query 'OpenIDConnectProviderList[].Arn' --output text) || {
  echo "oidc-provider: could not list the account's OIDC providers (see the error above); check your credentials." >&2
  exit 1
}
for arn in $arns; do
  if [ "${arn##*/}" = "$host" ]; then
    decide false "the account already has the GitHub OIDC provider ($arn); using it"
    exit 0
  fi
done
decide true "the account has no GitHub OIDC provider; creating it"
