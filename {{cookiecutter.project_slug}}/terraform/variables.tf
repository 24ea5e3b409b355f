variable "project" {
  description = "Project slug; every resource name is built from it."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9]*(-[a-z0-9]+)*$", var.project)) && length(var.project) >= 3 && length(var.project) <= 32 && !startswith(var.project, "internal-")
    error_message = "The project must be 3 to 32 lowercase letters, digits and single hyphens, start with a letter and not start with 'internal-' (it names the load balancer)."
  }
}

variable "environment" {
  description = "Deployment environment; also the GitHub environment whose jobs may deploy. Every environment but production adds its name to the resources' names."
  type        = string
  default     = "production"

  validation {
    condition     = can(regex("^[a-z][a-z0-9]{1,11}$", var.environment))
    error_message = "The environment must be 2 to 12 lowercase letters or digits, starting with a letter (no hyphen: orders-api-<environment> must never be a prefix of another environment's names)."
  }
}

variable "repository" {
  description = "GitHub repository (owner/name) that manages this stack; recorded in the resource tags."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9](-?[A-Za-z0-9]){0,38}/[A-Za-z0-9._-]{1,100}$", var.repository))
    error_message = "The repository must be 'owner/name' as GitHub spells it."
  }
}

variable "aws_region" {
  description = "AWS region of the stack."
  type        = string

  validation {
    condition     = can(regex("^[a-z]{2}-[a-z]+-[0-9]$", var.aws_region))
    error_message = "The aws_region must be an AWS region name such as 'us-east-1'."
  }
}

variable "availability_zones" {
  description = "AZs to spread the service over. Each gets a public and a private subnet (and a NAT gateway in per-az mode); its subnet slot comes from its letter, so adding an AZ changes nothing else."
  type        = list(string)

  validation {
    condition     = length(var.availability_zones) >= 2
    error_message = "At least two availability_zones are needed: an Application Load Balancer spans two or more."
  }

  validation {
    condition     = length(distinct(var.availability_zones)) == length(var.availability_zones)
    error_message = "The availability_zones must not repeat an AZ."
  }

  validation {
    condition     = alltrue([for az in var.availability_zones : can(regex("^${var.aws_region}[a-h]$", az))])
    error_message = "Every availability zone must be in aws_region: the region name followed by one letter a-h."
  }
}

variable "vpc_cidr" {
  description = "VPC CIDR block, /16 to /22. It is split into four tiers (public, private, database, spare) of eight AZ slots each."
  type        = string
  default     = "10.0.0.0/16"

  validation {
    condition     = try(cidrsubnet(var.vpc_cidr, 0, 0) == var.vpc_cidr && tonumber(split("/", var.vpc_cidr)[1]) >= 16 && tonumber(split("/", var.vpc_cidr)[1]) <= 22, false)
    error_message = "The vpc_cidr must be an IPv4 network address with a prefix from /16 to /22, e.g. '10.0.0.0/16'."
  }
}

variable "nat_mode" {
  description = "'per-az': one NAT gateway per AZ, so losing an AZ never cuts the others off (default). 'single': one NAT gateway in the first AZ, cheaper but a single point of failure for outbound traffic."
  type        = string
  default     = "per-az"

  validation {
    condition     = contains(["per-az", "single"], var.nat_mode)
    error_message = "The nat_mode must be 'per-az' or 'single'."
  }
}

variable "enable_database_subnets" {
  description = "Create an isolated database subnet tier (no route to the internet) and a database security group reachable only from the tasks.{% if cookiecutter.database == 'postgres' %} The PostgreSQL database (postgres.tf) lives there: it needs true.{% endif %}"
  type        = bool
  default     = {{ "true" if cookiecutter.database == "postgres" else "false" }}
}

