variable "project" {
  description = "Project slug; the main stack names its resources after it."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9]*(-[a-z0-9]+)*$", var.project)) && length(var.project) <= 32
    error_message = "The project must be at most 32 lowercase letters, digits and single hyphens, starting with a letter."
  }
}

variable "environment" {
  description = "The environment this bootstrap serves: the GitHub environment whose jobs may assume its deploy role, and the service stack's environment its roles may change. Each environment is bootstrapped on its own (make bootstrap does them all)."
  type        = string
  default     = "production"

  validation {
    condition     = can(regex("^[a-z][a-z0-9]{1,11}$", var.environment)) && contains(var.environments, var.environment)
    error_message = "The environment must be 2 to 12 lowercase letters or digits, starting with a letter, and one of environments."
  }
}

variable "environments" {
  description = "Every environment of the project, in release order. Production's roles are refused what the others' names would otherwise share with its own."
  type        = list(string)
  default     = ["production"]
}

variable "shared_resources" {
  description = "Create what the project's environments in this account share: the state bucket and its key, the lock table and the image repository. True for the environment bootstrapped first (production: its state already holds them); the others find them by name."
  type        = bool
  default     = true
}

variable "push_images" {
  description = "The deploy role pushes and tags images: true in the environment a release reaches first. The others deploy the digest it pushed and may only read the repository."
  type        = bool
  default     = true
}

variable "aws_account_id" {
  description = "The AWS account this environment lives in. Terraform refuses credentials of any other account, so that one environment's bootstrap is never applied into another's account."
  type        = string

  validation {
    condition     = can(regex("^[0-9]{12}$", var.aws_account_id))
    error_message = "The aws_account_id must be a 12-digit AWS account ID."
  }
}

variable "image_account_id" {
  description = "The account of the image repository when it is not this one (production in an account of its own: the account of the environment that pushes). Null: the repository is in this account."
  type        = string
  default     = null

  validation {
    condition     = var.image_account_id == null || can(regex("^[0-9]{12}$", var.image_account_id))
    error_message = "The image_account_id must be a 12-digit AWS account ID, or null."
  }
}

variable "image_readers" {
  description = "Roles of other accounts that may read this account's image repository: production's deploy role (which checks the digest it deploys) and execution role (which pulls it) when production has an account of its own. They may read images, never push or delete them; they need not exist yet (the policy names their account and matches them by aws:PrincipalArn)."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for role in var.image_readers : can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/[A-Za-z0-9+=,.@_-]{1,64}$", role))])
    error_message = "Each of image_readers must be an IAM role ARN (arn:aws:iam::<account>:role/<name>)."
  }
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

variable "github_subject_prefix" {
  description = "How GitHub names this repository in its OIDC subjects: repo:OWNER/REPO, or repo:OWNER@ID/REPO@ID for repositories created since 2026-07-15 (or opted in). `make bootstrap` reads it from GitHub (scripts/github-oidc.sh): create the repository first."
  type        = string

  validation {
    condition     = can(regex("^repo:[A-Za-z0-9-]+(@[1-9][0-9]*/[A-Za-z0-9._-]+@[1-9][0-9]*|/[A-Za-z0-9._-]+)$", var.github_subject_prefix)) && lower(replace(var.github_subject_prefix, "/@[0-9]+/", "")) == lower("repo:${var.github_owner}/${var.github_repo}")
    error_message = "The github_subject_prefix must be repo:OWNER/REPO or repo:OWNER@ID/REPO@ID naming github_owner/github_repo: the sub_claim_prefix of gh api repos/OWNER/REPO/actions/oidc/customization/sub."
  }
}

variable "github_repository_id" {
  description = "The repository's numeric ID (gh api repos/OWNER/REPO --jq .id). The roles require it in the token's repository_id claim, so a repository that takes over this one's name is refused."
  type        = string

  validation {
    condition     = can(regex("^[1-9][0-9]*$", var.github_repository_id)) && !can(regex("@[0-9]+$", var.github_subject_prefix)) || endswith(var.github_subject_prefix, "@${var.github_repository_id}")
    error_message = "The github_repository_id must be the repository's numeric ID (gh api repos/OWNER/REPO --jq .id), the one github_subject_prefix carries if it carries IDs."
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

variable "state_key" {
  description = "Key of the service stack's state object (backend.hcl: key). The pipeline roles reach it and its lock file, nothing else in the bucket."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9!_.*'()/-]+$", var.state_key)) && !startswith(var.state_key, "/")
    error_message = "The state_key must be an S3 object key such as 'orders-api/production/terraform.tfstate'."
  }
}

variable "noncurrent_state_days" {
  description = "Days an overwritten state version is kept before it expires."
  type        = number
  default     = 90
}

variable "releases_kept" {
  description = "Releases (images tagged with a commit SHA) the image repository keeps. A rollback can return to any of them; older ones are expired, and a task definition naming one can no longer start."
  type        = number
  default     = 30

  validation {
    condition     = var.releases_kept >= 2 && var.releases_kept <= 1000 && floor(var.releases_kept) == var.releases_kept
    error_message = "The releases_kept must be a whole number from 2 to 1000."
  }
}

variable "domain_name" {
  description = "The service's own domain (the main stack's domain_name), or null: the deploy role may then request its certificate and change its records, and nothing else in the zone."
  type        = string
  default     = null
}

variable "hosted_zone" {
  description = "The public Route 53 hosted zone that holds domain_name; it must exist when this stack is applied. Null without a domain."
  type        = string
  default     = null

  validation {
    condition     = (var.domain_name == null) == (var.hosted_zone == null)
    error_message = "Give domain_name and hosted_zone together, or neither."
  }
}
