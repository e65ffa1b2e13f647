# METADATA
# title: Ensure Auto Minor Version Upgrade feature is Enabled for RDS Instances
# description: >-
#   Minor engine versions carry security fixes. With automatic minor version upgrades, RDS applies
#   them in the instance's maintenance window instead of leaving the database on a vulnerable
#   version until someone remembers.
# custom:
#   id: AWS.RDS.DBInstance.AutoMinorVersionUpgrade
#   severity: MEDIUM
#   resource_types: [AWS.RDS.DBInstance]
#   remediation: >-
#     aws rds modify-db-instance --db-instance-identifier ID --auto-minor-version-upgrade (without
#     --apply-immediately the change waits for the maintenance window). Make sure the maintenance
#     window suits the application.
#   references:
#     - https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_UpgradeDBInstance.Upgrading.html#USER_UpgradeDBInstance.Upgrading.AutoMinorVersionUpgrades
#   compliance:
#     cis-aws-foundations-3.0: ["2.3.2"]
package palisade.aws.rds.instance_auto_minor_version_upgrade

deny contains msg if {
	input.attributes.AutoMinorVersionUpgrade != true
	msg := sprintf("RDS instance %s does not upgrade minor engine versions automatically", [input.name])
}
