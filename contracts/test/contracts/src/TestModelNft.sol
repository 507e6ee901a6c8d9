// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC721} from "@openzeppelin/contracts/token/ERC721/ERC721.sol";

/**
 * @title TestModelNft
 * @notice Test-only: a plain OpenZeppelin ERC-721 standing in for ModelRegistry (built in parallel) where the vault
 * tests only need `ownerOf(modelId)`. Anyone mints. The end-to-end test with the real registry replaces it.
 */
contract TestModelNft is ERC721 {
    constructor() ERC721("Test models", "TMODEL") {}

    function mint(address to, uint256 id) external {
        _mint(to, id);
    }
}
