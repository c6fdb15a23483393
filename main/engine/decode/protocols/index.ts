// Loading this module registers every protocol decoder in the dispatch tables (each file
// registers itself). Add a protocol: write its file, then import it here.
import './ethernet';
import './vlan';
import './sll';
import './sll2';
import './null';
import './raw';
import './arp';
import './ipv4';
import './ipv6';
import './icmp';
import './icmpv6';
import './udp';
import './tcp';
import './dns';
import './vxlan';
import './geneve';
import './gre';
import './erspan';
import './flannel';
import './wireguard';
import './bgp';
