"""RDS DB instances as CreateDBInstance, ModifyDBInstance and DeleteDBInstance check them beyond the service
model (the RDS user guide's settings for DB instances, for PostgreSQL): a managed master password excludes one
of the caller's, a key for its secret needs it managed; names of the database, the master login and the final
snapshot; backup retention; autoscaling storage's ceiling at least a tenth above the allocation and within
gp3's 65,536 GiB; and a parameter group of the engine's own family (postgres17 for PostgreSQL 17). moto accepts
all of these."""
from __future__ import annotations

import re

from aws_strict.errors import Refusal

POSTGRES_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,62}")  # a database or login name for PostgreSQL
SNAPSHOT = re.compile(r"[A-Za-z](?!.*--)[A-Za-z0-9-]{0,254}(?<!-)")
MAX_STORAGE_GIB = 65536  # gp3 and io1/io2 for PostgreSQL
BACKUP_DAYS = (0, 35)


def refusal(found: list[str]) -> Refusal:
    return Refusal("InvalidParameterCombination", "; ".join(found))


def problems(params: dict, family_of) -> list[str]:
    """`family_of(name)`: the family of the account's parameter group `name`, or None when there is none."""
    return (password_problems(params) + name_problems(params) + storage_problems(params)
            + parameter_group_problems(params, family_of))


def password_problems(params: dict) -> list[str]:
    found = []
    managed = params.get("ManageMasterUserPassword")
    if managed and params.get("MasterUserPassword"):
        found.append("MasterUserPassword cannot be given with ManageMasterUserPassword")
    if params.get("MasterUserSecretKmsKeyId") and not managed:
        found.append("MasterUserSecretKmsKeyId needs ManageMasterUserPassword")
    return found


def name_problems(params: dict) -> list[str]:
    found = []
    if params.get("Engine", "postgres") == "postgres":
        found += [f"{member} {params[member]!r}: 1 to 63 letters, digits or underscores, starting with a letter"
                  for member in ("DBName", "MasterUsername")
                  if params.get(member) is not None and not POSTGRES_NAME.fullmatch(params[member])]
    snapshot = params.get("FinalDBSnapshotIdentifier")
    if snapshot is not None and not SNAPSHOT.fullmatch(snapshot):
        found.append(f"FinalDBSnapshotIdentifier {snapshot!r}: letters, digits and single hyphens, starting with a "
                     "letter, not ending with a hyphen")
    return found


def storage_problems(params: dict) -> list[str]:
    found = []
    retention = params.get("BackupRetentionPeriod")
    if retention is not None and not BACKUP_DAYS[0] <= int(retention) <= BACKUP_DAYS[1]:
        found.append(f"BackupRetentionPeriod {retention}: 0 to 35 days")
    allocated, ceiling = params.get("AllocatedStorage"), params.get("MaxAllocatedStorage")
    if ceiling is not None and allocated is not None and int(ceiling) < int(allocated) * 1.1:
        found.append(f"MaxAllocatedStorage {ceiling} must be at least 10 percent above AllocatedStorage {allocated}")
    if ceiling is not None and int(ceiling) > MAX_STORAGE_GIB:
        found.append(f"MaxAllocatedStorage {ceiling} is above {MAX_STORAGE_GIB} GiB")
    return found


def parameter_group_problems(params: dict, family_of) -> list[str]:
    group, version = params.get("DBParameterGroupName"), params.get("EngineVersion")
    if not (group and version and params.get("Engine", "postgres") == "postgres"):
        return []
    family, expected = family_of(group), f"postgres{str(version).split('.')[0]}"
    if family is None:
        return [f"DBParameterGroup {group} not found"]
    if family != expected:
        return [f"The parameter group {group} with DBParameterGroupFamily {family} cannot be used for this "
                f"instance. Use a parameter group with DBParameterGroupFamily {expected}."]
    return []
