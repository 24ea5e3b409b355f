# Alarms: four that describe a bad release, which ECS watches during every deployment and rolls back
# on, and four that describe a service in trouble at any time. All notify one SNS topic. Each alarm's
# description says what it means and where to look first; docs/runbook.md has a section per alarm
# (its heading is the alarm's name).

locals {
  # The target groups a release can serve from: a canary's new revision has its own, so a canary that
  # fails every request trips the rate alarms however small its share of the traffic.
  target_group_suffixes = [for key in sort(keys(aws_lb_target_group.app)) : aws_lb_target_group.app[key].arn_suffix]
  # A rate counts from this many errors a minute: one failed request of two is 50 % but says little. A
  # canary of a quiet service still gets enough requests to reach it (the release job sends them while it
  # rolls out, smoke_requests_per_minute), so one that fails them all trips the alarm.
  rate_minimum_errors = 2
  runbook             = "https://github.com/${var.repository}/blob/main/docs/runbook.md"
  # Built from names, not from the resources: the bootstrap's key policy (logs_key.tf) names the topic too.
  alarm_topic_name = "${local.name}-alarms"
  alarm_topic_arn  = "arn:${local.partition}:sns:${var.aws_region}:${local.account_id}:${local.alarm_topic_name}"
  alarm_arns_like  = "arn:${local.partition}:cloudwatch:${var.aws_region}:${local.account_id}:alarm:${local.name}-*"

  # One metric of each target group: id prefix (then the target group's index), name, statistic.
  per_target_group = {
    for input in [["errors", "HTTPCode_Target_5XX_Count", "Sum"], ["requests", "RequestCount", "Sum"],
      ["unhealthy", "UnHealthyHostCount", "Maximum"], ["healthy", "HealthyHostCount", "Minimum"],
      ["p99_", "TargetResponseTime", "p99"]] : input[0] => [for index, suffix in local.target_group_suffixes : {
        id         = "${input[0]}${index}", namespace = "AWS/ApplicationELB", metric_name = input[1], stat = input[2]
        dimensions = tomap({ LoadBalancer = aws_lb.this.arn_suffix, TargetGroup = suffix })
    }]
  }
  # "OP([f(0), f(1), ...])" over the target groups, where f is an expression of the index.
  over_target_groups = { for op in ["MAX", "SUM"] : op => { for name, template in {
    rate      = "IF(FILL(errors%[1]d, 0) >= ${local.rate_minimum_errors}, 100 * errors%[1]d / requests%[1]d, 0)"
    unhealthy = "FILL(unhealthy%[1]d, 0)"
    healthy   = "FILL(healthy%[1]d, 0)"
    p99       = "FILL(p99_%[1]d, 0)"
  } : name => "${op}([${join(", ", [for index, _ in local.target_group_suffixes : format(template, index)])}])" } }
  service_metric = { for name in ["CPUUtilization", "MemoryUtilization"] : name => [{
    id         = "service", namespace = "AWS/ECS", metric_name = name, stat = "Average"
    dimensions = tomap({ ClusterName = aws_ecs_cluster.this.name, ServiceName = local.name })
  }] }

  # name suffix => what fires it; `deployment` alarms are the ones ECS watches during deployments.
  alarms = {{ "merge(local.database_alarms, " if cookiecutter.database == "postgres" }}{
    deploy-target-5xx-rate = {
      deployment  = true, comparison = "GreaterThanThreshold", threshold = 5, periods = 3, datapoints = 2, period = 60, missing = "notBreaching"
      label       = "Target 5xx rate (%)", expression = local.over_target_groups.MAX.rate
      metrics     = concat(local.per_target_group.errors, local.per_target_group.requests)
      description = "More than 5 % of requests to ${local.name}'s tasks answered 5xx (worst target group, 2 of 3 minutes). The app itself is failing requests: read the app's error lines in ${local.log_group_name} (saved query ${local.name}/errors-by-path). During a deployment ECS rolls it back."
    }
    deploy-load-balancer-5xx-rate = {
      deployment = true, comparison = "GreaterThanThreshold", threshold = 5, periods = 3, datapoints = 2, period = 60, missing = "notBreaching"
      label      = "Load balancer 5xx rate (%)"
      expression = "IF(FILL(errors, 0) >= ${local.rate_minimum_errors}, 100 * errors / requests, 0)"
      metrics = [for input in [["errors", "HTTPCode_ELB_5XX_Count"], ["requests", "RequestCount"]] : {
        id         = input[0], namespace = "AWS/ApplicationELB", metric_name = input[1], stat = "Sum"
        dimensions = tomap({ LoadBalancer = aws_lb.this.arn_suffix })
      }]
      description = "More than 5 % of requests to ${local.name}'s load balancer got a 5xx from the load balancer itself (2 of 3 minutes): no healthy task to send them to (503), tasks closing connections (502) or not answering in time (504). Look at the target groups' health and the tasks' stopped reasons first. During a deployment ECS rolls it back."
    }
    deploy-unhealthy-targets = {
      deployment  = true, comparison = "GreaterThanOrEqualToThreshold", threshold = 1, periods = 3, datapoints = 3, period = 60, missing = "notBreaching"
      label       = "Unhealthy targets (worst target group)", expression = local.over_target_groups.MAX.unhealthy
      metrics     = local.per_target_group.unhealthy
      description = "A task of ${local.name} failed the load balancer's health check (${var.health_check_path}) for 3 minutes in a row. Look at that task's logs and the target group's health reason first. During a deployment ECS rolls it back."
    }
    deploy-p99-latency = {
      deployment  = true, comparison = "GreaterThanThreshold", threshold = var.latency_alarm_seconds, periods = 3, datapoints = 3, period = 60, missing = "notBreaching"
      label       = "p99 target response time (s, worst target group)", expression = local.over_target_groups.MAX.p99
      metrics     = local.per_target_group.p99_
      description = "The slowest 1 % of ${local.name}'s requests took over ${var.latency_alarm_seconds} s (worst target group, 3 minutes in a row). Find the slow paths with the saved query ${local.name}/slowest-requests, then check CPU and memory. During a deployment ECS rolls it back."
    }
    cpu-high = {
      deployment  = false, comparison = "GreaterThanThreshold", threshold = 85, periods = 3, datapoints = 3, period = 300, missing = "notBreaching"
      label       = "CPU (% of the task size)", expression = "service", metrics = local.service_metric.CPUUtilization
      description = "${local.name}'s tasks averaged over 85 % of their CPU for 15 minutes: autoscaling is at its maximum (${var.max_capacity} tasks) or cannot keep up. Check the running task count and the slowest requests; raise max_capacity or task_cpu."
    }
    memory-high = {
      deployment  = false, comparison = "GreaterThanThreshold", threshold = 85, periods = 3, datapoints = 3, period = 300, missing = "notBreaching"
      label       = "Memory (% of the task size)", expression = "service", metrics = local.service_metric.MemoryUtilization
      description = "${local.name}'s tasks averaged over 85 % of their memory (${var.task_memory} MiB) for 15 minutes; at 100 % a task is killed (OutOfMemoryError in its stopped reason). Look for a leak in the memory graph of the dashboard; raise task_memory."
    }
    healthy-tasks-below-minimum = {
      # No data at all means the load balancer sees no task: that is the alarm too.
      deployment  = false, comparison = "LessThanThreshold", threshold = var.min_capacity, periods = 5, datapoints = 5, period = 60, missing = "breaching"
      label       = "Healthy tasks (all target groups)", expression = local.over_target_groups.SUM.healthy
      metrics     = local.per_target_group.healthy
      description = "Fewer than ${var.min_capacity} (min_capacity) of ${local.name}'s tasks were healthy behind the load balancer for 5 minutes: tasks are crashing, failing health checks or cannot start. Read the service's events and the stopped tasks' reasons first."
    }
    sustained-5xx = {
      deployment  = false, comparison = "GreaterThanThreshold", threshold = 1, periods = 3, datapoints = 3, period = 300, missing = "notBreaching"
      label       = "Target 5xx rate (%)", expression = local.over_target_groups.MAX.rate
      metrics     = concat(local.per_target_group.errors, local.per_target_group.requests)
      description = "More than 1 % of ${local.name}'s requests answered 5xx for 15 minutes: a steady error rate no deployment explains (a dependency, bad input, a bug on one path). Start with the saved query ${local.name}/errors-by-path."
    }
  }{{ ")" if cookiecutter.database == "postgres" }}

{%- if cookiecutter.database == 'postgres' %}

  # The database's (postgres.tf): one metric of the instance each.
  database_metric = { for name in ["CPUUtilization", "FreeStorageSpace", "DatabaseConnections"] : name => [{
    id         = "database", namespace = "AWS/RDS", metric_name = name, stat = name == "FreeStorageSpace" ? "Minimum" : "Average"
    dimensions = tomap({ DBInstanceIdentifier = local.database_identifier })
  }] }
  database_alarms = {
    database-cpu-high = {
      deployment  = false, comparison = "GreaterThanThreshold", threshold = 80, periods = 3, datapoints = 3, period = 300, missing = "notBreaching"
      label       = "Database CPU (%)", expression = "database", metrics = local.database_metric.CPUUtilization
      description = "${local.name}'s database averaged over 80 % CPU for 15 minutes. Find the slow statements in ${local.database_log_group_name} (over a second each); a missing index is the usual cause. Raise database_instance_class if the load is real."
    }
    database-free-storage-low = {
      deployment  = false, comparison = "LessThanThreshold", threshold = floor(var.database_allocated_storage * 1073741824 / 10), periods = 2, datapoints = 2, period = 300, missing = "notBreaching"
      label       = "Database free storage (bytes)", expression = "database", metrics = local.database_metric.FreeStorageSpace
      description = "${local.name}'s database has less than a tenth of its ${var.database_allocated_storage} GiB free (10 minutes). Storage grows by itself up to ${var.database_allocated_storage * 10} GiB, at most once every 6 hours: look for a table or log that grows without bound before it reaches that."
    }
    database-connections-high = {
      deployment  = false, comparison = "GreaterThanThreshold", threshold = floor(local.database_max_connections * 0.8), periods = 3, datapoints = 3, period = 60, missing = "notBreaching"
      label       = "Database connections", expression = "database", metrics = local.database_metric.DatabaseConnections
      description = "${local.name}'s database had over 80 % of its about ${local.database_max_connections} connections (${var.database_instance_class}) in use for 3 minutes; new ones are refused at 100 %. Each task holds at most its pool (APP_DATABASE_POOL_SIZE + APP_DATABASE_MAX_OVERFLOW per worker): lower them, or max_capacity, or raise the instance class."
    }
  }
{%- endif %}

  deployment_alarm_names = [for key, alarm in aws_cloudwatch_metric_alarm.this : alarm.alarm_name if local.alarms[key].deployment]
  alarm_arns             = [for alarm in aws_cloudwatch_metric_alarm.this : alarm.arn]
}

