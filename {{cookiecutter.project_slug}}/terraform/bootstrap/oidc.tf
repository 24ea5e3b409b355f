# GitHub Actions signs in to AWS with short-lived OIDC tokens: no access keys exist anywhere.

locals {
  oidc_host = "token.actions.githubusercontent.com"

  # GitHub's `sub` claim names the repository. Repositories created since 2026-07-15 (and those that opt
  # in) qualify both names with their immutable IDs; older ones use the names alone. Each role trusts
  # exactly these two forms of this one repository.
  repository_subjects = [
    "repo:${var.github_owner}/${var.github_repo}",
    "repo:${var.github_owner}@${var.github_owner_id}/${var.github_repo}@${var.github_repository_id}",
  ]
  deploy_subjects = [for subject in local.repository_subjects : "${subject}:environment:${var.environment}"]
  # Read-only plans run for pull requests and, before an apply, for the main branch.
  plan_subjects = flatten([
    for subject in local.repository_subjects : ["${subject}:pull_request", "${subject}:ref:refs/heads/main"]
  ])

  oidc_provider_arn = var.create_oidc_provider ? aws_iam_openid_connect_provider.github[0].arn : data.aws_iam_openid_connect_provider.github[0].arn
}

resource "aws_iam_openid_connect_provider" "github" {
  count = var.create_oidc_provider ? 1 : 0

  url            = "https://${local.oidc_host}"
  client_id_list = ["sts.amazonaws.com"]
}

data "aws_iam_openid_connect_provider" "github" {
  count = var.create_oidc_provider ? 0 : 1

  url = "https://${local.oidc_host}"
}

# Each role trusts this provider, the STS audience and exactly its own subjects.
data "aws_iam_policy_document" "trust" {
  for_each = { deploy = local.deploy_subjects, plan = local.plan_subjects }

  statement {
    actions = ["sts:AssumeRoleWithWebIdentity"]

    principals {
      type        = "Federated"
      identifiers = [local.oidc_provider_arn]
    }

    condition {
      test     = "StringEquals"
      variable = "${local.oidc_host}:aud"
      values   = ["sts.amazonaws.com"]
    }

    # Deploy: jobs in the protected environment, which admits the main branch only. Plan: pull requests and main.
    condition {
      test     = "StringEquals"
      variable = "${local.oidc_host}:sub"
      values   = each.value
    }
  }
}

resource "aws_iam_role" "deploy" {
  name                 = var.deploy_role_name
  description          = "GitHub Actions on ${var.github_owner}/${var.github_repo} (${var.environment}): terraform apply and ECS deploys"
  assume_role_policy   = data.aws_iam_policy_document.trust["deploy"].json
  max_session_duration = {{ 10800 if cookiecutter.deployment_strategy == "canary" else 3600 }} # outlives the release job's wait for a {{ cookiecutter.deployment_strategy }} rollout
}

resource "aws_iam_role" "plan" {
  name                 = var.plan_role_name
  description          = "GitHub Actions on ${var.github_owner}/${var.github_repo} pull requests and main: read-only terraform plan"
  assume_role_policy   = data.aws_iam_policy_document.trust["plan"].json
  max_session_duration = 3600
}
