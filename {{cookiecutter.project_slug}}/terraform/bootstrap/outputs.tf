output "deploy_role_arn" {
  description = "Role for main-branch jobs in the protected environment (the template's aws_oidc_role_arn)."
  value       = aws_iam_role.deploy.arn
}

output "plan_role_arn" {
  description = "Read-only role for pull-request plans (the template's aws_plan_role_arn)."
  value       = aws_iam_role.plan.arn
}

output "state_bucket" {
  description = "S3 bucket of the Terraform state (backend.hcl: bucket)."
  value       = var.state_bucket
}

output "state_kms_key_arn" {
  description = "KMS key encrypting the state."
  value       = local.state_key_arn
}

output "logs_kms_key_arn" {
  description = "KMS key of the service's log groups and alarm topic (the service stack finds it by its alias)."
  value       = aws_kms_key.logs.arn
}

output "oidc_provider_arn" {
  description = "GitHub OIDC identity provider of the account."
  value       = local.oidc_provider_arn
}

output "trusted_subjects" {
  description = "OIDC subjects each role trusts (both also require the token's repository_id, the deploy role its ref refs/heads/main); compare with a failing job's subject when AssumeRoleWithWebIdentity is refused."
  value       = { deploy = local.deploy_subjects, plan = local.plan_subjects }
}

output "ecr_repository_url" {
  description = "Image repository of the service (the release job pushes to it)."
  value       = local.image_repository_url
}