resource "aws_sns_topic" "alarms" {
  name              = local.alarm_topic_name
  kms_master_key_id = data.aws_kms_alias.logs.target_key_arn
}

resource "aws_sns_topic_policy" "alarms" {
  arn    = aws_sns_topic.alarms.arn
  policy = data.aws_iam_policy_document.alarm_topic.json
}

data "aws_iam_policy_document" "alarm_topic" {
  statement {
    sid       = "AccountManagesTheTopic"
    actions   = ["sns:GetTopicAttributes", "sns:SetTopicAttributes", "sns:Subscribe", "sns:ListSubscriptionsByTopic", "sns:Publish", "sns:DeleteTopic"]
    resources = [aws_sns_topic.alarms.arn]

    principals {
      type        = "AWS"
      identifiers = ["arn:${local.partition}:iam::${local.account_id}:root"]
    }
  }

  statement {
    sid       = "TheseAlarmsPublish"
    actions   = ["sns:Publish"]
    resources = [aws_sns_topic.alarms.arn]

    principals {
      type        = "Service"
      identifiers = ["cloudwatch.amazonaws.com"]
    }

    condition {
      test     = "ArnLike"
      variable = "aws:SourceArn"
      values   = [local.alarm_arns_like]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

resource "aws_sns_topic_subscription" "email" {
  count = var.alarm_email == null ? 0 : 1

  topic_arn = aws_sns_topic.alarms.arn
  protocol  = "email"
  endpoint  = var.alarm_email
}

resource "aws_cloudwatch_metric_alarm" "this" {
  for_each = local.alarms

  alarm_name          = "${local.name}-${each.key}"
  alarm_description   = "${each.value.description} Runbook: ${local.runbook}#${local.name}-${each.key}."
  comparison_operator = each.value.comparison
  threshold           = each.value.threshold
  evaluation_periods  = each.value.periods
  datapoints_to_alarm = each.value.datapoints
  treat_missing_data  = each.value.missing
  alarm_actions       = [aws_sns_topic.alarms.arn]
  ok_actions          = [aws_sns_topic.alarms.arn]

  metric_query {
    id          = "alarm"
    expression  = each.value.expression
    label       = each.value.label
    return_data = true
  }

  dynamic "metric_query" {
    for_each = { for metric in each.value.metrics : metric.id => metric }
    content {
      id = metric_query.key
      metric {
        namespace   = metric_query.value.namespace
        metric_name = metric_query.value.metric_name
        dimensions  = metric_query.value.dimensions
        period      = each.value.period
        stat        = metric_query.value.stat
      }
    }
  }
}