{% if cookiecutter.database == 'postgres' %}variable "database_instance_class" {
  description = "RDS instance class of the PostgreSQL database."
  type        = string
  default     = "{{ cookiecutter.database_instance_class }}"

  validation {
    condition     = can(regex("^db\\.[a-z]+[0-9]+[a-z]*\\.([0-9]*xlarge|micro|small|medium|large)$", var.database_instance_class))
    error_message = "The database_instance_class must be an RDS class such as db.t4g.micro or db.m7g.large."
  }
}

variable "database_engine_version" {
  description = "PostgreSQL major version; RDS applies the minor versions in the maintenance window."
  type        = string
  default     = "{{ cookiecutter.database_engine_version }}"

  validation {
    condition     = contains(["15", "16", "17", "18"], var.database_engine_version)
    error_message = "The database_engine_version must be a PostgreSQL major version from 15 to 18."
  }
}

variable "database_allocated_storage" {
  description = "Storage of the database in GiB (gp3); it grows by itself up to ten times this."
  type        = number
  default     = {{ cookiecutter.database_allocated_storage }}

  validation {
    condition     = var.database_allocated_storage >= 20 && var.database_allocated_storage <= 65536 && floor(var.database_allocated_storage) == var.database_allocated_storage
    error_message = "The database_allocated_storage must be a whole number of GiB from 20 to 65536."
  }
}

variable "database_multi_az" {
  description = "Keep a standby in a second AZ that RDS fails over to (twice the instance cost)."
  type        = bool
  default     = true
}

variable "database_backup_retention_days" {
  description = "Days of automated backups (point-in-time recovery) RDS keeps."
  type        = number
  default     = 14

  validation {
    condition     = var.database_backup_retention_days >= 1 && var.database_backup_retention_days <= 35
    error_message = "The database_backup_retention_days must be from 1 to 35 (0 would turn backups off)."
  }
}

variable "database_deletion_protection" {
  description = "Refuse to delete the database. Set false and apply before destroying the stack (docs/runbook.md, Destroy)."
  type        = bool
  default     = true
}

variable "database_app_password_version" {
  description = "Raise it to give the application login a new password (written to its secret; the next release's migration task sets it)."
  type        = number
  default     = 1
}

{% endif %}variable "database_port" {
  description = "Port the database tier's security group admits from the tasks."
  type        = number
  default     = 5432

  validation {
    condition     = var.database_port >= 1 && var.database_port <= 65535 && floor(var.database_port) == var.database_port
    error_message = "The database_port must be a whole number from 1 to 65535."
  }
}

variable "enable_https" {
  description = "Serve HTTPS on port 443 with acm_certificate_arn and redirect HTTP to it."
  type        = bool
  default     = false
}

variable "acm_certificate_arn" {
  description = "ACM certificate for the HTTPS listener, in aws_region. Required when enable_https is true."
  type        = string
  default     = null

  validation {
    condition     = var.acm_certificate_arn == null || can(regex("^arn:aws:acm:[a-z0-9-]+:[0-9]{12}:certificate/[0-9a-f-]{36}$", var.acm_certificate_arn))
    error_message = "The acm_certificate_arn must look like 'arn:aws:acm:<region>:<account>:certificate/<uuid>'."
  }

  validation {
    condition     = !var.enable_https || var.acm_certificate_arn != null || var.domain_name != null
    error_message = "The acm_certificate_arn is required when enable_https is true and no domain_name is given (with a domain_name, the stack requests its own certificate)."
  }

  validation {
    condition     = var.domain_name == null || var.acm_certificate_arn == null
    error_message = "The acm_certificate_arn must be null when domain_name is set: the stack requests and validates the domain's certificate itself."
  }
}

