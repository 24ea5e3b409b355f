#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Makes `terraform validate`, `terraform test`, actionlint, syft and grype work on this machine, registry or not.
#
#   eval "$(scripts/terraform-toolchain.sh)"
#
# Progress goes to stderr; stdout carries only `export NAME=value` lines (PATH, TF_BIN,
# TF_CLI_CONFIG_FILE, TF_PLUGIN_CACHE_DIR). Idempotent: a second run checks and reuses what the first
# built, and takes seconds. Versions come from scripts/toolchain.env.
#
# Provider source (TOOLCHAIN_PROVIDER_SOURCE):
#   auto      use the Terraform registry when it answers, else build the mirror (default)
#   mirror    build hashicorp/aws from its Go module into a local filesystem mirror
#   registry  use the registry as usual; only the plugin cache is configured
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=toolchain.env
source "$here/toolchain.env"

home=${TOOLCHAIN_HOME:-${XDG_CACHE_HOME:-$HOME/.cache}/cookiecutter-fastapi-fargate}
source_mode=${TOOLCHAIN_PROVIDER_SOURCE:-auto}
bin_dir=$home/bin
mirror_dir=$home/provider-mirror
plugin_cache=$home/plugin-cache
cli_config=$home/terraform.rc
export GOCACHE=$home/go-build GOFLAGS=-mod=readonly

log() { printf '[toolchain] %s\n' "$*" >&2; }
die() { printf '[toolchain] ERROR: %s\n' "$*" >&2; exit 1; }

# True when version $1 >= version $2 (dotted numbers, optional leading v).
version_at_least() {
  [ "$(printf '%s\n%s\n' "${2#v}" "${1#v}" | sort -V | head -n 1)" = "${2#v}" ]
}

# The version a terraform or tofu binary reports, e.g. 1.11.4.
cli_version() {
  "$1" version 2>/dev/null | sed -n '1s/^[A-Za-z]* v\([0-9][0-9.]*\).*/\1/p'
}

elapsed() { printf '%dm%02ds' $((SECONDS / 60)) $((SECONDS % 60)); }

# The directory of a module version in the module cache, downloading (and checksum-verifying) it.
module_dir() {
  go mod download -json "$1@$2" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p'
}

# Builds package $2 of the module at directory $1 into $3, printing progress every PROGRESS_EVERY (100)
# packages. `go build -v` names each package it compiles, the standard library's included (GOCACHE is this
# toolchain's own), so the total counts every dependency; cached packages are skipped and not named.
build_with_progress() {
  local dir=$1 package=$2 output=$3 ldflags=$4 label=$5 total built=0 started=$SECONDS every=${PROGRESS_EVERY:-100}
  total=$(go list -C "$dir" -deps -f '{{.ImportPath}}' "$package" | grep -c .)
  log "$label: compiling up to $total packages (cached ones are skipped)"
  local timing=() rss_file
  rss_file=$(mktemp)
  if [ -x /usr/bin/time ]; then timing=(/usr/bin/time -f '%M' -o "$rss_file"); fi
  "${timing[@]}" go build -C "$dir" -v -trimpath -ldflags "$ldflags" -o "$output" "$package" 2>&1 |
    while IFS= read -r line; do
      case $line in
        *:*) printf '%s\n' "$line" >&2 ;;  # compiler messages, never package names
        *) built=$((built + 1)); [ $((built % every)) -ne 0 ] || log "$label: $built/$total packages ($(elapsed))" ;;
      esac
    done
  [ "${PIPESTATUS[0]}" -eq 0 ] || die "$label: go build failed (see the messages above)"
  local peak=""
  [ ! -s "$rss_file" ] || peak=", peak RSS $(($(tail -n 1 "$rss_file") / 1024)) MiB"
  rm -f "$rss_file"
  log "$label: built in $((SECONDS - started)) s$peak, $(du -h "$output" | cut -f1)"
}

