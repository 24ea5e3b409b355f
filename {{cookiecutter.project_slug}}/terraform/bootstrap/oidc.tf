# GitHub Actions signs in to AWS with short-lived OIDC tokens: no access keys exist anywhere.

locals {
  oidc_host = "token.actions.githubusercontent.com"

  # GitHub's default subjects: the prefix GitHub reports for this repository (repo:OWNER@ID/REPO@ID for
  # repositories created since 2026-07-15, repo:OWNER/REPO before), then the job's context. A job in an
  # environment presents the environment and not its branch, so the deploy role also requires the token's
  # ref claim (condition keys STS takes from GitHub's tokens since 2026): a job of another branch that
  # runs in the environment is refused.
  deploy_subjects = ["${var.github_subject_prefix}:environment:${var.environment}"]
  # Read-only plans run for pull requests and, before an apply, for the main branch.
  plan_subjects = ["${var.github_subject_prefix}:pull_request", "${var.github_subject_prefix}:ref:refs/heads/main"]
  # Each role's conditions besides the audience, all StringEquals.
  trust_conditions = {
    deploy = {
      sub           = local.deploy_subjects
      ref           = ["refs/heads/main"]
      repository_id = [var.github_repository_id]
    }
    plan = {
      sub           = local.plan_subjects
      repository_id = [var.github_repository_id]
    }
  }

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
# Each role trusts this provider, the STS audience, this repository by its ID and exactly its own subjects;
# the deploy role, jobs of main only.
data "aws_iam_policy_document" "trust" {
  for_each = local.trust_conditions

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

    dynamic "condition" {
      for_each = each.value

      content {
        test     = "StringEquals"
        variable = "${local.oidc_host}:${condition.key}"
        values   = condition.value
      }
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
  description          = "GitHub Actions on ${var.github_owner}/${var.github_repo} pull requests and main: read-only terraform plan of ${var.environment}"
  assume_role_policy   = data.aws_iam_policy_document.trust["plan"].json
  max_session_duration = 3600
}