variable "domain_name" {
  description = "The service's own domain, such as orders.example.com, in hosted_zone: the stack requests its certificate (DNS validation), serves HTTPS with it and points an alias record at the load balancer. Null for none."
  type        = string
  default     = null

  validation {
    condition     = var.domain_name == null ? true : can(regex("^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$", var.domain_name)) && length(var.domain_name) <= 253
    error_message = "The domain_name must be a lower-case DNS name of at least two labels, such as orders.example.com (no wildcard, no trailing dot)."
  }

  validation {
    condition     = (var.domain_name == null) == (var.hosted_zone == null)
    error_message = "Give domain_name and hosted_zone together, or neither."
  }

  validation {
    condition     = var.domain_name == null || var.hosted_zone == null ? true : var.domain_name == var.hosted_zone || endswith(var.domain_name, ".${var.hosted_zone}")
    error_message = "The domain_name must be the hosted_zone itself or a name under it (orders.example.com in example.com)."
  }

  validation {
    condition     = var.domain_name == null || var.enable_https
    error_message = "A domain_name is served over HTTPS: set enable_https to true (the stack requests the certificate)."
  }
}

variable "hosted_zone" {
  description = "The public Route 53 hosted zone that holds domain_name, such as example.com; it must already exist in this account. Null for none."
  type        = string
  default     = null

  validation {
    condition     = var.hosted_zone == null ? true : can(regex("^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$", var.hosted_zone))
    error_message = "The hosted_zone must be a lower-case DNS name such as example.com (no trailing dot)."
  }
}

variable "tls_policy" {
  description = "ELB security policy of the HTTPS listener: TLS 1.3 with TLS 1.2 fallback."
  type        = string
  default     = "ELBSecurityPolicy-TLS13-1-2-2021-06"
}

variable "enable_deletion_protection" {
  description = "Protect the load balancer from deletion and the image repository from being deleted with its images. Turn off (and apply) before `terraform destroy`."
  type        = bool
  default     = true
}

variable "container_port" {
  description = "Port the container listens on."
  type        = number
  default     = 8000

  validation {
    condition     = var.container_port >= 1024 && var.container_port <= 65535 && floor(var.container_port) == var.container_port
    error_message = "The container_port must be a whole number from 1024 to 65535 (the container runs as a non-root user)."
  }
}

variable "health_check_path" {
  description = "Liveness path probed by the load balancer; the app serves it."
  type        = string
  default     = "{{ cookiecutter._health_check_path }}"

  validation {
    condition     = startswith(var.health_check_path, "/")
    error_message = "The health_check_path must start with '/'."
  }
}

variable "task_cpu" {
  description = "Fargate task CPU units (1024 = 1 vCPU)."
  type        = number
  default     = 256

  validation {
    condition     = contains([256, 512, 1024, 2048, 4096, 8192, 16384], var.task_cpu)
    error_message = "The task_cpu must be a Fargate CPU size: 256, 512, 1024, 2048, 4096, 8192 or 16384."
  }
}

variable "task_memory" {
  description = "Fargate task memory in MiB; the allowed values depend on task_cpu."
  type        = number
  default     = 512

  validation {
    condition = (
      var.task_cpu == 256 ? contains([512, 1024, 2048], var.task_memory) :
      var.task_cpu == 512 ? var.task_memory >= 1024 && var.task_memory <= 4096 && var.task_memory % 1024 == 0 :
      var.task_cpu == 1024 ? var.task_memory >= 2048 && var.task_memory <= 8192 && var.task_memory % 1024 == 0 :
      var.task_cpu == 2048 ? var.task_memory >= 4096 && var.task_memory <= 16384 && var.task_memory % 1024 == 0 :
      var.task_cpu == 4096 ? var.task_memory >= 8192 && var.task_memory <= 30720 && var.task_memory % 1024 == 0 :
      var.task_cpu == 8192 ? var.task_memory >= 16384 && var.task_memory <= 61440 && var.task_memory % 4096 == 0 :
      var.task_memory >= 32768 && var.task_memory <= 122880 && var.task_memory % 8192 == 0
    )
    error_message = "The task_memory is not a size Fargate accepts with this task_cpu (see the ECS task size table)."
  }
}

variable "cpu_architecture" {
  description = "CPU architecture of the tasks; the image must be built for it."
  type        = string
  default     = "X86_64"

  validation {
    condition     = contains(["X86_64", "ARM64"], var.cpu_architecture)
    error_message = "The cpu_architecture must be 'X86_64' or 'ARM64'."
  }
}