# A Terraform CLI new enough for the rendered stacks: TF_BIN, terraform or tofu on PATH, or OpenTofu
# built from its Go module.
find_or_build_cli() {
  local candidate version
  for candidate in ${TF_BIN:-} terraform tofu "$bin_dir/tofu"; do
    candidate=$(command -v "$candidate" 2>/dev/null) || continue
    version=$(cli_version "$candidate")
    if [ -n "$version" ] && version_at_least "$version" "$TERRAFORM_MIN_VERSION"; then
      log "CLI: $candidate ($version)"
      printf '%s\n' "$candidate"
      return
    fi
    log "CLI: $candidate is $version, older than $TERRAFORM_MIN_VERSION; skipping it"
  done
  [ -z "${TF_BIN:-}" ] || die "TF_BIN=$TF_BIN is not a Terraform/OpenTofu CLI >= $TERRAFORM_MIN_VERSION"
  log "CLI: none >= $TERRAFORM_MIN_VERSION found; building OpenTofu $OPENTOFU_VERSION from source"
  local dir
  dir=$(module_dir "$OPENTOFU_MODULE" "$OPENTOFU_VERSION") || die "could not download $OPENTOFU_MODULE@$OPENTOFU_VERSION"
  # dev=no drops the -dev suffix a source build reports, as OpenTofu's own release build does.
  build_with_progress "$dir" ./cmd/tofu "$bin_dir/tofu" "-s -w -X github.com/opentofu/opentofu/version.dev=no" "OpenTofu"
  printf '%s\n' "$bin_dir/tofu"
}

registry_reachable() {
  command -v curl >/dev/null && curl -fsS --max-time 5 -o /dev/null https://registry.terraform.io/.well-known/terraform.json 2>/dev/null
}

# Builds hashicorp/aws into an unpacked filesystem mirror, under both registry host names
# (terraform resolves hashicorp/aws on registry.terraform.io, tofu on registry.opentofu.org).
build_provider_mirror() {
  local platform target binary stamp
  platform=$(go env GOOS)_$(go env GOARCH)
  target=$mirror_dir/registry.terraform.io/hashicorp/aws/$AWS_PROVIDER_VERSION/$platform
  binary=$target/terraform-provider-aws_v${AWS_PROVIDER_VERSION}_x5
  stamp="$AWS_PROVIDER_MODULE@$AWS_PROVIDER_PSEUDO_VERSION"
  if [ -x "$binary" ] && [ "$(cat "$target/.source" 2>/dev/null)" = "$stamp" ]; then
    log "provider: hashicorp/aws $AWS_PROVIDER_VERSION already built ($stamp)"
  else
    log "provider: building hashicorp/aws $AWS_PROVIDER_VERSION from $stamp (the first build takes a long time)"
    local dir
    dir=$(module_dir "$AWS_PROVIDER_MODULE" "$AWS_PROVIDER_PSEUDO_VERSION") || die "could not download $stamp"
    mkdir -p "$target"
    build_with_progress "$dir" . "$binary.tmp" \
      "-s -w -X $AWS_PROVIDER_MODULE/version.ProviderVersion=$AWS_PROVIDER_VERSION" "hashicorp/aws"
    mv "$binary.tmp" "$binary"
    printf '%s\n' "$stamp" >"$target/.source"
  fi
  # Mirror scans do not follow symlinked directories: give OpenTofu real ones and a hard link.
  local tofu_target=$mirror_dir/registry.opentofu.org/hashicorp/aws/$AWS_PROVIDER_VERSION/$platform
  mkdir -p "$tofu_target"
  ln -f "$binary" "$tofu_target/" 2>/dev/null || cp -f "$binary" "$tofu_target/"
}

