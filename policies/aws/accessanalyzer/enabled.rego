# METADATA
# title: Ensure that IAM Access analyzer is enabled for all regions
# description: >-
#   IAM Access Analyzer reports buckets, roles, keys, queues, functions and other resources that a
#   resource policy shares outside the account or organization. It analyzes only its own region,
#   so every region needs an external access analyzer (type ACCOUNT or ORGANIZATION) whose status
#   is ACTIVE; unused-access and internal-access analyzers do not look for external sharing.
# custom:
#   id: AWS.Region.AccessAnalyzer.Enabled
#   severity: MEDIUM
#   resource_types: [AWS.Region.AccessAnalyzer]
#   remediation: >-
#     In each region, aws accessanalyzer create-analyzer --analyzer-name NAME --type ACCOUNT (or
#     ORGANIZATION from the organization's delegated administrator), then review its findings.
#   references:
#     - https://docs.aws.amazon.com/IAM/latest/UserGuide/what-is-access-analyzer.html
#     - https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-getting-started.html
#   compliance:
#     cis-aws-foundations-3.0: ["1.20"]
package palisade.aws.accessanalyzer.enabled

analyzers := object.get(input.attributes, "Analyzers", []) if is_array(object.get(input.attributes, "Analyzers", []))

analyzers := [] if not is_array(object.get(input.attributes, "Analyzers", []))

external_access_types := {"ACCOUNT", "ORGANIZATION"}

active if {
	some a in analyzers
	a.Type in external_access_types
	a.Status == "ACTIVE"
}

deny contains msg if {
	not active
	count(analyzers) == 0
	msg := sprintf("IAM Access Analyzer has no analyzer in %s", [input.region])
}

deny contains msg if {
	not active
	count(analyzers) > 0
	states := sort([sprintf("%s: %s %s", [a.Name, a.Type, a.Status]) | some a in analyzers])
	msg := sprintf("IAM Access Analyzer has no active external access analyzer in %s (%s)", [input.region, concat(", ", states)])
}
