package palisade.aws.config.region_enabled_test

import data.palisade.aws.config.region_enabled as policy

recorder(name, recording, all_supported, last_status) := {
	"Name": name, "RoleARN": "arn:aws:iam::111122223333:role/config",
	"RecordingGroup": {"AllSupported": all_supported, "IncludeGlobalResourceTypes": false, "ResourceTypes": []},
	"Status": {"Recording": recording, "LastStatus": last_status, "LastErrorCode": null},
}

channel := {"Name": "default", "S3BucketName": "config-bucket", "SnsTopicARN": null}

region(recorders, channels) := {"name": "eu-west-1", "region": "eu-west-1", "type": "AWS.Region.Config", "attributes": {
	"Enabled": false, "Recorders": recorders, "DeliveryChannels": channels,
}}

test_recording_everything_passes if {
	c := channel
	count(policy.deny) == 0 with input as region([recorder("default", true, true, "Success")], [c])
}

test_pending_first_recording_passes if {
	c := channel
	count(policy.deny) == 0 with input as region([recorder("default", true, true, "Pending")], [c])
}

test_nothing_set_up_fails if {
	policy.deny == {"AWS Config is not fully enabled in eu-west-1: no configuration recorder; no delivery channel"} with input as region([], [])
}

test_stopped_recorder_fails if {
	c := channel
	policy.deny == {"AWS Config is not fully enabled in eu-west-1: recorder default is not recording"} with input as region([recorder("default", false, true, "Success")], [c])
}

test_selected_resource_types_only_fail if {
	c := channel
	policy.deny == {"AWS Config is not fully enabled in eu-west-1: recorder default does not record all supported resource types"} with input as region([recorder("default", true, false, "Success")], [c])
}

test_failing_recorder_fails if {
	c := channel
	r := object.union(recorder("default", true, true, "Failure"), {"Status": {"LastErrorCode": "AccessDenied"}})
	policy.deny == {"AWS Config is not fully enabled in eu-west-1: recorder default last failed to record (AccessDenied)"} with input as region([r], [c])
}

test_missing_delivery_channel_fails if {
	policy.deny == {"AWS Config is not fully enabled in eu-west-1: no delivery channel"} with input as region([recorder("default", true, true, "Success")], [])
}

test_recorder_without_status_fails if {
	c := channel
	r := object.union(recorder("default", true, true, "Success"), {"Status": null})
	count(policy.deny) == 1 with input as region([r], [c])
}
