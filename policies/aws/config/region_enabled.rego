# METADATA
# title: Ensure AWS Config is enabled in all regions
# description: >-
#   AWS Config records the configuration of resources and every change to it, which investigations
#   and audits rely on. In every region a configuration recorder must be recording all supported
#   resource types, its last recording must not have failed, and a delivery channel must exist.
#   Global resource types (IAM) need to be recorded in one region only, so they are not required
#   here.
# custom:
#   id: AWS.Region.Config.Enabled
#   severity: MEDIUM
#   resource_types: [AWS.Region.Config]
#   remediation: >-
#     In each region: create the S3 bucket (and optionally SNS topic) and role Config needs, then
#     aws configservice put-configuration-recorder --configuration-recorder
#     name=default,roleARN=ROLE --recording-group allSupported=true, aws configservice
#     put-delivery-channel, and aws configservice start-configuration-recorder
#     --configuration-recorder-name default. Include global resource types in one region.
#   references:
#     - https://docs.aws.amazon.com/config/latest/developerguide/gs-cli.html
#     - https://docs.aws.amazon.com/config/latest/developerguide/select-resources.html
#   compliance:
#     cis-aws-foundations-3.0: ["3.3"]
package palisade.aws.config.region_enabled

as_list(x) := x if is_array(x)

as_list(x) := [] if not is_array(x)

recorders := as_list(object.get(input.attributes, "Recorders", []))

channels := as_list(object.get(input.attributes, "DeliveryChannels", []))

recording(r) if r.Status.Recording == true

all_supported(r) if r.RecordingGroup.AllSupported == true

failed(r) if {
	is_string(r.Status.LastStatus)
	lower(r.Status.LastStatus) == "failure"
}

# A recorder that does what CIS asks.
good(r) if {
	recording(r)
	all_supported(r)
	not failed(r)
}

reasons contains "no configuration recorder" if count(recorders) == 0

reasons contains msg if {
	some r in recorders
	not recording(r)
	msg := sprintf("recorder %s is not recording", [r.Name])
}

reasons contains msg if {
	some r in recorders
	not all_supported(r)
	msg := sprintf("recorder %s does not record all supported resource types", [r.Name])
}

reasons contains msg if {
	some r in recorders
	recording(r)
	failed(r)
	msg := sprintf("recorder %s last failed to record (%v)", [r.Name, object.get(r.Status, "LastErrorCode", null)])
}

reasons contains "no delivery channel" if count(channels) == 0

deny contains msg if {
	not compliant
	msg := sprintf("AWS Config is not fully enabled in %s: %s", [input.region, concat("; ", sort([r | some r in reasons]))])
}

compliant if {
	some r in recorders
	good(r)
	count(channels) > 0
}
