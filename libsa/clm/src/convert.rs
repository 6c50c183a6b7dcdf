//! Wire values to the C structures handed to the caller.

use sa_abi::ais::sa_bool;
use sa_abi::clm::{SaClmClusterNodeT, SaClmClusterNotificationT, SaClmNodeAddressT};
use sa_ipc::ffi::name_to_sa;
use sa_ipc::proto::clm::{NodeInfo, TrackItem};

/// SaClmClusterNodeT of a node.
pub(crate) fn node_to_sa(node: &NodeInfo) -> SaClmClusterNodeT {
    SaClmClusterNodeT {
        nodeId: node.node_id,
        // The decoder already limited the address to
        // SA_CLM_MAX_ADDRESS_LENGTH bytes, so `new` cannot fail here.
        nodeAddress: SaClmNodeAddressT::new(node.family.to_wire(), &node.address)
            .unwrap_or_default(),
        nodeName: name_to_sa(&node.name),
        member: sa_bool(node.member),
        bootTimestamp: node.boot_timestamp,
        initialViewNumber: node.initial_view_number,
    }
}

/// SaClmClusterNotificationT of a track notification item.
pub(crate) fn item_to_sa(item: &TrackItem) -> SaClmClusterNotificationT {
    SaClmClusterNotificationT {
        clusterNode: node_to_sa(&item.node),
        clusterChange: item.change.to_wire(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sa_abi::clm::{SA_CLM_AF_INET6, SA_CLM_NODE_LEFT};
    use sa_ipc::proto::clm::{AddressFamily, ClusterChange};

    #[test]
    fn node_fields() {
        let node = NodeInfo {
            node_id: 16897290,
            family: AddressFamily::Inet6,
            address: b"fe80::1".to_vec(),
            name: "host-a".try_into().unwrap(),
            member: false,
            boot_timestamp: 1_700_000_000_000_000_000,
            initial_view_number: 12,
        };
        let sa = item_to_sa(&TrackItem {
            node,
            change: ClusterChange::Left,
        });
        assert_eq!(sa.clusterChange, SA_CLM_NODE_LEFT);
        let n = sa.clusterNode;
        assert_eq!(n.nodeId, 16897290);
        assert_eq!(n.nodeAddress.family, SA_CLM_AF_INET6);
        assert_eq!(n.nodeAddress.as_bytes(), b"fe80::1");
        assert_eq!(n.nodeName.as_bytes(), b"host-a");
        assert!(!n.is_member());
        assert_eq!(n.bootTimestamp, 1_700_000_000_000_000_000);
        assert_eq!(n.initialViewNumber, 12);
    }
}
