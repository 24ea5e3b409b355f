{#- Included, after aws-mocks.hcl, into the mock_provider "aws" blocks of the service stack's tests only:
    overrides must name resources of the configuration under test. #}
  # Each role gets its own ARN, so tests can tell them apart.
  override_resource {
    target = aws_iam_role.execution
    values = { arn = "arn:aws:iam::123456789012:role/mock-execution" }
  }

  override_resource {
    target = aws_iam_role.task
    values = { arn = "arn:aws:iam::123456789012:role/mock-task" }
  }

  override_resource {
    target = aws_iam_role.flow_logs
    values = { arn = "arn:aws:iam::123456789012:role/mock-flow-logs" }
  }

  # Resources of one type get distinct IDs per role, so that tests can tell tiers and security groups apart
  # (OpenTofu's mocks give every resource of a type the same generated ID).
{%- for type, names in [("aws_security_group", ["alb", "tasks", "database"]), ("aws_subnet", ["public", "private", "database"]), ("aws_route_table", ["public", "private", "database"])] %}
{%- for name in names %}

  override_resource {
    target = {{ type }}.{{ name }}
    values = { id = "{{ type.split("_")[-1] }}-{{ name }}" }
  }
{%- endfor %}
{%- endfor %}