variable "image_account_id" {
  description = "The AWS account of the image repository when it is not this one: staging's, when production has an account of its own (docs/decisions.md). Null: this account."
  type        = string
  default     = null

  validation {
    condition     = var.image_account_id == null || can(regex("^[0-9]{12}$", var.image_account_id))
    error_message = "The image_account_id must be a 12-digit AWS account ID, or null."
  }
}

variable "image_tag" {
  description = "Image tag of the task definition Terraform registers, which the service runs when Terraform creates it. The release job tags the project's first image `initial` before the first apply (scripts/tag-initial-image.sh); each release then registers a revision with its own commit's image (docs/decisions.md)."
  type        = string
  default     = "initial"

  validation {
    condition     = can(regex("^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$", var.image_tag))
    error_message = "The image_tag must be a valid Docker tag: up to 128 letters, digits, '_', '.' or '-', not starting with '.' or '-'."
  }
}

variable "request_timeout_seconds" {
  description = "Longest a request may stay idle. Sets the ALB idle timeout and derives the drain, keep-alive and shutdown timings from it."
  type        = number
  default     = 25

  validation {
    condition     = var.request_timeout_seconds >= 1 && var.request_timeout_seconds <= 25 && floor(var.request_timeout_seconds) == var.request_timeout_seconds
    error_message = "The request_timeout_seconds must be a whole number from 1 to 25, so that target draining stays at 30 s or less."
  }
}

variable "cpu_target_percent" {
  description = "Average CPU utilisation the service scales to keep."
  type        = number
  default     = 70

  validation {
    condition     = var.cpu_target_percent >= 1 && var.cpu_target_percent <= 100 && floor(var.cpu_target_percent) == var.cpu_target_percent
    error_message = "The cpu_target_percent must be a whole number from 1 to 100."
  }
}

variable "min_capacity" {
  description = "Fewest running tasks; also the task count when the service is created."
  type        = number
  default     = 2

  validation {
    condition     = var.min_capacity >= 1 && floor(var.min_capacity) == var.min_capacity
    error_message = "The min_capacity must be a whole number of at least 1."
  }
}

variable "max_capacity" {
  description = "Most running tasks autoscaling may start."
  type        = number
  default     = 10

  validation {
    condition     = var.max_capacity >= var.min_capacity && var.max_capacity <= 1000 && floor(var.max_capacity) == var.max_capacity
    error_message = "The max_capacity must be a whole number from min_capacity to 1000."
  }
}

variable "log_retention_days" {
  description = "Days CloudWatch keeps the service and VPC flow logs."
  type        = number
  default     = 365

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "The log_retention_days must be a value CloudWatch accepts: 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288 or 3653."
  }
}

variable "canary_percent" {
  description = "Canary deployments only: share of production traffic (%) the new revision takes first, while the alarms watch it."
  type        = number
  default     = 10

  validation {
    condition     = var.canary_percent >= 1 && var.canary_percent <= 50 && floor(var.canary_percent) == var.canary_percent
    error_message = "The canary_percent must be a whole number from 1 to 50: a canary is a minority of the traffic."
  }
}

variable "canary_bake_minutes" {
  description = "Canary deployments only: minutes the canary serves its share before the rest of the traffic moves."
  type        = number
  default     = 10

  validation {
    # The unhealthy-targets and p99 alarms need 3 of 3 one-minute datapoints, which CloudWatch receives a
    # minute or two after the requests: a shorter canary would end before they can fire.
    # At most 60, so that the release job, which waits for the whole rollout, fits its session (bootstrap).
    condition     = var.canary_bake_minutes >= 5 && var.canary_bake_minutes <= 60 && floor(var.canary_bake_minutes) == var.canary_bake_minutes
    error_message = "The canary_bake_minutes must be a whole number from 5 (the deployment alarms need 3 one-minute datapoints, which arrive a minute or two late) to 60 (the release job waits for the rollout)."
  }
}

