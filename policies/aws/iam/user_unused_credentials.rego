# METADATA
# title: Ensure credentials unused for 45 days or greater are disabled
# description: >-
#   A console password or active access key that nobody has used for 45 days (parameter
#   iam_unused_credentials_days) is exposure without benefit: it is likely forgotten and will not
#   be missed if disabled. A credential never used counts from when it was set (the password's
#   last change, the key's creation or rotation). Read from the IAM credential report as CIS
#   prescribes ("N/A" and "no_information" mean never used or not recorded); when the report is
#   not available, from the user's login profile, last sign-in and access keys. Inactive keys are
#   ignored. The root user is covered by its own controls.
# custom:
#   id: AWS.IAM.User.UnusedCredentials
#   severity: MEDIUM
#   resource_types: [AWS.IAM.User]
#   remediation: >-
#     Remove the unused console password (aws iam delete-login-profile --user-name USER) and
#     deactivate unused access keys (aws iam update-access-key --status Inactive), deleting them
#     once nothing breaks. Remove users that no longer need any credential.
#   references:
#     - https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_finding-unused.html
#     - https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_getting-report.html
#   compliance:
#     cis-aws-foundations-3.0: ["1.12"]
package palisade.aws.iam.user_unused_credentials

ns_per_day := ((24 * 60) * 60) * 1000000000

max_days := object.get(data.palisade.params, "iam_unused_credentials_days", 45)

report := object.get(input.attributes, "CredentialReport", null)

as_list(x) := x if is_array(x)

as_list(x) := [] if not is_array(x)

# Report values are timestamps, or "N/A", "no_information", "not_supported".
is_time(value) if {
	is_string(value)
	regex.match(`^[0-9]{4}-[0-9]{2}-[0-9]{2}T`, value)
}

used(value) := true if is_time(value)

used(value) := false if not is_time(value)

# The first value in `values` that is a timestamp.
first_time(values) := values[i] if {
	indices := {j | some j, v in values; is_time(v)}
	count(indices) > 0
	i := min(indices)
}

# Active credentials as {name, since, used}: `since` is the last use, or when the credential was
# set if it was never used (`used` false).

credentials contains {"name": "console password", "since": since, "used": used(last_used)} if {
	report != null
	report.password_enabled == "true"
	last_used := object.get(report, "password_last_used", null)
	since := first_time([last_used, object.get(report, "password_last_changed", null), object.get(report, "user_creation_time", null)])
}

credentials contains {"name": sprintf("access key %s", [n]), "since": since, "used": used(last_used)} if {
	report != null
	some n in ["1", "2"]
	object.get(report, sprintf("access_key_%s_active", [n]), "false") == "true"
	last_used := object.get(report, sprintf("access_key_%s_last_used_date", [n]), null)
	since := first_time([last_used, object.get(report, sprintf("access_key_%s_last_rotated", [n]), null)])
}

credentials contains {"name": "console password", "since": since, "used": used(last_used)} if {
	report == null
	profile := object.get(input.attributes, "LoginProfile", null)
	profile != null
	last_used := object.get(input.attributes, "PasswordLastUsed", null)
	since := first_time([last_used, profile.CreateDate])
}

credentials contains {"name": sprintf("access key %s", [key.AccessKeyId]), "since": since, "used": used(last_used)} if {
	report == null
	some key in as_list(object.get(input.attributes, "AccessKeys", []))
	key.Status == "Active"
	last_used := object.get(key, "LastUsedDate", null)
	since := first_time([last_used, key.CreateDate])
}

age_days(ts) := floor((data.palisade.now_ns - time.parse_rfc3339_ns(ts)) / ns_per_day)

deny contains msg if {
	some c in credentials
	c.used
	days := age_days(c.since)
	days >= max_days
	msg := sprintf("%s of user %s was last used %d days ago (limit %d days)", [c.name, input.name, days, max_days])
}

deny contains msg if {
	some c in credentials
	not c.used
	days := age_days(c.since)
	days >= max_days
	msg := sprintf("%s of user %s has never been used in the %d days since it was set (limit %d days)", [c.name, input.name, days, max_days])
}
