-- edgelb_range.lua - Pktgen-DPDK range-mode load for an edgelb node (edgelb-dp or XDP) on real
-- NICs: many TCP flows to one VIP, source addresses and ports swept, fixed frame size.
-- Edit the constants below for your lab, then: pktgen ... -- -P -m "[2:3].0" -f edgelb_range.lua
-- (see README.md next to this file). Port 0 of Pktgen is cabled to the edgelb node's NIC.
package.path = package.path .. ";?.lua;test/?.lua;app/?.lua;"
require "Pktgen"

local port      = "0"
local node_mac  = "02:00:00:00:00:01" -- the edgelb node's NIC (or the router's, if routed)
local gen_mac   = "02:00:00:00:00:fe" -- Pktgen's port
local vip       = "192.0.2.10"        -- the VIP (documentation range: replace)
local vip_port  = 80
local src_first = "198.18.0.1"        -- RFC 2544 benchmark range
local mix       = os.getenv("EDGELB_MIX") or "new" -- "new" or "established"
-- new flows: 65,534 addresses x 64,512 ports swept together (the connection table never sees a
-- flow twice within its size); established: 1,024 flows repeated (connection-table hits)
local src_last  = mix == "established" and "198.18.3.255" or "198.18.255.254"
local sport_max = mix == "established" and 1024 or 65535
local frame     = tonumber(os.getenv("EDGELB_FRAME") or "64") -- 64 or 512
local rate_pct  = tonumber(os.getenv("EDGELB_RATE") or "100")

pktgen.stop(port)
pktgen.set(port, "rate", rate_pct)
pktgen.set(port, "size", frame)

pktgen.range.dst_mac(port, "start", node_mac)
pktgen.range.src_mac(port, "start", gen_mac)

-- one destination: the VIP
pktgen.range.dst_ip(port, "start", vip)
pktgen.range.dst_ip(port, "inc", "0.0.0.0")
pktgen.range.dst_ip(port, "min", vip)
pktgen.range.dst_ip(port, "max", vip)

-- sources swept one by one ...
pktgen.range.src_ip(port, "start", src_first)
pktgen.range.src_ip(port, "inc", "0.0.0.1")
pktgen.range.src_ip(port, "min", src_first)
pktgen.range.src_ip(port, "max", src_last)

-- ... times a sweep of source ports
pktgen.range.src_port(port, "start", 1024)
pktgen.range.src_port(port, "inc", mix == "established" and 0 or 1)
pktgen.range.src_port(port, "min", 1024)
pktgen.range.src_port(port, "max", sport_max)

pktgen.range.dst_port(port, "start", vip_port)
pktgen.range.dst_port(port, "inc", 0)
pktgen.range.dst_port(port, "min", vip_port)
pktgen.range.dst_port(port, "max", vip_port)

pktgen.range.ip_proto(port, "tcp")
pktgen.range.pkt_size(port, "start", frame)
pktgen.range.pkt_size(port, "inc", 0)
pktgen.range.pkt_size(port, "min", frame)
pktgen.range.pkt_size(port, "max", frame)

pktgen.set_range(port, "on")
pktgen.page("range")
pktgen.start(port)
