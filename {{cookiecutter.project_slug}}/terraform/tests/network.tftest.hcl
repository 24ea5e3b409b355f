# Runs offline: the mocked provider answers every AWS call with fake IDs.
mock_provider "aws" {
{% include "terraform/tests/{#aws-mocks.hcl#}" %}
{% include "terraform/tests/{#aws-mock-overrides.hcl#}" %}
}

variables {
  project            = "svc-test"
  repository         = "acme/svc-test"
  aws_region         = "us-east-1"
  availability_zones = ["us-east-1a", "us-east-1b"]
  vpc_cidr           = "10.0.0.0/16"
}

run "one_public_and_one_private_subnet_per_az" {
  assert {
    condition     = keys(aws_subnet.public) == ["us-east-1a", "us-east-1b"] && keys(aws_subnet.private) == ["us-east-1a", "us-east-1b"]
    error_message = "Expected one public and one private subnet per AZ, keyed by AZ name."
  }

  assert {
    condition     = alltrue([for az, subnet in merge(aws_subnet.public, aws_subnet.private) : subnet.availability_zone == az])
    error_message = "Each subnet must be in the AZ it is keyed by."
  }

  assert {
    condition     = aws_subnet.public["us-east-1a"].cidr_block == "10.0.0.0/21" && aws_subnet.public["us-east-1b"].cidr_block == "10.0.8.0/21"
    error_message = "Public subnets must take their AZ letter's slot in the public tier."
  }

  assert {
    condition     = aws_subnet.private["us-east-1a"].cidr_block == "10.0.64.0/21" && aws_subnet.private["us-east-1b"].cidr_block == "10.0.72.0/21"
    error_message = "Private subnets must take their AZ letter's slot in the private tier."
  }

  assert {
    condition     = length(aws_route_table.private) == 2 && length(aws_route_table_association.public) == 2
    error_message = "Each private subnet needs its own route table and each public subnet an association."
  }
}

run "adding_an_az_changes_no_existing_subnet" {
  variables {
    availability_zones = ["us-east-1b", "us-east-1a", "us-east-1c"]
  }

  assert {
    condition     = aws_subnet.public["us-east-1a"].cidr_block == "10.0.0.0/21" && aws_subnet.public["us-east-1b"].cidr_block == "10.0.8.0/21"
    error_message = "Adding or reordering AZs must not move the existing public subnets."
  }

  assert {
    condition     = aws_subnet.private["us-east-1a"].cidr_block == "10.0.64.0/21" && aws_subnet.private["us-east-1b"].cidr_block == "10.0.72.0/21"
    error_message = "Adding or reordering AZs must not move the existing private subnets."
  }

  assert {
    condition     = aws_subnet.private["us-east-1c"].cidr_block == "10.0.80.0/21" && length(aws_nat_gateway.this) == 3
    error_message = "The new AZ must get the next private slot and, in per-az mode, its own NAT gateway."
  }
}

run "per_az_mode_gives_every_az_its_own_nat" {
  variables {
    nat_mode           = "per-az"
    availability_zones = ["us-east-1a", "us-east-1b", "us-east-1c"]
  }

  assert {
    condition     = length(aws_nat_gateway.this) == 3 && length(aws_eip.nat) == 3
    error_message = "per-az mode must create one NAT gateway and one Elastic IP per AZ."
  }

  assert {
    condition     = alltrue([for az, nat in aws_nat_gateway.this : nat.subnet_id == aws_subnet.public[az].id])
    error_message = "Each NAT gateway must sit in its own AZ's public subnet."
  }

  assert {
    condition     = alltrue([for az, route in aws_route.private_nat : route.nat_gateway_id == aws_nat_gateway.this[az].id])
    error_message = "Each AZ's private route table must use that AZ's NAT gateway."
  }
}

run "single_mode_shares_one_nat" {
  variables {
    nat_mode           = "single"
    availability_zones = ["us-east-1a", "us-east-1b", "us-east-1c"]
  }

  assert {
    condition     = keys(aws_nat_gateway.this) == ["us-east-1a"] && length(aws_eip.nat) == 1
    error_message = "single mode must create one NAT gateway, in the first AZ listed."
  }

  assert {
    condition     = alltrue([for route in aws_route.private_nat : route.nat_gateway_id == aws_nat_gateway.this["us-east-1a"].id])
    error_message = "Every private route table must use the single NAT gateway."
  }
}

run "public_subnets_route_to_the_internet_gateway" {
  assert {
    condition     = aws_route.public_internet.gateway_id == aws_internet_gateway.this.id && aws_route.public_internet.destination_cidr_block == "0.0.0.0/0"
    error_message = "Public subnets must route to the internet gateway."
  }

  assert {
    condition     = alltrue([for association in aws_route_table_association.public : association.route_table_id == aws_route_table.public.id])
    error_message = "Every public subnet must use the public route table."
  }
}

{% if cookiecutter.database == "postgres" %}run "database_tier_is_on_for_the_database" {
  assert {
    condition     = length(aws_subnet.database) == length(var.availability_zones) && length(aws_security_group.database) == 1
    error_message = "The PostgreSQL database lives in the database tier: it must be on."
  }
}{% else %}run "database_tier_is_off_by_default" {
  assert {
    condition     = length(aws_subnet.database) == 0 && length(aws_security_group.database) == 0
    error_message = "The database tier must be off unless enabled."
  }
}{% endif %}

run "database_tier_is_isolated" {
  variables {
    enable_database_subnets = true
  }

  assert {
    condition     = keys(aws_subnet.database) == ["us-east-1a", "us-east-1b"] && aws_subnet.database["us-east-1a"].cidr_block == "10.0.128.0/21"
    error_message = "The database tier must have one subnet per AZ in the third tier."
  }

  assert {
    condition     = alltrue([for route in concat(values(aws_route.private_nat), [aws_route.public_internet]) : route.route_table_id != aws_route_table.database[0].id])
    error_message = "No route out of the VPC may be added to the database route table."
  }

  assert {
    condition     = alltrue([for association in aws_route_table_association.database : association.route_table_id == aws_route_table.database[0].id])
    error_message = "Database subnets must use the database route table."
  }

  assert {
    condition     = aws_vpc_security_group_ingress_rule.database_from_tasks[0].referenced_security_group_id == aws_security_group.tasks.id
    error_message = "The database security group must admit the service tasks only."
  }
}
