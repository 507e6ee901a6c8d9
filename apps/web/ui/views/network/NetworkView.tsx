/** The network view: the chain, the contracts, each subnet with its neurons, and the chain's recent activity. */
import type { Subnet } from '../../api.ts'
import { Card, Table } from '../../components/Table.tsx'
import { myc, short } from '../../format.ts'
import type { ViewProps } from '../types.ts'
import { Activity } from './Activity.tsx'

const contractLabels: Record<string, string> = {
  mycelToken: 'MycelToken (MYC)',
  subnetRegistry: 'SubnetRegistry',
  paymentChannels: 'PaymentChannels',
  staking: 'Staking',
  weights: 'Weights',
  epochReferee: 'EpochReferee',
  epochs: 'Epochs',
  testUsd: 'TestUSD (tUSD, devnet only)',
}

function SubnetCard({ subnet: s }: { subnet: Subnet }) {
  return (
    <article class="subnet" data-netuid={s.netuid}>
      <h3>
        #{s.netuid} {s.name} <span class="tag">{s.taskType}</span>
      </h3>
      <p class="muted">
        {s.neuronCount} / {s.maxNeurons} neurons · registration {myc(s.registrationCost)} · owner{' '}
        <span class="mono" title={s.owner}>
          {short(s.owner)}
        </span>{' '}
        · scoring spec{' '}
        <a class="mono" href={`/api/content/${s.scoringSpecCid}`}>
          {s.scoringSpecCid.slice(0, 14)}…
        </a>
      </p>
      <Table
        label={`Neurons of subnet #${s.netuid}`}
        head={['uid', 'role', 'hotkey', 'endpoint', 'since block']}
        empty={`No neurons yet. Register one with \`mycel neuron register --netuid ${s.netuid} …\`.`}
        rows={s.neurons.map((n) => (
          <tr key={n.uid} data-hotkey={n.hotkey}>
            <td>{n.uid}</td>
            <td class={`role-${n.role}`}>{n.role}</td>
            <td class="mono" title={n.hotkey}>
              {short(n.hotkey)}
            </td>
            <td class="mono">{n.endpoint}</td>
            <td>{n.registeredBlock}</td>
          </tr>
        ))}
      />
    </article>
  )
}

export function NetworkView({ network }: ViewProps) {
  const data = network.data
  return (
    <>
      <section aria-labelledby="chain-title" class="cards">
        <h2 id="chain-title" class="visually-hidden">
          Chain
        </h2>
        <Card title="Chain ID" id="chain-id">
          {data?.chain.chainId ?? '–'}
        </Card>
        <Card title="Block" id="chain-block">
          {data?.chain.headBlock ?? '–'}
        </Card>
        <Card title="Subnets" id="subnet-count">
          {data?.subnets.length ?? '–'}
        </Card>
        <Card title="Neurons" id="neuron-count">
          {data ? data.subnets.reduce((sum, s) => sum + s.neuronCount, 0) : '–'}
        </Card>
      </section>
      <section aria-labelledby="contracts-title">
        <h2 id="contracts-title">Contracts</h2>
        <p class="muted">
          RPC <code id="chain-rpc">{data?.chain.rpcUrl ?? '–'}</code>
        </p>
        <Table
          id="contracts"
          label="Contracts"
          head={['Contract', 'Address']}
          rows={Object.entries(data?.contracts ?? {}).map(([name, address]) => (
            <tr key={name}>
              <td>{contractLabels[name] ?? name}</td>
              <td class="mono wrap" data-contract={name}>
                {address}
              </td>
            </tr>
          ))}
        />
      </section>
      <section aria-labelledby="subnets-title">
        <h2 id="subnets-title">Subnets</h2>
        {data && data.subnets.length === 0 ? (
          <p class="muted">No subnets yet. Create one with `mycel subnet create`.</p>
        ) : (
          data?.subnets.map((s) => <SubnetCard key={s.netuid} subnet={s} />)
        )}
      </section>
      <Activity />
    </>
  )
}
