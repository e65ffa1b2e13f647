# Shared logic for rules about remote administration ports reachable from the whole internet
# (CIS AWS Foundations 5.1 to 5.3): the ports to check, protocol names and numbers, and how a
# security group rule or a network ACL entry reaches a port.
package palisade.aws.lib.network

# Remote administration ports: SSH and RDP unless the scan sets `admin_ports` (a list of numbers).
admin_ports := object.get(data.palisade.params, "admin_ports", [22, 3389])

as_list(x) := x if is_array(x)

as_list(x) := [] if not is_array(x)

world_ipv4 := "0.0.0.0/0"

world_ipv6 := "::/0"

# The EC2 API gives protocols as names ("tcp") or numbers ("6"); -1 means every protocol.
protocol(p) := "all" if lower(sprintf("%v", [p])) in {"-1", "all"}

protocol(p) := "tcp" if lower(sprintf("%v", [p])) in {"tcp", "6"}

protocol(p) := "udp" if lower(sprintf("%v", [p])) in {"udp", "17"}

# Admin ports are reached over TCP (SSH, RDP) and UDP (RDP's UDP transport).
admin_protocols := {"tcp", "udp"}

# ---- security groups ----

# The admin ports a security group rule opens.
sg_rule_ports(rule) := {port | some port in admin_ports; sg_rule_reaches(rule, port)}

sg_rule_reaches(rule, port) if protocol(rule.IpProtocol) == "all"

sg_rule_reaches(rule, port) if {
	protocol(rule.IpProtocol) in admin_protocols
	rule.FromPort <= port
	rule.ToPort >= port
}

# "all traffic" or "tcp 0-1024", for messages.
sg_rule_text(rule) := "all traffic" if protocol(rule.IpProtocol) == "all"

sg_rule_text(rule) := sprintf("%s %v-%v", [protocol(rule.IpProtocol), rule.FromPort, rule.ToPort]) if {
	protocol(rule.IpProtocol) in admin_protocols
}

# Ingress findings of a security group for one address family: {cidr, ports, text} per rule and
# world CIDR. `family` is "ipv4" or "ipv6".
sg_world_ingress(group, family) := {{"cidr": cidr, "ports": ports, "text": sg_rule_text(rule)} |
	some rule in as_list(object.get(group, "IpPermissions", []))
	some cidr in world_cidrs(rule, family)
	ports := sg_rule_ports(rule)
	count(ports) > 0
}

world_cidrs(rule, family) := {r.CidrIp | some r in as_list(object.get(rule, "IpRanges", [])); r.CidrIp == world_ipv4} if {
	family == "ipv4"
}

world_cidrs(rule, family) := {r.CidrIpv6 | some r in as_list(object.get(rule, "Ipv6Ranges", [])); r.CidrIpv6 == world_ipv6} if {
	family == "ipv6"
}

ports_text(ports) := concat(", ", [sprintf("%v", [p]) | some p in sort([q | some q in ports])])

# ---- network ACLs ----
#
# A network ACL applies its inbound entries in rule-number order and the first entry that matches
# a packet decides. Traffic from an arbitrary internet address matches only entries whose source is
# the whole address space, so for each admin port, protocol and address family the deciding entry
# is the lowest-numbered such entry that covers the port: an earlier deny shadows a later allow.

nacl_entry_reaches(entry, proto, port) if {
	protocol(entry.Protocol) in {"all", proto}
	object.get(entry, "PortRange", null) == null
}

nacl_entry_reaches(entry, proto, port) if {
	protocol(entry.Protocol) in {"all", proto}
	entry.PortRange.From <= port
	entry.PortRange.To >= port
}

nacl_world_source(entry, family) if {
	family == "ipv4"
	entry.CidrBlock == world_ipv4
}

nacl_world_source(entry, family) if {
	family == "ipv6"
	entry.Ipv6CidrBlock == world_ipv6
}

# The entries that decide whether `proto` traffic from the whole internet (`family`) reaches
# `port`: the lowest-numbered matching inbound entry (a set, in case the API ever repeats a number).
nacl_deciding_entries(entries, family, proto, port) := {e | some e in candidates; e.RuleNumber == first} if {
	candidates := [e |
		some e in as_list(entries)
		e.Egress == false
		nacl_world_source(e, family)
		nacl_entry_reaches(e, proto, port)
	]
	count(candidates) > 0
	first := min([e.RuleNumber | some e in candidates])
}

nacl_entry_text(entry) := "all traffic" if protocol(entry.Protocol) == "all"

nacl_entry_text(entry) := sprintf("%s, all ports", [protocol(entry.Protocol)]) if {
	protocol(entry.Protocol) != "all"
	object.get(entry, "PortRange", null) == null
}

nacl_entry_text(entry) := sprintf("%s %v-%v", [protocol(entry.Protocol), entry.PortRange.From, entry.PortRange.To]) if {
	protocol(entry.Protocol) != "all"
	entry.PortRange != null
}
