package fetch

import (
	"errors"
	"net/netip"
	"testing"
)

func TestBlocked(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		addr string
		want bool
	}{
		{name: "public v4", addr: "93.184.216.34", want: false},
		{name: "public v6", addr: "2606:2800:220:1:248:1893:25c8:1946", want: false},
		{name: "loopback", addr: "127.0.0.1", want: true},
		{name: "loopback other", addr: "127.8.9.10", want: true},
		{name: "private 10", addr: "10.1.2.3", want: true},
		{name: "private 172.16", addr: "172.31.255.255", want: true},
		{name: "172.32 public", addr: "172.32.0.1", want: false},
		{name: "private 192.168", addr: "192.168.1.1", want: true},
		{name: "aws metadata", addr: "169.254.169.254", want: true},
		{name: "alibaba metadata in CGNAT", addr: "100.100.100.200", want: true},
		{name: "CGNAT edge", addr: "100.127.255.255", want: true},
		{name: "just above CGNAT", addr: "100.128.0.1", want: false},
		{name: "benchmarking", addr: "198.19.1.1", want: true},
		{name: "reserved 240/4", addr: "240.0.0.1", want: true},
		{name: "broadcast", addr: "255.255.255.255", want: true},
		{name: "this network", addr: "0.0.0.0", want: true},
		{name: "this network other", addr: "0.1.2.3", want: true},
		{name: "multicast", addr: "224.0.0.1", want: true},
		{name: "oracle metadata", addr: "192.0.0.192", want: true},
		{name: "v6 loopback", addr: "::1", want: true},
		{name: "v6 unspecified", addr: "::", want: true},
		{name: "v6 link-local", addr: "fe80::1", want: true},
		{name: "v6 link-local zone", addr: "fe80::1%eth0", want: true},
		{name: "v6 ula", addr: "fd12:3456::1", want: true},
		{name: "aws v6 metadata", addr: "fd00:ec2::254", want: true},
		{name: "v4-mapped metadata", addr: "::ffff:169.254.169.254", want: true},
		{name: "v4-mapped loopback", addr: "::ffff:127.0.0.1", want: true},
		{name: "v4-mapped public", addr: "::ffff:93.184.216.34", want: false},
		{name: "v4-compatible loopback", addr: "::127.0.0.1", want: true},
		{name: "nat64 metadata", addr: "64:ff9b::a9fe:a9fe", want: true},
		{name: "nat64 public", addr: "64:ff9b::5db8:d822", want: false},
		{name: "nat64 local-use", addr: "64:ff9b:1::1", want: true},
		{name: "6to4 metadata", addr: "2002:a9fe:a9fe::1", want: true},
		{name: "6to4 loopback", addr: "2002:7f00:1::", want: true},
		{name: "6to4 public", addr: "2002:5db8:d822::1", want: false},
		{name: "teredo", addr: "2001:0:4136:e378:8000:63bf:3fff:fdd2", want: true},
		{name: "documentation v6", addr: "2001:db8::1", want: true},
		{name: "v6 multicast", addr: "ff02::1", want: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			a, err := netip.ParseAddr(tc.addr)
			if err != nil {
				t.Fatal(err)
			}
			if got := Blocked(a); got != tc.want {
				t.Errorf("Blocked(%s) = %v, want %v", tc.addr, got, tc.want)
			}
		})
	}
	if !Blocked(netip.Addr{}) {
		t.Error("the zero Addr must be blocked")
	}
}

func TestGuardCheck(t *testing.T) {
	t.Parallel()
	g := guard{
		allowNets:  []netip.Prefix{netip.MustParsePrefix("10.9.0.0/16")},
		allowAddrs: []netip.AddrPort{netip.MustParseAddrPort("127.0.0.1:8080")},
	}
	tests := []struct {
		name    string
		g       guard
		address string
		blocked bool
	}{
		{name: "public", g: g, address: "93.184.216.34:443"},
		{name: "allowed addr port", g: g, address: "127.0.0.1:8080"},
		{name: "same ip other port", g: g, address: "127.0.0.1:8081", blocked: true},
		{name: "mapped form of allowed addr", g: g, address: "[::ffff:127.0.0.1]:8080"},
		{name: "allowed intranet net", g: g, address: "10.9.1.1:80"},
		{name: "other private", g: g, address: "10.8.1.1:80", blocked: true},
		{name: "metadata", g: g, address: "169.254.169.254:80", blocked: true},
		{name: "allow private", g: guard{allowPrivate: true}, address: "169.254.169.254:80"},
		{name: "garbage", g: g, address: "nonsense", blocked: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := tc.g.control("tcp", tc.address, nil)
			if got := errors.Is(err, ErrBlockedAddress); got != tc.blocked {
				t.Errorf("control(%s) = %v, blocked want %v", tc.address, err, tc.blocked)
			}
		})
	}
	if err := g.control("udp", "93.184.216.34:53", nil); !errors.Is(err, ErrBlockedAddress) {
		t.Errorf("udp must be refused, got %v", err)
	}
}