write_cli_config() {
  local mirrored=$1
  {
    printf '# Written by scripts/terraform-toolchain.sh; rewritten on every run.\n'
    printf 'plugin_cache_dir = "%s"\n' "$plugin_cache"
    printf '# Lets the cache serve providers the lock file has not recorded yet (fresh test directories).\n'
    printf 'plugin_cache_may_break_dependency_lock_file = true\n'
    if [ "$mirrored" = yes ]; then
      printf '\nprovider_installation {\n'
      printf '  filesystem_mirror {\n    path    = "%s"\n' "$mirror_dir"
      printf '    include = ["registry.terraform.io/hashicorp/aws", "registry.opentofu.org/hashicorp/aws"]\n  }\n'
      printf '  direct {\n    exclude = ["registry.terraform.io/hashicorp/aws", "registry.opentofu.org/hashicorp/aws"]\n  }\n}\n'
    fi
  } >"$cli_config"
}

# Installs a Go command ($1, from package $2 of a module at version $3) into bin_dir with `go install`, unless
# the binary there was built from that module version (`go version -m` reads it from the binary itself).
install_go_tool() {
  local name=$1 package=$2 version=$3 built
  built=$(go version -m "$bin_dir/$name" 2>/dev/null | awk '$1 == "mod" { print $3; exit }' || true)
  if [ "$built" = "$version" ]; then
    log "$name: $version already installed"
    return
  fi
  log "$name: installing $version (the first build takes minutes)"
  GOBIN=$bin_dir go install -trimpath -ldflags "-s -w" "$package@$version" ||
    die "could not install $package@$version from the Go module proxy"
}

# Builds tests/scanner/grypedb (the suite's writer of grype databases) into bin_dir, unless the binary there
# was built from the same sources (a stamp beside it holds their sha256).
build_grype_testdb() {
  local source=$here/../tests/scanner/grypedb stamp
  stamp=$(cat "$source/go.mod" "$source/go.sum" "$source"/*.go | sha256sum | cut -d ' ' -f 1)
  if [ -x "$bin_dir/grypedb" ] && [ "$(cat "$bin_dir/grypedb.stamp" 2>/dev/null)" = "$stamp" ]; then
    log "grypedb: up to date"
    return
  fi
  log "grypedb: building tests/scanner/grypedb"
  go build -C "$source" -trimpath -ldflags "-s -w" -o "$bin_dir/grypedb" . ||
    die "could not build tests/scanner/grypedb (its modules come from the Go module proxy)"
  echo "$stamp" > "$bin_dir/grypedb.stamp"
}

main() {
  command -v go >/dev/null || die "Go is required to build the toolchain; install it (https://go.dev/doc/install) and re-run"
  mkdir -p "$bin_dir" "$mirror_dir" "$plugin_cache" "$GOCACHE"
  if command -v flock >/dev/null; then
    exec 9>"$home/.lock"
    flock 9  # one build at a time when several shells prepare at once
  fi

  local cli mirrored=no
  cli=$(find_or_build_cli)
  case $source_mode in
    registry) ;;
    mirror) mirrored=yes ;;
    auto)
      if registry_reachable; then
        log "provider: registry.terraform.io answers; providers come from the registry"
      else
        log "provider: registry.terraform.io is unreachable; using the local mirror"
        mirrored=yes
      fi
      ;;
    *) die "TOOLCHAIN_PROVIDER_SOURCE=$source_mode: use auto, mirror or registry" ;;
  esac
  [ "$mirrored" = no ] || build_provider_mirror
  write_cli_config "$mirrored"
  install_go_tool actionlint "$ACTIONLINT_MODULE" "$ACTIONLINT_VERSION"
  install_go_tool syft "$SYFT_MODULE" "$SYFT_VERSION"
  install_go_tool grype "$GRYPE_MODULE" "$GRYPE_VERSION"
  build_grype_testdb
  log "ready in $(elapsed)"

  printf 'export PATH=%q\n' "$bin_dir:$(dirname "$cli"):$PATH"
  printf 'export TF_BIN=%q\n' "$cli"
  printf 'export TF_CLI_CONFIG_FILE=%q\n' "$cli_config"
  printf 'export TF_PLUGIN_CACHE_DIR=%q\n' "$plugin_cache"
}

# Sourcing the script (the template's tests do) defines its functions without running it.
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  main "$@"
fi