variable "deployment_bake_minutes" {
  description = "Canary deployments only: minutes the previous revision stays running after all traffic moved, so a rollback is instant."
  type        = number
  default     = 5

  validation {
    # The window in which a deployment alarm can still roll the release back once all traffic moved.
    condition     = var.deployment_bake_minutes >= 5 && var.deployment_bake_minutes <= 60 && floor(var.deployment_bake_minutes) == var.deployment_bake_minutes
    error_message = "The deployment_bake_minutes must be a whole number from 5 (the deployment alarms need 3 one-minute datapoints, which arrive a minute or two late) to 60 (the release job waits for the rollout)."
  }
}

variable "alarm_email" {
  description = "Address subscribed to the alarm topic (it must confirm the subscription), or null for none."
  type        = string
  default     = null

  validation {
    condition     = var.alarm_email == null || can(regex("^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$", var.alarm_email))
    error_message = "The alarm_email must be one email address such as team@example.com, or null for no subscription."
  }
}

variable "container_insights" {
  description = "CloudWatch Container Insights level of the cluster: enhanced (per-task metrics), enabled (standard, per service) or disabled. See docs/cost.md."
  type        = string
  default     = "enhanced"

  validation {
    condition     = contains(["enhanced", "enabled", "disabled"], var.container_insights)
    error_message = "The container_insights must be 'enhanced', 'enabled' or 'disabled'."
  }
}

variable "latency_alarm_seconds" {
  description = "p99 target response time (seconds) above which the latency alarm fires."
  type        = number
  default     = 2

  validation {
    condition     = var.latency_alarm_seconds > 0 && var.latency_alarm_seconds <= var.request_timeout_seconds
    error_message = "The latency_alarm_seconds must be above 0 and at most request_timeout_seconds (a slower request is cut off, not slow)."
  }
}

variable "secrets" {
  description = "Secrets the container gets as environment variables: name => SSM Parameter Store parameter (a SecureString under /<project>/). ECS reads each value when a task starts; its value is never in Terraform, the plan or the repository (terraform/README.md, \"Secrets\")."
  type        = map(string)
  default     = {}

  validation {
    condition     = alltrue([for name, parameter in var.secrets : can(regex("^APP_[A-Z][A-Z0-9_]*$", name)) && !contains(keys(local.plain_environment), name){% if cookiecutter.database == 'postgres' %} && !startswith(name, "APP_DATABASE_"){% endif %}])
    error_message = "Each key of secrets must be an APP_* name the app reads (APP_ then capitals, digits, '_'), and not one the task definition already sets (APP_ENVIRONMENT, APP_IMAGE_TAG, APP_PORT, APP_WORKERS, APP_KEEP_ALIVE_TIMEOUT, APP_SHUTDOWN_TIMEOUT, APP_FORWARDED_ALLOW_IPS, APP_DOCS_ENABLED{% if cookiecutter.database == 'postgres' %}, and the database's APP_DATABASE_*{% endif %})."
  }

  validation {
    condition     = alltrue([for name, parameter in var.secrets : startswith(parameter, "/${local.name}/") && can(regex("^/[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)+$", parameter))])
    error_message = "Each value of secrets must be an SSM parameter name under the environment's name, /<project>/ in production and /<project>-<environment>/ elsewhere (such as /orders-api-staging/app-api-key): the execution role may read only its own environment's parameters."
  }
}

variable "secrets_kms_key_arn" {
  description = "The KMS key the secrets' SecureString parameters are encrypted with, when it is not SSM's default (aws/ssm); the execution role may then decrypt with it, through SSM only."
  type        = string
  default     = null

  validation {
    # A single-Region key's ID is a UUID; a multi-Region key's is mrk- and 32 hexadecimal digits.
    condition     = var.secrets_kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32})$", var.secrets_kms_key_arn))
    error_message = "The secrets_kms_key_arn must be a KMS key ARN (arn:aws:kms:REGION:ACCOUNT:key/ID, the ID a UUID or mrk-<32 hex digits> for a multi-Region key), or null for SSM's default key."
  }
}
