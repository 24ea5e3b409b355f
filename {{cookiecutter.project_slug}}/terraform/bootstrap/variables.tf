variable "project" {
  description = "Project slug; the main stack names its resources after it."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9]*(-[a-z0-9]+)*$", var.project)) && length(var.project) <= 32
    error_message = "The project must be at most 32 lowercase letters, digits and single hyphens, starting with a letter."
  }
}

variable "environment" {
  description = "GitHub environment whose jobs may assume the deploy role."
  type        = string
  default     = "production"
}

variable "aws_region" {
  description = "Region of the state bucket and of the main stack."
  type        = string
}

variable "github_owner" {
  description = "GitHub organisation or user owning the repository."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9](-?[A-Za-z0-9]){0,38}$", var.github_owner))
    error_message = "The github_owner must be a GitHub organisation or user name."
  }
}

variable "github_repo" {
  description = "GitHub repository name."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9._-]{1,100}$", var.github_repo))
    error_message = "The github_repo must be a GitHub repository name."
  }
}

variable "github_owner_id" {
  description = "Numeric ID of the owner. Repositories created since July 2026 put IDs in their OIDC subject (repo:OWNER@ID/REPO@ID:...); give both IDs to trust that form too. `make bootstrap` looks them up with the gh CLI."
  type        = string
  default     = ""

  validation {
    condition     = can(regex("^[0-9]*$", var.github_owner_id))
    error_message = "The github_owner_id must be the owner's numeric ID (gh api users/OWNER --jq .id), or empty."
  }
}

variable "github_repository_id" {
  description = "Numeric ID of the repository (gh api repos/OWNER/REPO --jq .id); see github_owner_id."
  type        = string
  default     = ""

  validation {
    condition     = can(regex("^[0-9]*$", var.github_repository_id))
    error_message = "The github_repository_id must be the repository's numeric ID, or empty."
  }

  validation {
    condition     = (var.github_repository_id == "") == (var.github_owner_id == "")
    error_message = "Give both github_owner_id and github_repository_id, or neither."
  }
}

variable "create_oidc_provider" {
  description = "Create the account's GitHub OIDC identity provider. An account has at most one; set false when it exists already."
  type        = bool
  default     = true
}

variable "deploy_role_name" {
  description = "Role GitHub Actions assumes on main (environment jobs) to apply Terraform and deploy."
  type        = string
}

variable "plan_role_name" {
  description = "Read-only role GitHub Actions assumes to plan pull requests and the main branch."
  type        = string
}

variable "state_bucket" {
  description = "Name of the S3 bucket holding the Terraform state."
  type        = string
}

variable "state_key_prefix" {
  description = "Key prefix of the main stack's state objects; the pipeline roles reach nothing else in the bucket."
  type        = string
}

variable "noncurrent_state_days" {
  description = "Days an overwritten state version is kept before it expires."
  type        = number
  default     = 90
}
