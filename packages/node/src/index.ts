/** @mycel/node: the daemon (`start`), its options, devnet, keystore and chain helpers, importable. */

export type { KeyUse } from './app/keysInUse.ts'
export { assertKeyFree, KeyInUseError, relatedDataDirs } from './app/keysInUse.ts'
export type { MycelNode, StartParameters } from './app/start.ts'
export { installSignalHandlers, start } from './app/start.ts'
export { type Certified, certifyDataset } from './certifier/certify.ts'
export { type CertificationReport, checkDataset, THRESHOLDS } from './certifier/check.ts'
export { connectChain, redactRpcUrl } from './chain/client.ts'
export {
  deploymentFundingError,
  InsufficientFundsToDeployError,
  isInsufficientFunds,
  measureDeploymentGas,
} from './chain/deploymentCost.ts'
export type { DeploymentsFile } from './chain/deployments.ts'
export { addressesOf, deploymentsPath, readDeployments, staleContracts, writeDeployments } from './chain/deployments.ts'
export { publishedEas } from './chain/eas.ts'
export type { Common } from './common/common.ts'
export { createCommon, createLogger } from './common/common.ts'
export {
  DevnetStartError,
  DevnetStateCorruptError,
  InvalidOptionsError,
  NodeError,
  NotDeployedError,
  PortInUseError,
  RpcUnreachableError,
} from './common/errors.ts'
export type { NodeOptions, NodeOptionsInput, ResolveOptionsParameters } from './config/options.ts'
export { optionEnv, optionsSchema, resolveOptions } from './config/options.ts'
export type { AddResult, ContentStore, GcResult, Pin } from './content/contentStore.ts'
export { createContentStore, parseContentCid } from './content/contentStore.ts'
export {
  DatasetCiphertextError,
  decryptDataset,
  encryptDataset,
  newDatasetKey,
  unwrapKey,
  wrapKey,
} from './data/encryption.ts'
export { type FetchedDataset, fetchDataset, grantFor, requestDatasetKey } from './data/fetchDataset.ts'
export { parseDataQuery, type QueryAnswer } from './data/query.ts'
export {
  DATASET_FORMATS,
  type DatasetFormat,
  DatasetRecordsError,
  type RecordLayout,
  readRecords,
  recordHash,
  recordsTree,
  splitRecords,
} from './data/records.ts'
export {
  type DatasetSchema,
  DatasetSchemaError,
  inferDatasetSchema,
  layoutOf,
  parseDatasetSchema,
  SCHEMA_VERSION,
} from './data/schema.ts'
export { requestQuery, requestRecords } from './data/vaultClient.ts'
export { migrations, openDatabase } from './db/database.ts'
export { listDatasetKeys, readReleases } from './db/stores/vault.ts'
export { DEVNET_MNEMONIC, devnetAccount, devnetPrivateKey } from './devnet/accounts.ts'
export type { AnvilProcess } from './devnet/anvil.ts'
export { anvilBinary, checkStateFile, DEVNET_CHAIN_ID, freePort, probeChainId, startAnvil } from './devnet/anvil.ts'
export { DEVNET_INITIAL_SUPPLY, ensureDevnetContracts } from './devnet/deploy.ts'
export {
  devnetPaths,
  findRunningDevnet,
  findRunningNode,
  isAlive,
  resetDevnet,
  startDetachedDevnet,
  stopDetachedDevnet,
} from './devnet/devnet.ts'
export { builtinSubnets } from './devnet/seed.ts'
export { createSseSplitter, sseData } from './inference/sse.ts'
export { KeystoreError, WrongPasswordError } from './keys/errors.ts'
export type { KeystoreV3 } from './keys/keystore.ts'
export { decryptKeystore, encryptKeystore, keystoreDir, LIGHT_SCRYPT, STANDARD_SCRYPT } from './keys/keystore.ts'
export { createReceiptCodec, type ReceiptCodec, sha256Hex } from './provenance/receiptCodec.ts'
export { parseReceiptHeader, RECEIPT_HEADER } from './provenance/receiptHeader.ts'
export { type Verdict, verifyReceipt } from './provenance/verify.ts'
export { decodeDataset, encodeDataset, loadDataset, mnistTrainingDigits } from './training/dataset.ts'
export { challengeFinding, challengerStep, checkResult, type Finding } from './training/verify.ts'
export {
  openVault,
  recordRegistration,
  registerSealed,
  type SealedDataset,
  sealDataset,
  type Vault,
} from './vault/vault.ts'
