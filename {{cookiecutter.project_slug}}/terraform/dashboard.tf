# What the service is doing, on one page: traffic, errors, latency, health, capacity, deployments and
# the alarms. Its URL is the `dashboard_url` output, which the release job shows on the deployment.

locals {
  elb_dimensions       = ["LoadBalancer", aws_lb.this.arn_suffix]
  ecs_dimensions       = ["ClusterName", aws_ecs_cluster.this.name, "ServiceName", local.name]
  target_groups_by_key = { for key in sort(keys(aws_lb_target_group.app)) : key => aws_lb_target_group.app[key].arn_suffix }

  widget = {
    type   = "metric"
    width  = 12
    height = 6
  }
  dashboard_widgets = [
    merge(local.widget, { properties = {
      title = "Requests and errors (per minute)", region = var.aws_region, stat = "Sum", period = 60, view = "timeSeries"
      metrics = [
        concat(["AWS/ApplicationELB", "RequestCount"], local.elb_dimensions, [{ label = "Requests" }]),
        concat(["AWS/ApplicationELB", "HTTPCode_Target_4XX_Count"], local.elb_dimensions, [{ label = "4xx (app)" }]),
        concat(["AWS/ApplicationELB", "HTTPCode_Target_5XX_Count"], local.elb_dimensions, [{ label = "5xx (app)" }]),
        concat(["AWS/ApplicationELB", "HTTPCode_ELB_5XX_Count"], local.elb_dimensions, [{ label = "5xx (load balancer)" }]),
      ]
    } }),
    merge(local.widget, { properties = {
      title = "Target response time (seconds)", region = var.aws_region, period = 60, view = "timeSeries"
      metrics = [
        concat(["AWS/ApplicationELB", "TargetResponseTime"], local.elb_dimensions, [{ stat = "p50", label = "p50" }]),
        concat(["AWS/ApplicationELB", "TargetResponseTime"], local.elb_dimensions, [{ stat = "p99", label = "p99" }]),
      ]
      annotations = { horizontal = [{ label = "p99 alarm", value = var.latency_alarm_seconds }] }
    } }),
    merge(local.widget, { properties = {
      title = "Healthy and unhealthy tasks (per target group)", region = var.aws_region, period = 60, view = "timeSeries"
      # One metric array per line of the graph. (flatten would merge them into one list: it is recursive.)
      metrics = concat(
        [for key, suffix in local.target_groups_by_key :
        concat(["AWS/ApplicationELB", "HealthyHostCount", "TargetGroup", suffix], local.elb_dimensions, [{ stat = "Minimum", label = "healthy (${key})" }])],
        [for key, suffix in local.target_groups_by_key :
        concat(["AWS/ApplicationELB", "UnHealthyHostCount", "TargetGroup", suffix], local.elb_dimensions, [{ stat = "Maximum", label = "unhealthy (${key})" }])],
      )
      annotations = { horizontal = [{ label = "min_capacity", value = var.min_capacity }] }
    } }),
    merge(local.widget, { properties = {
      title = "CPU and memory (% of the task size)", region = var.aws_region, stat = "Average", period = 60, view = "timeSeries"
      yAxis = { left = { min = 0, max = 100 } }
      metrics = [
        concat(["AWS/ECS", "CPUUtilization"], local.ecs_dimensions, [{ label = "CPU" }]),
        concat(["AWS/ECS", "MemoryUtilization"], local.ecs_dimensions, [{ label = "Memory" }]),
      ]
      annotations = { horizontal = [{ label = "autoscaling target", value = var.cpu_target_percent }] }
    } }),
    merge(local.widget, { properties = {
      title = "Tasks and deployments", region = var.aws_region, period = 60, view = "timeSeries"
      metrics = concat(
        # Counted by the load balancer, so it shows with Container Insights off: the tasks serving traffic.
        [[{ expression = "SUM([${join(", ", [for index, _ in local.target_group_suffixes : "FILL(healthy${index}, 0)"])}])", label = "Healthy tasks", id = "tasks" }]],
        [for index, suffix in local.target_group_suffixes :
        concat(["AWS/ApplicationELB", "HealthyHostCount", "TargetGroup", suffix], local.elb_dimensions, [{ id = "healthy${index}", stat = "Minimum", visible = false }])],
        # Container Insights (container_insights = enabled or enhanced) counts tasks and deployments per service.
        [for metric in ["RunningTaskCount", "DesiredTaskCount", "PendingTaskCount", "DeploymentCount"] :
        concat(["ECS/ContainerInsights", metric], local.ecs_dimensions, [{ stat = "Maximum", label = metric }])],
      )
      annotations = { horizontal = [{ label = "max_capacity", value = var.max_capacity }, { label = "min_capacity", value = var.min_capacity }] }
    } }),
{%- if cookiecutter.database == 'postgres' %}
    merge(local.widget, { properties = {
      title = "Database: CPU (%) and connections", region = var.aws_region, stat = "Average", period = 60, view = "timeSeries"
      metrics = [
        ["AWS/RDS", "CPUUtilization", "DBInstanceIdentifier", local.database_identifier, { label = "CPU (%)" }],
        ["AWS/RDS", "DatabaseConnections", "DBInstanceIdentifier", local.database_identifier, { label = "Connections", yAxis = "right" }],
      ]
      annotations = { horizontal = [{ label = "connections alarm", value = floor(local.database_max_connections * 0.8), yAxis = "right" }] }
    } }),
    merge(local.widget, { properties = {
      title = "Database: free storage (GiB) and latency (ms)", region = var.aws_region, stat = "Average", period = 60, view = "timeSeries"
      metrics = [
        [{ expression = "free / 1073741824", label = "Free storage (GiB)", id = "free_gib" }],
        ["AWS/RDS", "FreeStorageSpace", "DBInstanceIdentifier", local.database_identifier, { id = "free", stat = "Minimum", visible = false }],
        [{ expression = "read * 1000", label = "Read latency (ms)", id = "read_ms", yAxis = "right" }],
        ["AWS/RDS", "ReadLatency", "DBInstanceIdentifier", local.database_identifier, { id = "read", visible = false }],
        [{ expression = "write * 1000", label = "Write latency (ms)", id = "write_ms", yAxis = "right" }],
        ["AWS/RDS", "WriteLatency", "DBInstanceIdentifier", local.database_identifier, { id = "write", visible = false }],
      ]
    } }),
{%- endif %}
    { type = "alarm", width = 24, height = 4, properties = { title = "Alarms", alarms = local.alarm_arns } },
  ]
}

resource "aws_cloudwatch_dashboard" "this" {
  dashboard_name = local.name
  dashboard_body = jsonencode({ widgets = local.dashboard_widgets })
}

# Saved CloudWatch Logs Insights queries over the app's JSON lines (one "app.access" line per request:
# method, path, status, duration_ms, request_id). Logs Insights > Queries lists them under the project.
resource "aws_cloudwatch_query_definition" "this" {
  for_each = {
    errors-by-path   = <<-EOT
      fields @timestamp, method, path, status
      | filter logger = "app.access" and status >= 500
      | stats count(*) as errors by method, path, status
      | sort errors desc
    EOT
    slowest-requests = <<-EOT
      fields @timestamp, method, path, status, duration_ms, request_id
      | filter logger = "app.access"
      | sort duration_ms desc
      | limit 50
    EOT
    one-request      = <<-EOT
      fields @timestamp, logger, level, message, method, path, status, duration_ms
      | filter request_id = "PASTE-THE-X-REQUEST-ID-HERE"
      | sort @timestamp asc
    EOT
  }

  name            = "${local.name}/${each.key}"
  log_group_names = [aws_cloudwatch_log_group.app.name]
  query_string    = each.value
}
