# Production inputs, rendered from the template answers. Change them here; CI plans and applies.
project     = "{{ cookiecutter.project_slug }}"
environment = "{{ cookiecutter._environment }}"
repository  = "{{ cookiecutter.github_owner }}/{{ cookiecutter.github_repo }}"
aws_region  = "{{ cookiecutter.aws_region }}"

availability_zones      = [{% for az in cookiecutter.availability_zones.split(",") %}"{{ az.strip() }}"{% if not loop.last %}, {% endif %}{% endfor %}]
vpc_cidr                = "{{ cookiecutter.vpc_cidr }}"
nat_mode                = "{{ cookiecutter.nat_mode }}"
enable_database_subnets = {{ "true" if cookiecutter.enable_database_subnets == "yes" else "false" }}

enable_https        = {{ "true" if cookiecutter.enable_https == "yes" else "false" }}
acm_certificate_arn = {{ '"%s"' % cookiecutter.acm_certificate_arn if cookiecutter.enable_https == "yes" and cookiecutter.acm_certificate_arn else "null" }}
domain_name         = {{ '"%s"' % cookiecutter.domain_name if cookiecutter.domain_name else "null" }}
hosted_zone         = {{ '"%s"' % cookiecutter.hosted_zone if cookiecutter.hosted_zone else "null" }}

container_port   = {{ cookiecutter.container_port }}
task_cpu         = {{ cookiecutter.task_cpu }}
task_memory      = {{ cookiecutter.task_memory }}
cpu_architecture = "{{ cookiecutter.cpu_architecture }}"

cpu_target_percent = {{ cookiecutter.cpu_target_percent }}
min_capacity       = {{ cookiecutter.min_capacity }}
max_capacity       = {{ cookiecutter.max_capacity }}

log_retention_days = {{ cookiecutter.log_retention_days }}

# Deployments ({{ cookiecutter.deployment_strategy }}) and alarms; docs/runbook.md has a section per alarm.
canary_percent          = {{ cookiecutter.canary_percent }}
canary_bake_minutes     = {{ cookiecutter.canary_bake_minutes }}
deployment_bake_minutes = {{ cookiecutter.deployment_bake_minutes }}
alarm_email             = {{ '"%s"' % cookiecutter.alarm_email if cookiecutter.alarm_email else "null" }}
container_insights      = "{{ cookiecutter.container_insights }}"

# Secrets: environment variable => SSM parameter (a SecureString the owner sets: docs/runbook.md, "Secrets").
{%- set secret_names = cookiecutter.secret_names.replace(" ", "").split(",") | select | list %}
{%- if secret_names %}
secrets = {
{%- for name in secret_names %}
  {{ name }} = "/{{ cookiecutter.project_slug }}/{{ name | lower | replace("_", "-") }}"
{%- endfor %}
}
{%- else %}
secrets = {}
{%- endif %}
