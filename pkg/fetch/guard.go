package fetch

import (
	"errors"
	"fmt"
	"net/netip"
	"syscall"
)

// ErrBlockedAddress reports a connection refused because its resolved
// address is private, loopback, link-local, CGNAT, reserved or a cloud
// metadata address, and the source does not allow private targets. The
// page is skipped; the refusal is counted under reason "blocked_address".
var ErrBlockedAddress = errors.New("address is not public")

// blockedNets is the fetcher's own table of non-public ranges: Go's
// net.IP.IsPrivate/IsLoopback/IsLinkLocal* miss CGNAT (100.64.0.0/10, which
// holds Alibaba's metadata address 100.100.100.200), benchmarking
// (198.18.0.0/15), reserved (240.0.0.0/4), "this network" (0.0.0.0/8) and
// the IPv6 forms that embed an IPv4 address (see embeddedIPv4).
var blockedNets = mustPrefixes(
	// IPv4
	"0.0.0.0/8",       // "this network"
	"10.0.0.0/8",      // private
	"100.64.0.0/10",   // CGNAT, incl. 100.100.100.200 (Alibaba metadata)
	"127.0.0.0/8",     // loopback
	"169.254.0.0/16",  // link-local, incl. 169.254.169.254 (metadata)
	"172.16.0.0/12",   // private
	"192.0.0.0/24",    // IETF protocol assignments (incl. 192.0.0.192 Oracle metadata)
	"192.0.2.0/24",    // TEST-NET-1
	"192.88.99.0/24",  // 6to4 relay anycast
	"192.168.0.0/16",  // private
	"198.18.0.0/15",   // benchmarking
	"198.51.100.0/24", // TEST-NET-2
	"203.0.113.0/24",  // TEST-NET-3
	"224.0.0.0/4",     // multicast
	"240.0.0.0/4",     // reserved, incl. 255.255.255.255
	// IPv6
	"::/128",         // unspecified
	"::1/128",        // loopback
	"::/96",          // IPv4-compatible (deprecated)
	"64:ff9b:1::/48", // local-use NAT64
	"100::/64",       // discard-only
	"2001::/32",      // Teredo: embeds an obfuscated IPv4 address
	"2001:2::/48",    // benchmarking
	"2001:10::/28",   // ORCHID
	"2001:20::/28",   // ORCHIDv2
	"2001:db8::/32",  // documentation
	"fc00::/7",       // unique local, incl. fd00:ec2::254 (AWS metadata)
	"fe80::/10",      // link-local
	"fec0::/10",      // site-local (deprecated)
	"ff00::/8",       // multicast
)

func mustPrefixes(ss ...string) []netip.Prefix {
	out := make([]netip.Prefix, len(ss))
	for i, s := range ss {
		out[i] = netip.MustParsePrefix(s)
	}
	return out
}

var (
	nat64     = netip.MustParsePrefix("64:ff9b::/96")
	sixToFour = netip.MustParsePrefix("2002::/16")
)

// embeddedIPv4 returns the IPv4 address carried by an IPv4-mapped
// (::ffff:a.b.c.d), NAT64 (64:ff9b::a.b.c.d) or 6to4 (2002:aabb:ccdd::)
// address.
func embeddedIPv4(a netip.Addr) (netip.Addr, bool) {
	if a.Is4In6() {
		return a.Unmap(), true
	}
	if !a.Is6() {
		return netip.Addr{}, false
	}
	b := a.As16()
	switch {
	case nat64.Contains(a):
		return netip.AddrFrom4([4]byte{b[12], b[13], b[14], b[15]}), true
	case sixToFour.Contains(a):
		return netip.AddrFrom4([4]byte{b[2], b[3], b[4], b[5]}), true
	}
	return netip.Addr{}, false
}

// Blocked reports whether a is an address the fetcher refuses to connect
// to unless a source allows private targets: private, loopback,
// link-local, CGNAT, multicast, reserved, documentation and metadata
// addresses, in IPv4 and IPv6, including IPv4 addresses embedded in
// IPv4-mapped, NAT64 and 6to4 IPv6 addresses. An invalid address is
// blocked.
func Blocked(a netip.Addr) bool {
	if !a.IsValid() {
		return true
	}
	a = a.WithZone("")
	if v4, ok := embeddedIPv4(a); ok {
		return Blocked(v4)
	}
	for _, p := range blockedNets {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// guard decides at dial time whether a resolved address may be reached.
type guard struct {
	allowPrivate bool
	allowNets    []netip.Prefix
	allowAddrs   []netip.AddrPort
}

func (g guard) check(address string) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("dialing %s: %w", address, ErrBlockedAddress)
	}
	if g.allowPrivate {
		return nil
	}
	a := ap.Addr().Unmap().WithZone("")
	for _, x := range g.allowAddrs {
		if x.Addr().Unmap() == a && x.Port() == ap.Port() {
			return nil
		}
	}
	for _, p := range g.allowNets {
		if p.Contains(a) {
			return nil
		}
	}
	if Blocked(ap.Addr()) {
		return fmt.Errorf("dialing %s: %w", address, ErrBlockedAddress)
	}
	return nil
}

// control is a net.Dialer.Control: it runs after DNS resolution on the
// address actually dialled, so a DNS name that resolves (or rebinds) to a
// private address is refused just like a literal one, on every redirect.
func (g guard) control(network, address string, _ syscall.RawConn) error {
	switch network {
	case "tcp", "tcp4", "tcp6":
	default:
		return fmt.Errorf("dialing %s over %s: %w", address, network, ErrBlockedAddress)
	}
	return g.check(address)
}
