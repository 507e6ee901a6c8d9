// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/**
 * @title ProvenanceAnchors
 * @notice Anchors Merkle roots of signed provenance receipts (docs/provenance.md): a miner batches the receipts of the
 * answers it served — or a person the receipts of their own work — and anchors the batch's root here. One storage
 * slot per root and anchorer holds who anchored it, when, and how many receipts it covers, so a verifier (or a
 * contract) can check that a receipt's Merkle proof ends in a root anchored by its signer, and when. Each account
 * anchors a root once, and anyone else anchoring the same root — even first, copying a pending transaction — neither
 * takes the signer's slot nor blocks its anchor (the receipts name their signer, and a verifier asks whether that
 * signer anchored the root: {isAnchoredBy}).
 *
 * The batch's receipts are published in the content store under the CID the event carries (not stored: verifiers read
 * it from the log). Cheap by design: one cold slot written and one event, under 50,000 gas per batch with the
 * transaction's intrinsic gas — under 500 gas per receipt at a batch of 100, where an EAS attestation per answer costs
 * ~180,000.
 */
contract ProvenanceAnchors {
    /// @notice An anchor as stored: anchorer (160 bits), time (64), receipts (32).
    struct Anchor {
        address anchorer;
        uint64 time;
        uint32 count;
    }

    uint256 public constant MAX_CID_LENGTH = 128;

    /// @dev Keyed by anchorer too: one slot per root would let anyone who copies a pending anchor take the root first,
    /// after which its signer could never anchor it (attacks.data.md D2).
    mapping(bytes32 root => mapping(address anchorer => uint256 packed)) private _anchors;

    /// @notice `batchCid` names the batch's receipts in the content store (where verifiers fetch them); not stored.
    event Anchored(bytes32 indexed root, address indexed anchorer, uint32 count, string batchCid);

    error ProvenanceAnchorsZeroRoot();
    error ProvenanceAnchorsEmptyBatch();
    error ProvenanceAnchorsCidTooLong(uint256 length);
    error ProvenanceAnchorsAlreadyAnchored(bytes32 root, address anchorer, uint64 time);

    /**
     * @notice Anchors `root`, the Merkle root of a batch of `count` receipts signed by the caller, published in the
     * content store as `batchCid`.
     * Requirements: a non-zero root the caller has not anchored before; at least one receipt; a CID of at most 128
     * bytes. Emits {Anchored}.
     */
    function anchor(bytes32 root, uint32 count, string calldata batchCid) external {
        if (root == bytes32(0)) revert ProvenanceAnchorsZeroRoot();
        if (count == 0) revert ProvenanceAnchorsEmptyBatch();
        if (bytes(batchCid).length > MAX_CID_LENGTH) revert ProvenanceAnchorsCidTooLong(bytes(batchCid).length);
        uint256 packed = _anchors[root][msg.sender];
        if (packed != 0) {
            revert ProvenanceAnchorsAlreadyAnchored(root, address(uint160(packed)), uint64(packed >> 160));
        }
        _anchors[root][msg.sender] = uint256(uint160(msg.sender)) | (block.timestamp << 160) | (uint256(count) << 224);
        emit Anchored(root, msg.sender, count, batchCid);
    }

    /// @notice The anchor of `root` by `anchorer` (all zero when it never anchored it).
    function anchorOf(bytes32 root, address anchorer) external view returns (Anchor memory) {
        uint256 packed = _anchors[root][anchorer];
        return Anchor({anchorer: address(uint160(packed)), time: uint64(packed >> 160), count: uint32(packed >> 224)});
    }

    /// @notice Whether `root` was anchored by `anchorer`.
    function isAnchoredBy(bytes32 root, address anchorer) external view returns (bool) {
        return _anchors[root][anchorer] != 0;
    }
}
