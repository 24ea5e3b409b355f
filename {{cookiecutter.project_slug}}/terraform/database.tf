# Optional isolated tier for a future database: its subnets have no route out of the VPC, and its
# security group admits only the service's tasks.

resource "aws_subnet" "database" {
  for_each = var.enable_database_subnets ? local.subnet_cidr.database : {}

  vpc_id            = aws_vpc.this.id
  availability_zone = each.key
  cidr_block        = each.value

  tags = { Name = "${local.name}-database-${each.key}", Tier = "database" }
}

# No routes besides the implicit local one: nothing in this tier reaches the internet.
resource "aws_route_table" "database" {
  count = var.enable_database_subnets ? 1 : 0

  vpc_id = aws_vpc.this.id

  tags = { Name = "${local.name}-database" }
}

resource "aws_route_table_association" "database" {
  for_each = aws_subnet.database

  subnet_id      = each.value.id
  route_table_id = aws_route_table.database[0].id
}

resource "aws_db_subnet_group" "this" {
  count = var.enable_database_subnets ? 1 : 0

  name        = "${local.name}-database"
  description = "Isolated database subnets of ${local.name}"
  subnet_ids  = [for subnet in aws_subnet.database : subnet.id]
}

resource "aws_security_group" "database" {
  #checkov:skip=CKV2_AWS_5:Created for the database this tier is built for; attach it to that database.
  count = var.enable_database_subnets ? 1 : 0

  name        = "${local.name}-database"
  description = "Database tier: reachable from the service tasks only"
  vpc_id      = aws_vpc.this.id

  tags = { Name = "${local.name}-database" }
}

resource "aws_vpc_security_group_ingress_rule" "database_from_tasks" {
  count = var.enable_database_subnets ? 1 : 0

  security_group_id            = aws_security_group.database[0].id
  description                  = "Database port from the service tasks"
  referenced_security_group_id = aws_security_group.tasks.id
  ip_protocol                  = "tcp"
  from_port                    = var.database_port
  to_port                      = var.database_port
}

resource "aws_vpc_security_group_egress_rule" "tasks_to_database" {
  count = var.enable_database_subnets ? 1 : 0

  security_group_id            = aws_security_group.tasks.id
  description                  = "Service tasks to the database tier"
  referenced_security_group_id = aws_security_group.database[0].id
  ip_protocol                  = "tcp"
  from_port                    = var.database_port
  to_port                      = var.database_port
}
